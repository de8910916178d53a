"""Meeting reminders through a real `mentorloom worker` process, killed with SIGKILL while it mails and started
again: every reminder reaches the SMTP server exactly once. SQLite with the SQLite queue, PostgreSQL with Redis.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from mentorloom import migrate
from mentorloom.config import Settings
from mentorloom.db import Database, utcnow
from mentorloom.jobs import JobQueue, schedule
from mentorloom.jobs.models import Job, JobState
from mentorloom.meetings.models import Meeting
from mentorloom.mentorships.models import MeetingFormat
from mentorloom.notifications.delivery import mail_lease
from mentorloom.notifications.models import MailState, OutboxMail
from tests.conftest import require_or_skip
from tests.factories import make_program
from tests.jobs.test_worker_process import Smtp, _redis_available
from tests.jobs.worker_harness import kill_hard, start_worker, stop, wait_for, worker_settings
from tests.mentorships.helpers import make_pair
from tests.notifications.test_mail import Collector

pytestmark = pytest.mark.slow
PAIRS = 20


class SlowCollector(Collector):
    """Takes its time before accepting each recipient, so a worker can be killed while it waits; `waiting`
    says that a client is in that pause right now (before any DATA: the server has not got the mail)."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.waiting = threading.Event()
        self.recipients: list[str] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        self.waiting.set()
        await asyncio.sleep(self.delay)
        self.waiting.clear()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.recipients += list(envelope.rcpt_tos)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture()
def smtp() -> Iterator[Smtp]:
    server = Smtp()
    server.start(SlowCollector(delay=0.25))
    yield server
    server.stop()


@pytest.fixture()
def setup(fresh_database_url: str, tmp_path: Path, smtp: Smtp) -> Iterator[tuple[Settings, Database, JobQueue]]:
    """SQLite database with the SQLite queue; PostgreSQL with Redis, as in tests/jobs/test_worker_process.py."""
    redis_url = None
    if fresh_database_url.startswith("postgresql"):
        require_or_skip(_redis_available(), "Redis at 127.0.0.1:6379")
        redis_url = "redis://127.0.0.1:6379/0"
    settings = worker_settings(tmp_path, fresh_database_url, redis_url, smtp.port, job_lease_seconds=2, smtp_timeout=2)
    migrate.upgrade(settings.sqlalchemy_url)
    database = Database(settings.sqlalchemy_url)
    queue = JobQueue(settings, database, immediate=False)  # our commits wake the worker
    yield settings, database, queue
    if redis_url:
        queue.huey.storage.flush_all()
    database.dispose()


def _pairs_meeting_soon(database: Database) -> dict[str, int]:
    """PAIRS pairs, each with a meeting in a few hours; the e-mail address of each person -> their meeting."""
    people = {}
    with database.session() as session:
        program = make_program(session, name="Worker meetings")
        start = utcnow() + timedelta(hours=5)
        for n in range(PAIRS):
            pair = make_pair(session, program=program, coordinator_headers={})
            meeting = Meeting(
                mentorship_id=pair.mentorship.id,
                program_id=program.id,
                starts_at=start + timedelta(minutes=n),
                ends_at=start + timedelta(minutes=n + 60),
                timezone="Europe/Berlin",
                format=MeetingFormat.VIDEO,
                uid=f"worker-{n}@test",
            )
            session.add(meeting)
            session.flush()
            people[pair.mentor.user.email] = people[pair.mentee.user.email] = meeting.id
    return people


def _reminders(database: Database) -> dict[MailState, int]:
    with database.session() as session:
        rows = session.execute(
            select(OutboxMail.state, func.count())
            .where(OutboxMail.template == "meeting_reminder")
            .group_by(OutboxMail.state)
        ).all()
        return {state: n for state, n in rows}


def _run_reminders(database: Database) -> int:
    with database.session() as session:
        return schedule(session, "meetings.reminders").id


def _job_state(database: Database, job_id: int) -> JobState:
    with database.session() as session:
        return session.get_one(Job, job_id).state


def test_a_worker_killed_while_it_mails_reminders_sends_each_once(
    setup: tuple[Settings, Database, JobQueue], smtp: Smtp
) -> None:
    settings, database, _queue = setup
    collector = smtp.collector
    assert isinstance(collector, SlowCollector)
    log = settings.var_dir / "worker.log"
    people = _pairs_meeting_soon(database)
    expected = len(people)

    worker = start_worker(settings, log)
    try:
        job_id = _run_reminders(database)
        wait_for(lambda: _job_state(database, job_id) is JobState.DONE, 60, "the reminders job", log)
        # a few reminders are out, and a worker thread waits on the server with the next one: kill it now
        wait_for(lambda: len(collector.messages) >= 4 and collector.waiting.is_set(), 60, "reminders going out", log)
        kill_hard(worker)
        states = _reminders(database)
        assert sum(states.values()) == expected  # every reminder was recorded before any was sent
        assert states.get(MailState.SENDING, 0) >= 1 and states.get(MailState.SENT, 0) < expected
        sent_before = len(collector.messages)

        # the lease of the mail being sent runs out; a new worker sweeps it up and sends the rest
        time.sleep(mail_lease(settings).total_seconds() + 0.5)
        worker = start_worker(settings, log)
        wait_for(lambda: _reminders(database) == {MailState.SENT: expected}, 120, "every reminder sent", log)
        assert len(collector.messages) > sent_before

        # the periodic job runs again (as every ten minutes): nothing new for the same meetings
        again = _run_reminders(database)
        wait_for(lambda: _job_state(database, again) is JobState.DONE, 60, "the second reminders job", log)
        assert sum(_reminders(database).values()) == expected
    finally:
        stop(worker)

    ids = [str(message_from_bytes(m)["Message-ID"]) for m in collector.messages]
    assert len(ids) == expected and len(set(ids)) == expected  # each reminder once, none twice
    assert Counter(collector.recipients) == Counter({email: 1 for email in people})
    subjects = {str(message_from_bytes(m)["Subject"]) for m in collector.messages}
    assert all(s.startswith("Reminder") for s in subjects), subjects
