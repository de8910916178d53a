"""Erasing a person (GDPR Art. 17): the account row stays, anonymised, so every count over it stays right.

The person's name and address are replaced, every way in is closed (password, sessions, API tokens, link
tokens, calendar feed), their profile and their own words are blanked (privacy.scrub), and mail still waiting
for them is dropped. Their memberships, mentorships, meetings and ratings stay as rows, so program figures
(people per role, pairs per state, meetings held, ratings) do not move, and the partner keeps their own words.
A pair that has not ended stays as it is; its other partner and the program's coordinators are told (privacy.pairs).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session

from mentorloom.accounts.models import ERASED_DOMAIN, ApiToken, User, UserSession, erased_label
from mentorloom.audit.models import AuditAction
from mentorloom.audit.service import record
from mentorloom.db import lock_row, utcnow
from mentorloom.errors import Conflict
from mentorloom.i18n import gettext as _
from mentorloom.matching import service as matching
from mentorloom.meetings.models import CalendarFeed
from mentorloom.notifications.models import MailState, Notification, NotificationPreference, OutboxMail
from mentorloom.privacy import pairs, scrub
from mentorloom.profiles import import_jobs
from mentorloom.programs.models import Membership

# Not an argon2 hash: verification fails on it (InvalidHashError), and its fingerprint differs from any
# password's, so no invitation or reset link made before the erasure opens the account again.
UNUSABLE_PASSWORD = "!erased"


@dataclass(frozen=True)
class Erasure:
    user: User
    erased_at: datetime
    already: bool  # the person had been erased before: nothing changed


def erased_email(user_id: int) -> str:
    return f"erased-{user_id}@{ERASED_DOMAIN}"


def erased_name(user_id: int) -> str:
    return erased_label(user_id)


def erase_person(
    session: Session, user: User, *, by: User | None, now: datetime | None = None, audited: bool = True
) -> Erasure:
    """Anonymise the person and close every way into the account; idempotent. `by` None: the CLI or a job."""
    _lock_person(session, user)
    if user.erased_at is not None:
        return Erasure(user, user.erased_at, already=True)
    _refuse_last_admin(session, user, by)
    now = now or utcnow()
    old_address, old_name = user.email, user.display_name
    import_jobs.stop_imports_naming(session, old_address)  # run later, a waiting import would make them again
    scrub.scrub_person(session, user.id)
    _close_account(session, user)
    _drop_mail(session, user.id, old_address)
    user.display_name, user.email = erased_name(user.id), erased_email(user.id)
    renames = {old_name: user.display_name, old_address: user.email}
    _rename_in_contexts(session, user.id, renames)
    user.password_hash, user.is_active, user.is_admin = UNUSABLE_PASSWORD, False, False
    user.locale, user.last_login_at, user.erased_at = None, None, now
    session.flush()
    pairs.tell_about_pairs(session, user)  # after the renaming: the notices name only the neutral label
    matching.close_asks_of_erased(session, user.id)
    if audited:  # the retention job records one event per program with its counts instead
        record(session, AuditAction.PERSON_ERASED, actor=by, target_type="user", target_id=user.id)
    return Erasure(user, now, already=False)


def _lock_person(session: Session, user: User) -> None:
    """Serialise erasures of this person (one erasure, one notice, one audit event), then re-read the account.

    An administrator's erasure locks every administrator's row, in id order: two administrators erasing each other
    at the same moment would otherwise both count the other as the one left, and the instance would have none.
    """
    if user.is_admin and session.get_bind().dialect.name == "postgresql":
        session.execute(select(User.id).where(User.is_admin).order_by(User.id).with_for_update())
    else:  # on SQLite the no-op UPDATE takes the database's write lock, which serialises every case
        lock_row(session, User.erased_at, user.id)
    session.refresh(user)


def _refuse_last_admin(session: Session, user: User, by: User | None) -> None:
    if by is not None and by.id == user.id:
        raise Conflict(_("You cannot erase your own account. Ask another administrator."))
    if not user.is_admin:
        return
    others = session.scalar(
        select(func.count()).select_from(User).where(User.is_admin, User.is_active, User.id != user.id)
    )
    if not others:
        raise Conflict(_("This is the last active administrator. Make someone else an administrator first."))


def _close_account(session: Session, user: User) -> None:
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    session.execute(delete(Notification).where(Notification.user_id == user.id))
    session.execute(delete(NotificationPreference).where(NotificationPreference.user_id == user.id))


def _drop_mail(session: Session, user_id: int, address: str) -> None:
    """Mail not yet sent is cancelled; every mail row to the person loses the address and its contents, and the
    delivery error kept for the coordination loses the address too (a mail server's refusal quotes it)."""
    mails = update(OutboxMail).where(OutboxMail.to_address == address)
    session.execute(
        mails.where(OutboxMail.state == MailState.PENDING).values(state=MailState.CANCELLED, lease_until=None)
    )
    label = erased_email(user_id)
    session.execute(mails.values(to_address=label, context={}, subject=""))
    errors = select(OutboxMail).where(OutboxMail.to_address == label, OutboxMail.last_error != "")
    for mail in session.scalars(errors):
        mail.last_error = re.sub(re.escape(address), label, mail.last_error, flags=re.IGNORECASE)
    session.flush()


def _rename_in_contexts(session: Session, user_id: int, renames: dict[str, str]) -> None:
    """Others' notifications and mails keep plain data such as "partner_name", and a meeting invitation's calendar
    file: the person's name and address there become the neutral label (within the person's programs)."""
    programs = select(Membership.program_id).where(Membership.user_id == user_id)
    models: tuple[Any, ...] = (Notification, OutboxMail)
    for model in models:
        # A calendar file folds its lines at 75 octets, so a name may be split across a fold: read every one.
        holds = [cast(model.context, Text).contains(_ICS_START, autoescape=True)]
        for needle in renames:
            stored = json.dumps(needle)[1:-1]  # as the JSON column holds it (ASCII-escaped)
            holds.append(cast(model.context, Text).contains(stored, autoescape=True))
        for row in session.scalars(select(model).where(model.program_id.in_(programs), or_(*holds))):
            renamed = _renamed(row.context, renames)
            if renamed != row.context:
                row.context = renamed
    # a mail already sent keeps its rendered subject ("How did your meeting with ... go?"): the name goes there too
    for needle, label in renames.items():
        subjects = select(OutboxMail).where(
            OutboxMail.program_id.in_(programs), OutboxMail.subject.contains(needle, autoescape=True)
        )
        for mail in session.scalars(subjects):
            mail.subject = _replace_whole(mail.subject, needle, label)[:255]
    session.flush()


_ICS_START = "BEGIN:VCALENDAR"
_ICS_FOLD = re.compile(r"\r?\n[ \t]")


def _replace_whole(text: str, needle: str, label: str) -> str:
    """Every occurrence of `needle` in `text` that is not part of a longer word becomes `label`."""
    parts = re.split(rf"(?<!\w){re.escape(needle)}(?!\w)", text)
    return label.join(parts)


def _renamed(value: Any, renames: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {key: _renamed(item, renames) for key, item in value.items()}
    if isinstance(value, list):
        return [_renamed(item, renames) for item in value]
    if not isinstance(value, str):
        return value
    if value in renames:
        return renames[value]
    # Inside a longer text (a calendar file's ORGANIZER/ATTENDEE names, a sentence): unfold the calendar's lines
    # first (RFC 5545 3.1), so a name split by a fold is found; an unfolded line is still read by every client.
    original = _ICS_FOLD.sub("", value) if value.startswith(_ICS_START) else value
    text = original
    for needle, label in renames.items():
        if needle and needle in text:
            text = _replace_whole(text, needle, label)
    return text if text != original else value
