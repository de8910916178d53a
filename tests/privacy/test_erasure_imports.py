"""A failed participant import keeps its error list for the coordination; after an erasure it quotes no one."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from mentorloom.privacy.erasure import erase_person
from mentorloom.profiles import import_jobs
from mentorloom.profiles.models import ImportStatus
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
