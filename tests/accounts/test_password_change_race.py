"""Changing one's own password: the change is audited, and the current password is checked under the account's
lock, so several changes sent at once with the same current password do not all pass (only the first does;
the others find that password is no longer the current one). The same holds for one reset link sent twice."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from mentorloom.accounts.models import User
from mentorloom.accounts.security import LinkSigner, verify_password
from mentorloom.accounts.service import PASSWORD_RESET, change_password, make_link_token, reset_password
from mentorloom.audit.models import AuditAction, AuditEvent
from mentorloom.db import Database
from mentorloom.errors import NotFound, ValidationFailed
from tests.factories import make_user, set_password
from tests.races import at_once


def _change(database: Database, user_id: int, index: int, barrier: threading.Barrier) -> str:
    try:
        with database.session() as session:
            user = session.get_one(User, user_id)
            barrier.wait(timeout=30)
            change_password(session, user, "correct horse battery", f"a new sentence number {index}")
    except ValidationFailed as exc:
        return f"refused:{exc.errors[0]['field']}"
    return f"changed:{index}"


def test_changes_sent_at_once_with_the_same_current_password_pass_once(racing_database: Database) -> None:
    runners = 4
    with racing_database.session() as session:
        user = make_user(session, email="racer@example.org", name="Racer")
        set_password(session, user)
        user_id = user.id
    outcomes = at_once(runners, lambda i, barrier: _change(racing_database, user_id, i, barrier))
    changed = [o for o in outcomes if o.startswith("changed:")]
    assert len(changed) == 1 and sorted(outcomes).count("refused:current_password") == runners - 1, outcomes
    winner = int(changed[0].split(":")[1])
    with racing_database.session() as session:
        stored = session.get_one(User, user_id).password_hash
        assert verify_password(stored, f"a new sentence number {winner}")  # the password the winner was told of
        audited = select(func.count()).where(
            AuditEvent.action == AuditAction.PASSWORD_CHANGED, AuditEvent.target_id == user_id
        )
        assert session.scalar(audited) == 1
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.PASSWORD_CHANGED)).one()
        assert event.actor_user_id == user_id


def test_one_reset_link_used_at_once_sets_one_password(racing_database: Database) -> None:
    runners = 4
    signer = LinkSigner("a test signing key that is long enough")
    with racing_database.session() as session:
        user = make_user(session, email="resetter@example.org", name="Resetter")
        set_password(session, user)
        user_id, token = user.id, make_link_token(signer, PASSWORD_RESET, user)

    def use(index: int, barrier: threading.Barrier) -> str:
        try:
            with racing_database.session() as session:
                barrier.wait(timeout=30)
                reset_password(session, signer, token, f"a reset sentence number {index}", 3600)
        except NotFound:
            return "used"
        return f"reset:{index}"

    outcomes = at_once(runners, use)
    done = [o for o in outcomes if o.startswith("reset:")]
    assert len(done) == 1 and outcomes.count("used") == runners - 1, outcomes
    with racing_database.session() as session:
        stored = session.get_one(User, user_id).password_hash
        assert verify_password(stored, f"a reset sentence number {done[0].split(':')[1]}")
        resets = select(func.count()).where(AuditEvent.action == AuditAction.PASSWORD_RESET)
        assert session.scalar(resets) == 1
