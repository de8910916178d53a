"""Double submits on PostgreSQL with real concurrent connections: two invitations of the same people at the same
moment (a double click on the invite form, or two coordinators) both succeed, and each person is invited and
mailed once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.config import Settings
from mentorloom.db import Database, utcnow
from mentorloom.engagement import events
from mentorloom.engagement.models import Event, EventInvitation
from mentorloom.engagement.schemas.events import EventIn, InviteIn
from mentorloom.notifications.models import Notification
from mentorloom.programs.models import Program, Role
from tests.factories import make_membership, make_program, make_user


def _setup(session: Session, settings: Settings, guests: int) -> tuple[Program, list[int], list[int], int]:
    program = make_program(session)
    coordinators = []
    for name in ("Cora Coordinator", "Cleo Coordinator"):
        user = make_user(session, name=name)
        make_membership(session, program=program, user=user, role=Role.COORDINATOR)
        coordinators.append(user)
    membership_ids = []
    for i in range(guests):
        user = make_user(session, name=f"Guest {i}")
        membership_ids.append(make_membership(session, program=program, user=user, role=Role.MENTEE).id)
    day = (utcnow() + timedelta(days=10)).date().isoformat()
    body = EventIn(title="Workshop", starts_at=f"{day}T10:00", ends_at=f"{day}T12:00", timezone="Europe/Berlin")
    event = events.create_event(session, settings, events.program_seat(session, coordinators[0], program.id), body)
    return program, [u.id for u in coordinators], membership_ids, event.id


@pytest.mark.parametrize("same_person", [True, False])
def test_concurrent_invitations_of_the_same_people_invite_each_once(
    pg_database: Database, settings: Settings, same_person: bool
) -> None:
    with pg_database.session() as session:
        program, coordinators, membership_ids, event_id = _setup(session, settings, 5)
    inviters = [coordinators[0]] * 4 if same_person else coordinators * 2
    barrier = threading.Barrier(len(inviters))
    outcomes: list[str] = []

    def run(user_id: int) -> None:
        try:
            with pg_database.session() as session:
                user = session.get_one(User, user_id)
                access = events.event_access(session, user, program.id, event_id)
                barrier.wait(timeout=30)
                events.invite(session, settings, access, InviteIn(membership_ids=membership_ids))
            outcomes.append("ok")
        except Exception as exc:
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=run, args=(u,)) for u in inviters]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes == ["ok"] * len(inviters)
    with pg_database.session() as session:
        invited = session.scalars(select(EventInvitation.user_id).where(EventInvitation.event_id == event_id)).all()
        assert len(invited) == len(set(invited)) == len(membership_ids)
        told = Counter(
            n.user_id
            for n in session.scalars(select(Notification).where(Notification.kind == "event_invitation"))
            if n.link.endswith(f"/events/{event_id}")
        )
        assert sorted(told.values()) == [1] * len(membership_ids)
        assert session.get_one(Event, event_id).cancelled_at is None
