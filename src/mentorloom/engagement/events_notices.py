"""What people are told about events, through the one notification service, each in their own language.

Every invitation, update and cancellation carries the event as a calendar (.ics) made in the recipient's
language. Keys make each notice idempotent: an invitation once per person, an update once per SEQUENCE, a
cancellation once, a freed seat once per time on the waiting list.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from mentorloom.accounts.models import User
from mentorloom.config import Settings
from mentorloom.engagement import events_calendar
from mentorloom.engagement.models import Event
from mentorloom.i18n import use_locale
from mentorloom.notifications.service import notify
from mentorloom.programs.mails import mail_locale
from mentorloom.programs.models import Membership


def _members(session: Session, event: Event, user_ids: Iterable[int]) -> list[Membership]:
    ids = sorted(set(user_ids))
    if not ids:
        return []
    return list(
        session.scalars(
            select(Membership)
            .where(Membership.program_id == event.program_id, Membership.user_id.in_(ids))
            .options(joinedload(Membership.user), joinedload(Membership.program))
            .order_by(Membership.id)
        )
    )


def _tell(
    session: Session,
    settings: Settings,
    event: Event,
    member: Membership,
    kind: str,
    key: str,
    *,
    ics: bool = True,
    **context: object,
) -> bool:
    locale = mail_locale(session, member)
    attachment = None
    if ics:
        organizer = session.get(User, event.created_by_id) if event.created_by_id else None
        with use_locale(locale):
            attachment = events_calendar.invitation(settings, event, organizer, member.user).decode()
    path = events_calendar.event_path(event)
    entry = notify(
        session,
        user=member.user,
        kind=kind,
        key=key,
        program_id=event.program_id,
        link=path,
        locale=locale,
        attachments_ics=attachment,
        name=member.user.display_name,
        program_name=member.program.name,
        path=path,
        title=event.title,
        start=event.starts_at.isoformat(),
        **context,
    )
    return entry is not None


def invited(session: Session, settings: Settings, event: Event, user_ids: Iterable[int], by: str) -> int:
    """Invitations (METHOD:REQUEST) to people newly invited; returns how many were told."""
    return sum(
        _tell(session, settings, event, m, "event_invitation", f"event-invite:{event.id}:{m.user_id}", by=by)
        for m in _members(session, event, user_ids)
    )


def updated(session: Session, settings: Settings, event: Event, user_ids: Iterable[int], by: str) -> int:
    """The changed event (a higher SEQUENCE) to everyone who has it in their calendar."""
    return sum(
        _tell(
            session, settings, event, m, "event_updated", f"event-update:{event.id}:{event.sequence}:{m.user_id}", by=by
        )
        for m in _members(session, event, user_ids)
    )


def cancelled(session: Session, settings: Settings, event: Event, user_ids: Iterable[int], by: str) -> int:
    """METHOD:CANCEL to everyone invited or who said yes or maybe."""
    return sum(
        _tell(session, settings, event, m, "event_cancelled", f"event-cancel:{event.id}:{m.user_id}", by=by)
        for m in _members(session, event, user_ids)
    )


def seat_freed(session: Session, settings: Settings, event: Event, user_id: int, waited_since: datetime) -> bool:
    """The first waiting person got a seat: told once for this time on the waiting list."""
    members = _members(session, event, [user_id])
    if not members:
        return False
    stamp = f"{waited_since.timestamp():.6f}"
    return _tell(
        session, settings, event, members[0], "event_seat_freed", f"event-seat:{event.id}:{user_id}:{stamp}", ics=False
    )
