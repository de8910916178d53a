"""A large program's run goes through the job queue; failures are recorded on the run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom import migrate
from mentorloom.config import Settings
from mentorloom.db import Database
from mentorloom.jobs import JobContext
from mentorloom.matching import service, tasks
from mentorloom.matching.models import MatchRun
from mentorloom.programs.models import Role
from tests.factories import make_program, make_user
from tests.matching.helpers import coordinator, participant

pytestmark = pytest.mark.anyio


async def test_large_program_runs_in_the_background(
    client: httpx.AsyncClient, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "BACKGROUND_MENTEES", 1)  # the threshold, not the engine, is under test
    program = make_program(db_session)
    headers = coordinator(db_session, program)
    participant(db_session, program, Role.MENTOR, "Mentor A", capacity=2)
    for name in ("Mentee A", "Mentee B"):
        participant(db_session, program, Role.MENTEE, name)
    response = await client.post(f"/api/v1/programs/{program.id}/matching/runs", headers=headers, json={})
    assert response.status_code == 202 and response.json()["status"] == "queued"
    run = await client.get(f"/api/v1/programs/{program.id}/matching/runs/{response.json()['id']}", headers=headers)
    assert run.json()["status"] == "ready" and run.json()["stats"]["matched"] == 2  # immediate queue in tests


def test_run_progress_is_committed_while_the_run_is_computing(
    fresh_database_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each step is visible to another connection (the coordinator's page) before the run's transaction ends."""
    migrate.upgrade(fresh_database_url)
    database = Database(fresh_database_url)
    with database.session() as session:
        program = make_program(session)
        participant(session, program, Role.MENTOR, "Mentor A", capacity=3)
        for name in ("Mentee A", "Mentee B", "Mentee C"):
            participant(session, program, Role.MENTEE, name)
        user = make_user(session, name="Coordinator")
        run_id = service.start_run(session, program, user).id
    seen: list[int] = []
    real_recorder = tasks._progress_recorder

    def observed(ctx: JobContext, run: int) -> Callable[[int], None]:
        record = real_recorder(ctx, run)

        def record_and_read(pct: int) -> None:
            record(pct)
            with database.session() as reader:  # a separate connection, as a page request would use
                seen.append(reader.scalars(select(MatchRun.progress).where(MatchRun.id == run)).one())

        return record_and_read

    monkeypatch.setattr(tasks, "_progress_recorder", observed)
    try:
        assert tasks.run_matching(JobContext(settings, database), run_id=run_id) == "ready"
        with database.session() as session:
            final = session.get(MatchRun, run_id)
            assert final is not None and final.progress == 100
    finally:
        database.dispose()
    assert seen[0] == 15 and seen[-1] == 85 and seen == sorted(seen)


def test_progress_needs_the_run_committed_as_running_first(db_session: Session) -> None:
    """Reporting progress from a run whose own transaction already wrote would wait for its own lock."""
    program = make_program(db_session)
    run = service.start_run(db_session, program, make_user(db_session))
    with pytest.raises(ValueError, match="RUNNING"):
        service.compute_run(db_session, run, progress=lambda _pct: None)


def test_a_failed_progress_write_does_not_fail_the_run(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = Database(f"sqlite:///{tmp_path / 'missing-dir' / 'm.db'}")  # cannot be opened
    try:
        tasks._progress_recorder(JobContext(settings, unreachable), 1)(50)
    finally:
        unreachable.dispose()
    assert "could not record progress 50% of matching run 1" in caplog.text
