"""A real `mentorloom worker` process runs queued jobs, on the SQLite queue and on Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mentorloom import migrate
from mentorloom.config import Settings
from mentorloom.db import Database
from mentorloom.jobs import JobQueue
from mentorloom.programs.models import Role
from mentorloom.programs.schemas import ProgramIn
from mentorloom.programs.service import create_program, invite
from tests.conftest import require_or_skip


def _redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url("redis://127.0.0.1:6379/0").ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["sqlite-queue", "redis-queue"])
def worker_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    redis_url = None
    if request.param == "redis-queue":
        require_or_skip(_redis_available(), "Redis at 127.0.0.1:6379")
        redis_url = "redis://127.0.0.1:6379/0"
    settings = Settings(
        var_dir=tmp_path, secret_key="k", redis_url=redis_url, queue_name=f"mentorloom-test-{uuid.uuid4().hex[:8]}"
    )
    migrate.upgrade(settings.sqlalchemy_url)
    yield settings


def _start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MENTORLOOM_VAR_DIR": str(settings.var_dir),
        "MENTORLOOM_SECRET_KEY": "k",
        "MENTORLOOM_QUEUE_NAME": settings.queue_name,
    }
    if settings.redis_url:
        env["MENTORLOOM_REDIS_URL"] = settings.redis_url
    return subprocess.Popen(
        [sys.executable, "-m", "mentorloom", "worker", "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_for(predicate, seconds: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_worker_sends_invitation_once(worker_settings: Settings) -> None:
    database = Database(worker_settings.sqlalchemy_url)
    queue = JobQueue(worker_settings, database, immediate=False)
    with database.session() as session:
        program = create_program(session, ProgramIn(name="Queue test"))
        membership = invite(session, program, email="q@example.org", name="Q", role=Role.MENTEE)
        # Queued twice with the same nonce (a retried request): the mail must go out once.
        queue.enqueue_after_commit(session, "accounts.send_invitation", membership_id=membership.id, nonce="n1")
        queue.enqueue_after_commit(session, "accounts.send_invitation", membership_id=membership.id, nonce="n1")
    worker = _start_worker(worker_settings)
    try:
        outbox = worker_settings.mail_outbox
        assert _wait_for(lambda: outbox.exists() and any(outbox.glob("*.eml"))), "worker sent no mail"
        assert _wait_for(lambda: len(queue.huey) == 0)
        time.sleep(0.5)
        assert len(list(outbox.glob("*.eml"))) == 1
    finally:
        worker.terminate()
        worker.wait(timeout=10)
        if worker_settings.redis_url:
            queue.huey.storage.flush_all()
        database.dispose()
