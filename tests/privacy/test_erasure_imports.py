"""A failed participant import keeps its error list for the coordination; after an erasure it quotes no one."""

from __future__ import annotations

import itertools

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom import migrate
from mentorloom.accounts.models import User
from mentorloom.config import Settings
from mentorloom.db import Database
from mentorloom.jobs import JobContext
from mentorloom.jobs.models import Job
from mentorloom.jobs.runner import run_job
from mentorloom.privacy.erasure import erase_person
from mentorloom.profiles import import_jobs
from mentorloom.profiles.models import ImportJob, ImportStatus
from mentorloom.programs.models import Role
from tests.factories import make_membership, make_program, make_user
from tests.privacy.test_erasure import every_text

_seq = itertools.count(1)


def test_a_failed_imports_errors_lose_the_erased_persons_address(db_session: Session) -> None:
    """The messages quoted the address ("... is a coordinator of this program and cannot be imported as mentee",
    "The e-mail address ... also appears on line 3"): it outlived the erasure there."""
    n = next(_seq)
    program = make_program(db_session)
    address = f"clara.quellwasser.{n}@example.org"
    coordinator = make_user(db_session, email=address, name="Clara Quellwasser")
    make_membership(db_session, program=program, user=coordinator, role=Role.COORDINATOR)
    other = make_user(db_session, email=f"other.{n}@example.org", name="Otto Other")
    make_membership(db_session, program=program, user=other, role=Role.COORDINATOR)
    # the file spells the address in capitals: the import normalises it, the erasure must find it either way
    csv = f"email,name,role\n{address.upper()},Clara Q,mentee\nfresh.{n}@example.org,F,mentee\n{address},Clara,mentee\n"
    job = import_jobs.create_import_job(db_session, program.id, other, "people.csv", csv.encode())
    import_jobs.run_import_job(db_session, job)
    assert job.status is ImportStatus.FAILED and address in str(job.errors), job.errors

    erase_person(db_session, coordinator, by=make_user(db_session, is_admin=True))
    db_session.refresh(job)
    assert address not in every_text(db_session).lower()
    assert job.errors and all(address not in str(error["message"]).lower() for error in job.errors)
    assert any(coordinator.display_name in str(error["message"]) for error in job.errors), job.errors


def _queued_import(session: Session, program_id: int, by: User, csv: str) -> ImportJob:
    return import_jobs.create_import_job(session, program_id, by, "people.csv", csv.encode())


def test_a_waiting_import_naming_the_person_is_stopped_before_it_runs(db_session: Session) -> None:
    """Run after the erasure, the file would make the person again under the old address: the import fails at once,
    its file (with the person's row) is dropped, and the message names lines, not the person. Imports that do not
    name them, or name only a longer address ending in theirs, wait on as before."""
    n = next(_seq)
    program, elsewhere = make_program(db_session), make_program(db_session)
    address = f"dora.dachs.{n}@example.org"
    person = make_user(db_session, email=address, name="Dora Dachs")
    make_membership(db_session, program=program, user=person, role=Role.MENTEE)
    coordinator = make_user(db_session, email=f"coord.{n}@example.org")
    header = "email,name,role,line_manager_email\n"
    named = _queued_import(
        db_session,
        program.id,
        coordinator,
        f"{header}new.{n}@example.org,New,mentee,\n{address.upper()},Dora,mentee,\n",
    )
    # in another program, only as someone's line manager: run, it would write the address back into a profile
    manager = _queued_import(
        db_session,
        elsewhere.id,
        coordinator,
        f"{header}boss.{n}@example.org,Boss,mentor,\nx.{n}@example.org,X,mentee,{address}\n",
    )
    longer = _queued_import(db_session, program.id, coordinator, f"{header}adora.dachs.{n}@example.org.uk,A,mentee,\n")

    erase_person(db_session, person, by=make_user(db_session, is_admin=True))
    for job, lines in ((named, "line 3 "), (manager, "line 3 ")):
        db_session.refresh(job)
        assert job.status is ImportStatus.FAILED and job.data is None and job.finished_at is not None
        assert len(job.errors) == 1, job.errors
        message = job.errors[0]["message"]
        assert message.startswith(f"Nothing was imported: {lines}of the file names a person"), message
        assert address not in message.lower() and "Dora" not in message
    db_session.refresh(longer)
    assert longer.status is ImportStatus.QUEUED and longer.data is not None

    # a redelivered job finds the import stopped and imports nothing
    assert not import_jobs.start_import_job(db_session, named)
    import_jobs.run_import_job(db_session, named)
    assert db_session.scalar(select(User.id).where(User.email == address)) is None
    assert db_session.scalar(select(User.id).where(User.email == f"new.{n}@example.org")) is None


def test_the_worker_imports_nobody_from_a_stopped_import(fresh_database_url: str, settings: Settings) -> None:
    """Through the worker, on committed data: the erasure commits, the queued job then runs and creates no one."""
    migrate.upgrade(fresh_database_url)
    database = Database(fresh_database_url)
    address = "emil.erle@example.org"
    try:
        with database.session() as session:
            program = make_program(session)
            person = make_user(session, email=address, name="Emil Erle")
            make_membership(session, program=program, user=person, role=Role.MENTOR)
            csv = f"email,name,role\n{address},Emil Erle,mentor\nfine@example.org,Fine,mentee\n"
            import_job_id = _queued_import(session, program.id, make_user(session), csv).id
            job_id = session.scalar(select(Job.id).where(Job.kind == "profiles.import_csv"))
            person_id = person.id
        with database.session() as session:
            erase_person(session, session.get_one(User, person_id), by=None)
        assert job_id is not None
        assert run_job(JobContext(settings, database), job_id) == "done"
        with database.session() as session:
            job = session.get_one(ImportJob, import_job_id)
            assert job.status is ImportStatus.FAILED and job.data is None
            assert "line 2 of the file names a person" in job.errors[0]["message"]
            assert session.scalar(select(User.id).where(User.email == address)) is None
            assert session.scalar(select(User.id).where(User.email == "fine@example.org")) is None
    finally:
        database.dispose()
