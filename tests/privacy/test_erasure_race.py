"""Erasures at the same moment, on real concurrent connections of both databases.

Two administrators erasing each other used to both count the other as the administrator left, and the instance
ended with none. Two administrators erasing the same person at once erase once: one audit event, one set of notices.
"""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from mentorloom.accounts.models import User
from mentorloom.audit.models import AuditAction, AuditEvent
from mentorloom.db import Database
from mentorloom.errors import Conflict
from mentorloom.notifications.models import Notification
from mentorloom.privacy.erasure import erase_person
from tests.factories import make_user
from tests.privacy.helpers import build_world
from tests.races import at_once


def _erase(database: Database, target_id: int, by_id: int, barrier: threading.Barrier) -> str:
    try:
        with database.session() as session:
            target, by = session.get_one(User, target_id), session.get_one(User, by_id)
            barrier.wait(timeout=30)
            done = erase_person(session, target, by=by)
    except Conflict:
        return "refused"
    return "already" if done.already else "erased"


def _active_admins(session_db: Database) -> int:
    with session_db.session() as session:
        return int(session.scalar(select(func.count()).where(User.is_admin, User.is_active)) or 0)


def test_two_last_admins_erasing_each_other_leave_one(racing_database: Database) -> None:
    with racing_database.session() as session:
        ids = [make_user(session, name=f"Admin {i}", is_admin=True).id for i in range(2)]
    outcomes = at_once(2, lambda i, barrier: _erase(racing_database, ids[i], ids[1 - i], barrier))
    assert sorted(outcomes) == ["erased", "refused"]
    assert _active_admins(racing_database) == 1


def test_the_same_person_erased_by_several_admins_at_once_is_erased_once(racing_database: Database) -> None:
    runners = 4
    with racing_database.session() as session:
        world = build_world(session)
        admins = [make_user(session, name=f"Admin {i}", is_admin=True).id for i in range(runners)]
        mentee_id, mentor_id = world.mentee.id, world.mentor.id
    outcomes = at_once(runners, lambda i, barrier: _erase(racing_database, mentee_id, admins[i], barrier))
    assert sorted(outcomes) == ["already"] * (runners - 1) + ["erased"]
    with racing_database.session() as session:
        erasures = select(func.count()).where(
            AuditEvent.action == AuditAction.PERSON_ERASED, AuditEvent.target_id == mentee_id
        )
        assert session.scalar(erasures) == 1
        told = select(func.count()).where(Notification.user_id == mentor_id, Notification.kind == "partner_erased")
        assert session.scalar(told) == 1
