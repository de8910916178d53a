"""Per-kind mail preferences: immediately, in the daily digest, or not at all (the in-app entry stays)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.errors import ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.notifications.kinds import Kind, all_kinds, get_kind
from mentorloom.notifications.models import DeliveryMode, NotificationPreference


@dataclass(frozen=True)
class Preference:
    kind: Kind
    mode: DeliveryMode


def mode_for(session: Session, user_id: int, kind: Kind) -> DeliveryMode:
    """How this person wants this kind mailed: their choice, else the kind's default; security kinds at once."""
    if kind.security:
        return DeliveryMode.IMMEDIATELY
    chosen = session.get(NotificationPreference, (user_id, kind.name))
    return chosen.mode if chosen is not None else kind.default


def preferences_for(session: Session, user: User) -> list[Preference]:
    """Every kind with this person's mode for it (one query for all their choices)."""
    rows = session.execute(
        select(NotificationPreference.kind, NotificationPreference.mode).where(
            NotificationPreference.user_id == user.id
        )
    )
    chosen: dict[str, DeliveryMode] = {kind: mode for kind, mode in rows}
    return [
        Preference(kind, DeliveryMode.IMMEDIATELY if kind.security else chosen.get(kind.name, kind.default))
        for kind in all_kinds()
    ]


def set_preferences(session: Session, user: User, wanted: Mapping[str, str]) -> list[Preference]:
    """Set several kinds at once; any unknown kind or mode, or a security kind turned down, writes nothing."""
    known = {kind.name: kind for kind in all_kinds()}
    errors: list[dict[str, object]] = []
    parsed: dict[str, DeliveryMode] = {}
    for name, raw in wanted.items():
        kind = known.get(name)
        mode = _mode(raw)
        if kind is None:
            errors.append({"field": name, "message": _("Unknown kind of notification: %(value)s.", value=name)})
        elif mode is None:
            errors.append({"field": name, "message": _("Choose immediately, daily or off.")})
        elif kind.security and mode is not DeliveryMode.IMMEDIATELY:
            errors.append({"field": name, "message": _("Security e-mails are always sent at once.")})
        else:
            parsed[name] = mode
    if errors:
        raise ValidationFailed(str(errors[0]["message"]), errors=errors)
    for name, mode in parsed.items():
        set_mode(session, user, name, mode)
    return preferences_for(session, user)


def set_mode(session: Session, user: User, kind_name: str, mode: DeliveryMode) -> None:
    """Store one choice (a security kind keeps its fixed mode and stores nothing)."""
    if get_kind(kind_name).security:
        return
    chosen = session.get(NotificationPreference, (user.id, kind_name))
    if chosen is not None:
        chosen.mode = mode
        session.flush()
        return
    try:
        # a mail provider may send the one-click POST twice at once: the loser updates the winner's row
        with session.begin_nested():
            session.add(NotificationPreference(user_id=user.id, kind=kind_name, mode=mode))
    except IntegrityError:
        session.execute(
            update(NotificationPreference)
            .where(NotificationPreference.user_id == user.id, NotificationPreference.kind == kind_name)
            .values(mode=mode)
        )


def _mode(raw: str) -> DeliveryMode | None:
    try:
        return DeliveryMode(raw)
    except ValueError:
        return None
