"""The daily digest: one mail a day per person, listing what they chose to hear about once a day.

Queuing the digest and marking its entries digested happen in one transaction, and the mail's key names the
person and the day: a worker killed halfway and run again queues each digest once. Entries that arrive after
the day's digest was queued stay for tomorrow's (the key is taken, so nothing is marked without a mail).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.config import Settings
from mentorloom.notifications.inbox import entry_title
from mentorloom.notifications.kinds import get_kind
from mentorloom.notifications.models import DeliveryMode, Notification
from mentorloom.notifications.preferences import mode_for
from mentorloom.notifications.service import MailObsolete, mail_context, queue_mail

DIGEST_TEMPLATE = "digest"
DIGEST_BATCH = 500  # people per run; the job runs again tomorrow and a backlog is rare


def queue_digests(session: Session, today: date, now: datetime) -> int:
    """Queue today's digest for everyone with undigested entries; returns how many digests were queued."""
    waiting = session.scalars(
        select(Notification)
        .where(Notification.digested_at.is_(None), Notification.created_at <= now)
        .order_by(Notification.user_id, Notification.created_at, Notification.id)
        .with_for_update(skip_locked=True)
    ).all()
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for entry in waiting:
        if len(by_user) < DIGEST_BATCH or entry.user_id in by_user:
            by_user[entry.user_id].append(entry)
    return sum(_queue_one(session, user_id, entries, today, now) for user_id, entries in by_user.items())


def _queue_one(session: Session, user_id: int, entries: list[Notification], today: date, now: datetime) -> int:
    user = session.get(User, user_id)
    assert user is not None  # entries go with their person (ON DELETE CASCADE)
    # A kind turned off since the entry was written is not mailed after all.
    wanted = [e for e in entries if mode_for(session, user_id, get_kind(e.kind)) is not DeliveryMode.OFF]
    mail = None
    if wanted:
        mail = queue_mail(
            session,
            key=f"digest:{user_id}:{today.isoformat()}",
            to=user.email,
            locale=user.locale or "",
            template=DIGEST_TEMPLATE,
            name=user.display_name,
            notification_ids=[e.id for e in wanted],
            _user_id=user_id,
            _unsubscribe=sorted({e.kind for e in wanted}),
        )
        if mail is None:
            return 0  # today's digest went out already: these wait for tomorrow's
    ids = [e.id for e in entries]
    session.execute(
        update(Notification)
        .where(Notification.id.in_(ids))
        .values(digested_at=now)
        .execution_options(synchronize_session=False)
    )
    return 1 if mail is not None else 0


@mail_context(DIGEST_TEMPLATE)
def _digest_entries(session: Session, settings: Settings, context: dict[str, Any]) -> dict[str, Any]:
    """The entries' texts in the reader's language, made when the mail goes out."""
    entries = session.scalars(
        select(Notification)
        .where(Notification.id.in_(context["notification_ids"]), Notification.user_id == context["_user_id"])
        .order_by(Notification.created_at, Notification.id)
    ).all()
    if not entries:
        raise MailObsolete("the digest's entries are gone")
    items = [{"title": entry_title(e), "url": f"{settings.base_url}{e.link}" if e.link else ""} for e in entries]
    return {**context, "items": items}
