"""The pair's agreement: the current version, changing and confirming it, earlier versions and their diff."""

from __future__ import annotations

from fastapi import APIRouter, Query

from mentorloom.mentorships import agreements
from mentorloom.mentorships import presenters as out
from mentorloom.mentorships.access import pair_seat
from mentorloom.mentorships.api.common import CycleParam
from mentorloom.mentorships.schemas import AgreementOut, AgreementPatchIn, DiffEntry, DiffOut, LockIn, NewVersionIn
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import ApiUser, DbSession
from mentorloom.web.inputs import MAX_INT, PathNumber

router = APIRouter()


@router.get("/{mentorship_id}/agreement", response_model=AgreementOut)
def get_agreement(program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession) -> AgreementOut:
    """The current version (a draft under discussion or the confirmed one), with goals and their progress."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    agreement = agreements.ensure_current(session, seat.mentorship, seat.program)
    if agreement is None:
        raise agreements.no_agreement(seat.mentorship)
    return out.agreement_out(session, agreement, seat.mentorship)


@router.patch("/{mentorship_id}/agreement", response_model=AgreementOut)
def update_agreement(
    program_id: ObjectId, mentorship_id: ObjectId, body: AgreementPatchIn, user: ApiUser, session: DbSession
) -> AgreementOut:
    """Change shared terms and your own expectations/checklist. After confirmation this opens a new version."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    fields = body.model_dump(exclude_unset=True, exclude={"expected_response_time"})
    if body.expected_response_time is not None:
        fields["response_time"] = body.expected_response_time
    agreement = agreements.update(session, seat, seat.program, agreements.AgreementChange(**fields))
    return out.agreement_out(session, agreement, seat.mentorship)


@router.post("/{mentorship_id}/agreement/confirm", response_model=AgreementOut)
def confirm_agreement(
    program_id: ObjectId, mentorship_id: ObjectId, body: LockIn, user: ApiUser, session: DbSession
) -> AgreementOut:
    """Confirm the version you read; it is in force once both of you confirmed it."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    agreement = agreements.confirm(session, seat, seat.program, body.lock_version)
    return out.agreement_out(session, agreement, seat.mentorship)


@router.post("/{mentorship_id}/agreement/versions", response_model=AgreementOut, status_code=201)
def new_version(
    program_id: ObjectId, mentorship_id: ObjectId, body: NewVersionIn, user: ApiUser, session: DbSession
) -> AgreementOut:
    """Re-open the confirmed agreement as a new draft version, with a note why."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    agreement = agreements.open_version(session, seat, seat.program, body.note, body.lock_version)
    return out.agreement_out(session, agreement, seat.mentorship)


@router.get("/{mentorship_id}/agreement/versions", response_model=list[AgreementOut])
def list_versions(
    program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession, cycle: CycleParam = None
) -> list[AgreementOut]:
    seat = pair_seat(session, user, program_id, mentorship_id)
    return out.agreements_out(session, agreements.versions(session, seat.mentorship, cycle), seat.mentorship)


@router.get("/{mentorship_id}/agreement/versions/{version}", response_model=AgreementOut)
def get_version(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    version: PathNumber,
    user: ApiUser,
    session: DbSession,
    cycle: CycleParam = None,
) -> AgreementOut:
    seat = pair_seat(session, user, program_id, mentorship_id)
    agreement = agreements.version_of(session, seat.mentorship, cycle or seat.mentorship.cycle, version)
    return out.agreement_out(session, agreement, seat.mentorship)


@router.get("/{mentorship_id}/agreement/diff", response_model=DiffOut)
def diff_versions(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    user: ApiUser,
    session: DbSession,
    from_version: int = Query(ge=1, le=MAX_INT, alias="from"),
    to_version: int = Query(ge=1, le=MAX_INT, alias="to"),
    cycle: CycleParam = None,
) -> DiffOut:
    """What changed between two versions, field by field (goals matched by their key)."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    cycle = cycle or seat.mentorship.cycle
    before = agreements.version_of(session, seat.mentorship, cycle, from_version)
    after = agreements.version_of(session, seat.mentorship, cycle, to_version)
    changes = [DiffEntry(**c) for c in agreements.diff(before, after)]
    return DiffOut(cycle=cycle, from_version=from_version, to_version=to_version, changes=changes)
