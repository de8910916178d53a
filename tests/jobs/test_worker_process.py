"""The standalone `mentorloom worker`, run as the README's production setup runs it, on both queues.

Every job kind goes through a real worker process (import, embeddings, matching run, every mail), and a
worker killed with SIGKILL mid-import, mid-run and mid-mail leaves nothing stranded and nothing doubled.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from mentorloom import migrate
from mentorloom.accounts.mails import queue_password_reset
from mentorloom.config import Settings
from mentorloom.db import Database
from mentorloom.jobs import JobQueue, schedule
from mentorloom.jobs.models import Job, JobState
from mentorloom.matching import mentor_requests
from mentorloom.matching import service as matching
from mentorloom.matching.models import MatchRun, Proposal, ProposalStatus, Response, RunStatus
from mentorloom.notifications.delivery import mail_lease
from mentorloom.notifications.models import MailState, OutboxMail
from mentorloom.profiles.import_jobs import import_upload
from mentorloom.profiles.models import ImportJob, ImportStatus, Profile, Tag
from mentorloom.profiles.tags import stale_tag_ids
from mentorloom.programs.models import Membership, Program, Role
from mentorloom.programs.schemas import ProgramIn
from mentorloom.programs.service import create_program, invite
from tests.conftest import require_or_skip
from tests.factories import make_user, set_password
from tests.jobs.worker_harness import kill_hard, participants_csv, start_worker, stop, wait_for, worker_settings
from tests.notifications.test_mail import Collector, free_port

pytestmark = pytest.mark.slow


def _redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url("redis://127.0.0.1:6379/0").ping())
    except redis.RedisError:
        return False


class Smtp:
    def __init__(self) -> None:
        self.port = free_port()
        self.collector = Collector()
        self.controller: Controller | None = None

    def start(self, collector: Collector | None = None) -> None:
        self.collector = collector or self.collector
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def message_ids(self) -> list[str]:
        return [str(message_from_bytes(m)["Message-ID"]) for m in self.collector.messages]


class StallingCollector(Collector):
    """Takes the message and never answers in time: the worker is killed while it waits."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        await asyncio.sleep(60)
        return "250 OK"


@pytest.fixture()
def smtp() -> Iterator[Smtp]:
    server = Smtp()
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def setup(fresh_database_url: str, tmp_path: Path, smtp: Smtp) -> Iterator[tuple[Settings, Database, JobQueue]]:
    """SQLite database with the SQLite queue; PostgreSQL with Redis (the scaled-out production setup)."""
    redis_url = None
    if fresh_database_url.startswith("postgresql"):
        require_or_skip(_redis_available(), "Redis at 127.0.0.1:6379")
        redis_url = "redis://127.0.0.1:6379/0"
    settings = worker_settings(tmp_path, fresh_database_url, redis_url, smtp.port, job_lease_seconds=2, smtp_timeout=2)
    migrate.upgrade(settings.sqlalchemy_url)
    database = Database(settings.sqlalchemy_url)
    queue = JobQueue(settings, database, immediate=False)  # wakes the worker when our transactions commit
    yield settings, database, queue
    if redis_url:
        queue.huey.storage.flush_all()
    database.dispose()


def _program(database: Database, csv: bytes) -> tuple[int, int]:
    """A program with a coordinator; the participant file is imported in the background. (program, import)"""
    with database.session() as session:
        coordinator = make_user(session, email="coord@example.org", name="Coordinator")
        set_password(session, coordinator)
        program = create_program(session, ProgramIn(name="Worker test"), coordinator=coordinator)
        outcome = import_upload(session, program.id, coordinator, "people.csv", csv, background=True)
        assert outcome.job is not None
        return program.id, outcome.job.id


def _import_status(database: Database, import_id: int) -> ImportStatus:
    with database.session() as session:
        return session.get_one(ImportJob, import_id).status


def _members(database: Database, program_id: int) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(Membership).where(Membership.program_id == program_id))


def _all_embedded(database: Database, program_id: int, total: int) -> bool:
    with database.session() as session:
        done = session.scalar(
            select(func.count())
            .select_from(Profile)
            .join(Membership)
            .where(Membership.program_id == program_id, Profile.embedding_model == "hashed-tfidf-512")
        )
        return done == total


def _tags_embedded(database: Database) -> bool:
    with database.session() as session:
        return bool(session.scalar(select(func.count()).select_from(Tag))) and not stale_tag_ids(
            session, "hashed-tfidf-512"
        )


def _membership(session: Any, program_id: int, email_prefix: str) -> Membership:
    from mentorloom.accounts.models import User

    return session.scalars(
        select(Membership).join(User).where(Membership.program_id == program_id, User.email.startswith(email_prefix))
    ).one()


def _start_run(database: Database, program_id: int) -> int:
    """A run computed by the worker, whatever the program's size."""
    with database.session() as session:
        program = session.get_one(Program, program_id)
        coordinator = _membership(session, program_id, "coord@").user
        run = matching.start_run(session, program, coordinator)
        schedule(session, "matching.run", run_id=run.id)
        return run.id


def _run_status(database: Database, run_id: int) -> RunStatus:
    with database.session() as session:
        return session.get_one(MatchRun, run_id).status


def _mail_states(database: Database) -> dict[MailState, int]:
    with database.session() as session:
        rows = session.execute(select(OutboxMail.state, func.count()).group_by(OutboxMail.state)).all()
        return {state: n for state, n in rows}


def test_a_worker_process_runs_every_job_kind(setup: tuple[Settings, Database, JobQueue], smtp: Smtp) -> None:
    settings, database, _queue = setup
    log = settings.var_dir / "worker.log"
    worker = start_worker(settings, log)
    try:
        program_id, import_id = _program(database, participants_csv(mentees=10, mentors=6))
        wait_for(lambda: _import_status(database, import_id) is ImportStatus.DONE, 60, "the import", log)
        wait_for(lambda: _all_embedded(database, program_id, 16), 60, "the embeddings", log)
        wait_for(lambda: _tags_embedded(database), 60, "the tag embeddings", log)

        with database.session() as session:  # a request and its answer: two mails
            program = session.get_one(Program, program_id)
            mentee, mentor = _membership(session, program_id, "mentee0@"), _membership(session, program_id, "mentor0@")
            request = mentor_requests.send_request(session, program, mentee, mentor.id, "Hello!")
        with database.session() as session:
            request = mentor_requests.request_for(session, program_id, request.id)
            mentor_requests.answer_request(session, request, _membership(session, program_id, "mentor0@"), True)

        run_id = _start_run(database, program_id)
        wait_for(lambda: _run_status(database, run_id) is RunStatus.READY, 60, "the matching run", log)
        with database.session() as session:  # offers to both sides, then one pair accepts
            offers = matching.publish(session, session.get_one(MatchRun, run_id))
            first = offers[0]
            matching.answer_offer(session, first, first.mentee.user, Response.ACCEPTED)
            matching.answer_offer(session, first, first.mentor.user, Response.ACCEPTED)
            invite(session, session.get_one(Program, program_id), email="new@example.org", name="New", role=Role.MENTOR)
            queue_password_reset(session, _membership(session, program_id, "coord@").user)
            expected = session.scalar(select(func.count()).select_from(OutboxMail))
        # request + answer, two per offer, "partner accepted" + "started" to both, an invitation, a reset
        assert expected == 2 + 2 * len(offers) + 3 + 1 + 1
        wait_for(lambda: _mail_states(database) == {MailState.SENT: expected}, 60, "every mail sent", log)
        ids = smtp.message_ids()
        assert len(ids) == expected and len(set(ids)) == expected  # each mail once
        templates = {str(message_from_bytes(m)["Subject"]) for m in smtp.collector.messages}
        assert len(templates) >= 5
        with database.session() as session:
            states = session.execute(select(Job.kind, Job.state)).all()
        assert {kind for kind, _ in states} >= {
            "profiles.import_csv",
            "profiles.embed",
            "profiles.embed_tags",
            "matching.run",
        }
        assert {state for _, state in states} == {JobState.DONE}
        assert "One or more mappers failed" not in log.read_text(errors="replace")
    finally:
        stop(worker)


def test_a_killed_worker_strands_nothing(setup: tuple[Settings, Database, JobQueue], smtp: Smtp) -> None:
    """SIGKILL mid-import, mid-run and mid-mail: a new worker finishes each, nothing is doubled."""
    settings, database, _queue = setup
    log = settings.var_dir / "worker.log"

    # 1. Mid-import: the import is one transaction, so the retry starts clean.
    worker = start_worker(settings, log)
    program_id, import_id = _program(database, participants_csv(mentees=1500, mentors=600))
    wait_for(lambda: _import_status(database, import_id) is ImportStatus.RUNNING, 60, "the import to start", log)
    kill_hard(worker)
    assert _import_status(database, import_id) is ImportStatus.RUNNING  # stranded, until a worker comes back
    worker = start_worker(settings, log)
    try:
        wait_for(lambda: _import_status(database, import_id) is ImportStatus.DONE, 120, "the import after a kill", log)
        assert _members(database, program_id) == 1 + 2100  # the coordinator and every row, once
        wait_for(lambda: _all_embedded(database, program_id, 2100), 120, "the embeddings", log)

        # 2. Mid-run: the proposals are written in one transaction; the retry computes them once.
        run_id = _start_run(database, program_id)
        wait_for(lambda: _run_status(database, run_id) is RunStatus.RUNNING, 60, "the run to start", log)
        kill_hard(worker)
        worker = start_worker(settings, log)
        wait_for(lambda: _run_status(database, run_id) is RunStatus.READY, 120, "the run after a kill", log)
        with database.session() as session:
            proposals = session.scalar(select(func.count()).select_from(Proposal).where(Proposal.run_id == run_id))
            assert proposals == 1500
            kept = session.scalar(
                select(func.count()).select_from(Proposal).where(Proposal.status == ProposalStatus.DRAFT)
            )
            assert kept and kept <= 1200

        # 3. Mid-mail: the server takes the message and stalls; the worker dies waiting for the answer.
        stop(worker)
        smtp.stop()
        smtp.start(StallingCollector())
        worker = start_worker(settings, log)
        with database.session() as session:
            invite(session, session.get_one(Program, program_id), email="late@example.org", name="L", role=Role.MENTOR)
        wait_for(lambda: len(smtp.collector.messages) == 1, 30, "the mail to reach the stalling server", log)
        kill_hard(worker)
        assert _mail_states(database).get(MailState.SENDING) == 1
        smtp.stop()
        stalled = smtp.message_ids()
        smtp.start(Collector())
        # A real lease on a real clock: the new worker's start-up sweep may only take the mail once it expired.
        time.sleep(mail_lease(settings).total_seconds() + 0.5)
        worker = start_worker(settings, log)
        wait_for(lambda: _mail_states(database).get(MailState.SENT) == 1, 60, "the mail after a kill", log)
        # One retry after the lease, with the same Message-ID, so the receiver can drop the duplicate.
        assert smtp.message_ids() == stalled
    finally:
        stop(worker)
