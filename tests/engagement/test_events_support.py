"""Shared pieces of the events tests: a program with a coordinator and two pairs, event bodies, the mails sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import icalendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.notifications.models import Notification, OutboxMail
from mentorloom.programs.models import Membership, Program
from tests.mentorships.helpers import Pair, make_pair


@dataclass
class Program2:
    """A program with a coordinator and two pairs (Marta 1 / Moritz 1, Marta 2 / Moritz 2)."""

    first: Pair
    second: Pair

    @property
    def program(self) -> Program:
        return self.first.program

    @property
    def coord_h(self) -> dict[str, str]:
        return self.first.coord_h

    @property
    def events(self) -> str:
        return f"/api/v1/programs/{self.program.id}/events"


def two_pairs(session: Session) -> Program2:
    first = make_pair(session)
    second = make_pair(session, program=first.program, coordinator_headers=first.coord_h)
    return Program2(first, second)


def event_body(days: int = 7, **changes: Any) -> dict[str, Any]:
    """A two-hour evening event `days` from now in Berlin."""
    day = (utcnow() + timedelta(days=days)).date().isoformat()
    body: dict[str, Any] = {
        "title": "Summer meetup",
        "description": "Bring a friend.\nSnacks provided.",
        "starts_at": f"{day}T18:00",
        "ends_at": f"{day}T20:00",
        "timezone": "Europe/Berlin",
        "location": "Town hall",
        "online_url": "",
        "capacity": None,
        "audience": "invited",
    }
    return body | changes


def notices(session: Session, kind: str, user_id: int | None = None) -> list[Notification]:
    query = select(Notification).where(Notification.kind == kind)
    if user_id is not None:
        query = query.where(Notification.user_id == user_id)
    return list(session.scalars(query.order_by(Notification.id)))


def mail_ics(session: Session, notice: Notification) -> icalendar.Calendar:
    mail = session.scalar(select(OutboxMail).where(OutboxMail.key == notice.key))
    assert mail is not None and mail.context.get("_ics"), notice.key
    return icalendar.Calendar.from_ical(mail.context["_ics"])


def member_user(membership: Membership) -> int:
    return membership.user_id
