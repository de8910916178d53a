"""Tags by meaning through the product path: new tags are embedded once by a job, a run compares them by meaning."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom import migrate
from mentorloom.config import Settings
from mentorloom.db import Database
from mentorloom.jobs import JobContext
from mentorloom.jobs.models import Job, JobState
from mentorloom.jobs.runner import run_job
from mentorloom.matching.engine import Scorer, explain_pairs, pair_breakdown
from mentorloom.matching.inputs import build_inputs
from mentorloom.profiles.models import Tag
from mentorloom.profiles.tags import TAG_EMBED_JOB, stale_tag_ids
from mentorloom.programs.models import Program, Role
from tests.factories import make_program
from tests.matching.helpers import participant


def _people(session: Session) -> int:
    program = make_program(session)
    participant(
        session,
        program,
        Role.MENTEE,
        "Mia",
        values=["helping"],
        wanted_skills=[{"skill": "Verhandlungsführung", "priority": 1}],
        interests=["Klettern"],
    )
    # the right partner writes in English; the other one repeats no word but has an unrelated skill
    participant(
        session,
        program,
        Role.MENTOR,
        "Nora",
        values=["helping"],
        expertise=[{"skill": "negotiation", "level": 4}],
        interests=["climbing"],
    )
    participant(
        session, program, Role.MENTOR, "Otto", values=["helping"], expertise=[{"skill": "Buchhaltung", "level": 5}]
    )
    return program.id


@pytest.fixture
def database(fresh_database_url: str) -> Iterator[Database]:
    """A committed database on both backends: the job runs in its own sessions, as a worker would."""
    migrate.upgrade(fresh_database_url)
    database = Database(fresh_database_url)
    yield database
    database.dispose()


def test_new_tags_are_embedded_by_one_job_and_matched_by_meaning(database: Database, settings: Settings) -> None:
    with database.session() as session:
        program_id = _people(session)
        waiting = session.scalars(select(Job).where(Job.kind == TAG_EMBED_JOB, Job.state == JobState.QUEUED)).all()
        assert len(waiting) == 1  # several saves created tags; one waiting job embeds them all
        job_id = waiting[0].id
    multilingual = settings.model_copy(update={"text_encoder": "use"})  # the instance default; tests use tfidf
    assert run_job(JobContext(multilingual, database), job_id) == "done"
    with database.session() as session:
        assert stale_tag_ids(session, "use-multilingual-3") == []
        assert session.scalar(select(func.count()).select_from(Tag).where(Tag.embedding.is_(None))) == 0
        inputs = build_inputs(session, session.get_one(Program, program_id))
    scores = Scorer(inputs.mentees, inputs.mentors, inputs.weights, inputs.rules).score_rows(np.array([0]))[0]
    assert inputs.mentors.n == 2
    nora, otto = 0, 1  # mentors in membership order
    assert scores[nora] > scores[otto]
    b = pair_breakdown(inputs.mentees, inputs.mentors, np.array([0]), np.array([nora]), inputs.weights, inputs.rules)
    facts = explain_pairs(b, inputs.mentees, inputs.mentors, inputs.labels)[0]["facts"]
    assert {
        "kind": "expertise",
        "skill": "Verhandlungsführung ≈ negotiation",
        "level": 4,
        "mentee_priority": 1,
    } in facts
    interests = next(f for f in facts if f["kind"] == "shared_interests")
    assert interests["interests"] == ["Klettern ≈ climbing"]


def test_without_tag_embeddings_tags_still_match_exactly(database: Database) -> None:
    """Before the job has run, matching works and compares tags exactly."""
    with database.session() as session:
        program_id = _people(session)
        inputs = build_inputs(session, session.get_one(Program, program_id))
    credit = inputs.mentors.skill_credit
    assert credit is not None and credit.nnz == credit.shape[0]  # the diagonal only
