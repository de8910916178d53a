"""Accounts: invitations, passwords, login sessions, password reset and API tokens.

Services flush and never commit; the request, job or CLI edge owns the transaction.
"""

from __future__ import annotations

from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from mentorloom.accounts.models import ApiToken, User, UserSession
from mentorloom.accounts.security import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    LinkSigner,
    hash_password,
    new_token,
    password_fingerprint,
    token_digest,
    verify_password,
)
from mentorloom.db import as_utc, utcnow
from mentorloom.errors import Conflict, NotAuthenticated, NotFound, ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.i18n import ngettext

INVITATION = "invitation"
PASSWORD_RESET = "reset"


TOKEN_USE_PRECISION = timedelta(minutes=1)


def normalise_email(raw: str, field: str = "email") -> str:
    """A syntactically valid, lower-cased address, or a ValidationFailed naming the field."""
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed(_("Enter a valid e-mail address (%(reason)s).", reason=str(exc)), field=field) from exc


def check_password_rules(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            ngettext("Use at least %(num)d character.", "Use at least %(num)d characters.", MIN_PASSWORD_LENGTH),
            field=field,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.", MAX_PASSWORD_LENGTH),
            field=field,
        )


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def get_or_create_user(session: Session, *, email: str, display_name: str) -> User:
    """The account for this address, created without a password when it is new."""
    email = normalise_email(email)
    user = user_by_email(session, email)
    if user is None:
        user = User(email=email, display_name=display_name.strip() or email.split("@")[0])
        session.add(user)
        session.flush()
    return user


def create_admin(session: Session, *, email: str, display_name: str, password: str) -> User:
    """Create an instance administrator, or promote and re-password an existing account."""
    check_password_rules(password)
    user = get_or_create_user(session, email=email, display_name=display_name)
    user.is_admin = True
    # Re-running with the same password (the demo loader does) changes nothing; a new one ends every login.
    if not verify_password(user.password_hash, password):
        set_password(session, user, password)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Set a new password; it signs the person out everywhere (see sign_out_everywhere)."""
    check_password_rules(password)
    user.password_hash = hash_password(password)
    sign_out_everywhere(session, user)


def sign_out_everywhere(session: Session, user: User) -> None:
    """End every login session and revoke every API token of this person.

    A new password usually answers a lost or stolen one: a token made with the old one must not outlive it.
    """
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow())
    )
    session.flush()


def authenticate(session: Session, email: str, password: str) -> User:
    """The user with these credentials; one vague error for every failure (no account probing)."""
    user = user_by_email(session, email)
    # verify first, also for unknown addresses: the hash costs ~100 ms, and skipping it would tell which exist
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not user.is_active or not password_ok:
        raise NotAuthenticated(_("E-mail or password is not correct."))
    user.last_login_at = utcnow()
    return user


def start_session(session: Session, user: User, days: int) -> str:
    """Create a login and return the raw cookie token (only its hash is stored)."""
    raw = new_token()
    session.add(UserSession(user_id=user.id, token_hash=token_digest(raw), expires_at=utcnow() + timedelta(days=days)))
    session.flush()
    return raw


def user_for_session(session: Session, raw_token: str) -> User | None:
    row = session.scalar(select(UserSession).where(UserSession.token_hash == token_digest(raw_token)))
    if row is None or as_utc(row.expires_at) < utcnow() or not row.user.is_active:
        return None
    return row.user


def end_session(session: Session, raw_token: str) -> None:
    session.execute(delete(UserSession).where(UserSession.token_hash == token_digest(raw_token)))


def make_link_token(signer: LinkSigner, purpose: str, user: User) -> str:
    return signer.dumps(purpose, user.id, password_fingerprint(user.password_hash))


def user_for_link(session: Session, signer: LinkSigner, token: str, purpose: str, max_age_seconds: int) -> User:
    """The user a valid, unused, unexpired link belongs to."""
    decoded = signer.loads(token, purpose, max_age_seconds)
    user = session.get(User, decoded[0]) if decoded else None
    if user is None or decoded is None or decoded[1] != password_fingerprint(user.password_hash):
        raise NotFound(_("This link is invalid, was used already or has expired. Ask for a new one."))
    return user


def accept_invitation(session: Session, signer: LinkSigner, token: str, password: str, max_age_seconds: int) -> User:
    user = user_for_link(session, signer, token, INVITATION, max_age_seconds)
    if user.has_password:
        raise Conflict(_("This invitation was accepted already. Log in instead."))
    set_password(session, user, password)
    return user


def reset_password(session: Session, signer: LinkSigner, token: str, password: str, max_age_seconds: int) -> User:
    user = user_for_link(session, signer, token, PASSWORD_RESET, max_age_seconds)
    set_password(session, user, password)
    return user


def create_api_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new personal token; the raw value is returned once and never stored."""
    name = name.strip()
    if not name or len(name) > 80:
        raise ValidationFailed(_("Give the token a name of 1 to 80 characters."), field="name")
    raw = "ml_" + new_token(30)
    token = ApiToken(user_id=user.id, name=name, prefix=raw[:10], token_hash=token_digest(raw))
    session.add(token)
    session.flush()
    return token, raw


def user_for_api_token(session: Session, raw: str) -> User | None:
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(raw)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    now = utcnow()
    # a minute's precision is plenty, and skipping the write keeps read-only API calls read-only
    if token.last_used_at is None or now - token.last_used_at > TOKEN_USE_PRECISION:
        token.last_used_at = now
    return token.user


def list_api_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def revoke_api_token(session: Session, user: User, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_("Token not found."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    session.flush()
    return token
