"""Accounts: invitations, passwords, login sessions, password reset and API tokens.

Services flush and never commit; the request, job or CLI edge owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from mentorloom.accounts.models import ApiToken, User, UserSession
from mentorloom.accounts.passwords import check_password_rules
from mentorloom.accounts.security import (
    LinkSigner,
    hash_password,
    new_token,
    password_fingerprint,
    token_digest,
    verify_password,
)
from mentorloom.audit.models import AuditAction
from mentorloom.audit.service import record as audit
from mentorloom.db import as_utc, lock_row, utcnow
from mentorloom.errors import Conflict, NotAuthenticated, NotFound, ValidationFailed
from mentorloom.i18n import gettext as _

INVITATION = "invitation"
PASSWORD_RESET = "reset"


TOKEN_USE_PRECISION = timedelta(minutes=1)


def normalise_email(raw: str, field: str = "email") -> str:
    """A syntactically valid, lower-cased address, or a ValidationFailed naming the field."""
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed(_("Enter a valid e-mail address (%(reason)s).", reason=str(exc)), field=field) from exc


def email_key(raw: str) -> str:
    """The form an address is looked up in (stored addresses are normalised and lower-cased)."""
    return raw.strip().lower()


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email_key(email)))


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
    check_password_rules(password, personal=(email, display_name))
    user = get_or_create_user(session, email=email, display_name=display_name)
    if not user.is_admin:
        audit(session, AuditAction.ADMIN_GRANTED, actor=None, target_type="user", target_id=user.id)
        end_sessions(session, [user.id])  # a privilege change: logins made before it end
    user.is_admin = True
    # Re-running with the same password (the demo loader does) changes nothing; a new one ends every login.
    if not verify_password(user.password_hash, password):
        set_password(session, user, password)
        audit(session, AuditAction.PASSWORD_CHANGED, actor=None, target_type="user", target_id=user.id)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str, field: str = "password") -> None:
    """Set a new password; it signs the person out everywhere (see sign_out_everywhere)."""
    check_password_rules(password, field, personal=(user.email, user.display_name))
    user.password_hash = hash_password(password)
    sign_out_everywhere(session, user)


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """The signed-in person's own change: the current password first, so a borrowed session cannot take over.

    The check reads the password under the account's lock: several changes sent at once with the same current
    password would otherwise all pass, each telling its sender a password that the next one replaced."""
    _lock_account(session, user)
    if not verify_password(user.password_hash, current):
        raise ValidationFailed(_("This is not your current password."), field="current_password")
    set_password(session, user, new, field="new_password")
    audit(session, AuditAction.PASSWORD_CHANGED, actor=user, target_type="user", target_id=user.id)


def _lock_account(session: Session, user: User) -> None:
    """Serialise password changes of this account until the transaction ends, then read it again."""
    lock_row(session, User.password_hash, user.id)
    session.refresh(user)


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
        # No address and never the password in the log: an unknown "address" is often a password typed too early.
        reason = "unknown_account" if user is None else "inactive" if not user.is_active else "wrong_password"
        target_id = user.id if user is not None else None
        audit(
            session,
            AuditAction.SIGN_IN_FAILED,
            actor=None,
            target_type="user",
            target_id=target_id,
            detail={"reason": reason},
        )
        raise NotAuthenticated(_("E-mail or password is not correct."))
    user.last_login_at = utcnow()
    audit(session, AuditAction.SIGN_IN, actor=user, target_type="user", target_id=user.id)
    return user


def start_session(session: Session, user: User, days: int, *, replacing: str | None = None) -> str:
    """Create a login and return the raw cookie token (only its hash is stored).

    ``replacing`` is the session cookie the browser still sent: it ends, so a sign-in always gets a fresh id
    and a cookie planted or left behind before it cannot ride along."""
    if replacing:
        end_session(session, replacing)
    raw = new_token()
    session.add(UserSession(user_id=user.id, token_hash=token_digest(raw), expires_at=utcnow() + timedelta(days=days)))
    session.flush()
    return raw


def end_sessions(session: Session, user_ids: Iterable[int]) -> None:
    """End every login of these people after a privilege change (program role, admin flag, password).

    Rights are checked on every request anyway; a fresh sign-in after the change means no session id from before
    it (perhaps seen or planted by someone else) carries the new rights."""
    ids = list(user_ids)
    if ids:
        session.execute(delete(UserSession).where(UserSession.user_id.in_(ids)))
        session.flush()


def rotate_session(session: Session, user: User, days: int) -> str:
    """A new login token for the signed-in person after their own privilege change; every other login ends."""
    end_sessions(session, [user.id])
    return start_session(session, user, days)


def user_for_session(session: Session, raw_token: str) -> User | None:
    row = session.scalar(select(UserSession).where(UserSession.token_hash == token_digest(raw_token)))
    if row is None or as_utc(row.expires_at) < utcnow() or not row.user.is_active:
        return None
    return row.user


def end_session(session: Session, raw_token: str) -> None:
    row = session.scalar(select(UserSession).where(UserSession.token_hash == token_digest(raw_token)))
    if row is not None:
        audit(session, AuditAction.SIGN_OUT, actor=row.user, target_type="user", target_id=row.user_id)
    session.execute(delete(UserSession).where(UserSession.token_hash == token_digest(raw_token)))


def make_link_token(signer: LinkSigner, purpose: str, user: User) -> str:
    return signer.dumps(purpose, user.id, password_fingerprint(user.password_hash))


def user_for_link(
    session: Session, signer: LinkSigner, token: str, purpose: str, max_age_seconds: int, *, lock: bool = False
) -> User:
    """The user a valid, unused, unexpired link belongs to. `lock`: to use the link, under the account's lock, so
    the same link sent twice at once is used once (the first use changes the password it is bound to)."""
    decoded = signer.loads(token, purpose, max_age_seconds)
    user = session.get(User, decoded[0]) if decoded else None
    if user is not None and lock:
        _lock_account(session, user)
    if user is None or decoded is None or decoded[1] != password_fingerprint(user.password_hash):
        raise NotFound(_("This link is invalid, was used already or has expired. Ask for a new one."))
    return user


def accept_invitation(session: Session, signer: LinkSigner, token: str, password: str, max_age_seconds: int) -> User:
    user = user_for_link(session, signer, token, INVITATION, max_age_seconds, lock=True)
    if user.has_password:
        raise Conflict(_("This invitation was accepted already. Log in instead."))
    set_password(session, user, password)
    audit(session, AuditAction.INVITATION_ACCEPTED, actor=user, target_type="user", target_id=user.id)
    return user


def reset_password(session: Session, signer: LinkSigner, token: str, password: str, max_age_seconds: int) -> User:
    user = user_for_link(session, signer, token, PASSWORD_RESET, max_age_seconds, lock=True)
    set_password(session, user, password)
    audit(session, AuditAction.PASSWORD_RESET, actor=user, target_type="user", target_id=user.id)
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
    audit(session, AuditAction.TOKEN_CREATED, actor=user, target_type="api_token", target_id=token.id)
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
        audit(session, AuditAction.TOKEN_REVOKED, actor=user, target_type="api_token", target_id=token.id)
    session.flush()
    return token
