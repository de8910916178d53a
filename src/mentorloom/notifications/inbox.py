"""The in-app list: a person's notifications newest first, the unread count, marking them read.

An entry's text is rendered when it is shown, in the reader's language, from a short template per kind
(templates/notifications/kinds/<kind>.txt, given the entry's context); a kind without one shows its label.
"""

from __future__ import annotations

from typing import Any

from jinja2 import TemplateNotFound
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User, relabelled
from mentorloom.db import utcnow
from mentorloom.errors import NotFound
from mentorloom.i18n import gettext as _
from mentorloom.jobs.service import rowcount
from mentorloom.notifications.kinds import get_kind
from mentorloom.notifications.models import Notification
from mentorloom.pagination import PageSlice, paginate
from mentorloom.permissions import visible_notifications
from mentorloom.templating import mail_environment


def notifications_page(
    session: Session, user: User, page: int, per_page: int, *, clamp: bool = False
) -> PageSlice[Any]:
    """One page of the person's notifications, newest first."""
    return paginate(
        session,
        visible_notifications(user),
        page,
        per_page,
        order_by=[Notification.created_at.desc(), Notification.id.desc()],
        clamp=clamp,
    )


def unread_count(session: Session, user_id: int) -> int:
    """How many of the person's notifications are unread (one count on the (user_id, read_at) index)."""
    unread = (Notification.user_id == user_id) & Notification.read_at.is_(None)
    return session.scalar(select(func.count()).select_from(Notification).where(unread)) or 0


def notification_for(session: Session, user: User, notification_id: int) -> Notification:
    """The person's own notification; anyone else's is not found."""
    entry = session.scalar(visible_notifications(user).where(Notification.id == notification_id))
    if entry is None:
        raise NotFound(_("Notification not found."))
    return entry


def mark_read(session: Session, user: User, notification_id: int) -> Notification:
    """Mark one notification read (again is fine: the first time counts)."""
    entry = notification_for(session, user, notification_id)
    if entry.read_at is None:
        entry.read_at = utcnow()
        session.flush()
    return entry


def mark_all_read(session: Session, user: User) -> int:
    """Mark every unread notification of the person read; returns how many were unread."""
    done = session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return rowcount(done)


def entry_title(entry: Notification) -> str:
    """The entry's one-line text in the current language."""
    context = {**{key: relabelled(value) for key, value in entry.context.items()}, "link": entry.link}
    try:
        template = mail_environment().get_template(f"notifications/kinds/{entry.kind}.txt")
    except TemplateNotFound:
        return _kind_label(entry.kind)
    return " ".join(template.render(**context).split())


def _kind_label(name: str) -> str:
    try:
        return get_kind(name).title
    except LookupError:  # a kind since removed from the product still shows its entries, under its name
        return name
