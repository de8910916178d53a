"""The daily digest: one mail per person and day, run twice or after a crash, never doubled, nothing lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.config import Settings
from mentorloom.jobs import JobContext
from mentorloom.notifications.models import DeliveryMode, Notification, OutboxMail
from mentorloom.notifications.preferences import set_mode
from mentorloom.notifications.service import compose, notify
from mentorloom.notifications.tasks import daily_digest
from tests.clock import Clock
from tests.conftest import SharedConnectionDatabase
from tests.factories import make_user

MORNING = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)


def _ctx(db_session: Session, settings: Settings, clock: Clock) -> JobContext:
    return JobContext(settings, SharedConnectionDatabase(db_session), clock=clock)  # type: ignore[arg-type]


def _daily_person(db_session: Session) -> User:
    user = make_user(db_session, name="Sophie Müller")
    set_mode(db_session, user, "agreement_waiting", DeliveryMode.DAILY)
    set_mode(db_session, user, "mentorship_paused", DeliveryMode.DAILY)
    return user


def _entry(db_session: Session, user: User, key: str, kind: str = "agreement_waiting", at: datetime = MORNING) -> None:
    context = {"partner_name": key, "program_name": "P", "version": 2, "mentorship_id": 3, "status": "paused"}
    entry = notify(db_session, user=user, kind=kind, key=key, link=f"/x/{key}", **context)
    assert entry is not None
    entry.created_at = at - timedelta(hours=3)
    db_session.flush()


def _digests(db_session: Session, user: User) -> list[OutboxMail]:
    return list(db_session.scalars(select(OutboxMail).where(OutboxMail.key.startswith(f"digest:{user.id}:"))))


def test_one_digest_a_day_even_when_the_job_runs_twice(db_session: Session, settings: Settings) -> None:
    user = _daily_person(db_session)
    _entry(db_session, user, "Ana")
    _entry(db_session, user, "Ben", kind="mentorship_paused")
    assert db_session.scalar(select(OutboxMail.id).where(OutboxMail.key.in_(("Ana", "Ben")))) is None
    ctx = _ctx(db_session, settings, Clock(MORNING))
    assert daily_digest(ctx) == 1
    assert daily_digest(ctx) == 0  # a worker killed after the commit and run again
    (digest,) = _digests(db_session, user)
    assert digest.key == f"digest:{user.id}:2027-03-01"
    message = compose(db_session, settings, digest)
    body = message.get_content()  # type: ignore[attr-defined]
    assert "Ana asks you to confirm version 2" in body and "http://testserver/x/Ana" in body
    assert "Your mentoring in P is paused" in body
    assert str(message["Subject"]) == "Your daily summary: 2 new notifications"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert db_session.scalars(select(Notification.digested_at).where(Notification.user_id == user.id)).all() == [
        MORNING,
        MORNING,
    ]


def test_a_run_that_dies_before_its_commit_leaves_everything_for_the_next(
    db_session: Session, settings: Settings
) -> None:
    user = _daily_person(db_session)
    _entry(db_session, user, "Ana")
    crashed = db_session.begin_nested()
    assert daily_digest(_ctx(db_session, settings, Clock(MORNING))) == 1
    crashed.rollback()  # the worker was killed: its transaction never committed
    db_session.expire_all()
    assert _digests(db_session, user) == []
    assert daily_digest(_ctx(db_session, settings, Clock(MORNING + timedelta(hours=1)))) == 1
    assert len(_digests(db_session, user)) == 1


def test_later_entries_wait_for_tomorrow_and_a_kind_turned_off_is_not_mailed(
    db_session: Session, settings: Settings
) -> None:
    user = _daily_person(db_session)
    _entry(db_session, user, "Ana")
    assert daily_digest(_ctx(db_session, settings, Clock(MORNING))) == 1
    _entry(db_session, user, "Ben", at=MORNING + timedelta(hours=5))
    assert daily_digest(_ctx(db_session, settings, Clock(MORNING + timedelta(hours=6)))) == 0
    ben = db_session.scalars(select(Notification).where(Notification.key == "Ben")).one()
    assert ben.digested_at is None  # not marked without a mail: it goes into tomorrow's
    assert daily_digest(_ctx(db_session, settings, Clock(MORNING + timedelta(days=1)))) == 1
    assert len(_digests(db_session, user)) == 2
    _entry(db_session, user, "Cem", at=MORNING + timedelta(days=2))
    set_mode(db_session, user, "agreement_waiting", DeliveryMode.OFF)
    assert daily_digest(_ctx(db_session, settings, Clock(MORNING + timedelta(days=2)))) == 0
    assert len(_digests(db_session, user)) == 2
    cem = db_session.scalars(select(Notification).where(Notification.key == "Cem")).one()
    assert cem.digested_at is not None and cem.read_at is None  # still in the app, just not mailed


def test_nothing_before_the_digest_hour(db_session: Session, settings: Settings) -> None:
    user = _daily_person(db_session)
    _entry(db_session, user, "Ana")
    assert daily_digest(_ctx(db_session, settings, Clock(MORNING.replace(hour=5)))) == 0
    assert _digests(db_session, user) == []
