"""/api/v1/programs/{id}/participants: directory, profiles, CSV import/export; /api/v1/tags."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from mentorloom.accounts.models import User
from mentorloom.pagination import Page
from mentorloom.permissions import Action, may, may_edit_profile, membership_for, program_for
from mentorloom.profiles import import_jobs, importer, service
from mentorloom.profiles.import_jobs import ImportOutcome
from mentorloom.profiles.models import TagKind
from mentorloom.profiles.schemas import ImportJobOut, ParticipantSummary, ProfileIn, ProfileOut
from mentorloom.profiles.tags import suggest_tags
from mentorloom.programs.models import Role
from mentorloom.web.api_common import MAX_ID, PROBLEM_RESPONSES, ObjectId, PageNumber, PerPage
from mentorloom.web.deps import ApiUser, DbSession

router = APIRouter(tags=["participants"], responses=PROBLEM_RESPONSES)
CSV_BODY = {"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}}


@router.get("/programs/{program_id}/participants", response_model=Page[ParticipantSummary])
def directory(
    program_id: ObjectId,
    user: ApiUser,
    session: DbSession,
    page: PageNumber = 1,
    per_page: PerPage = 25,
    q: Annotated[str, Query(max_length=100)] = "",
    role: Role | None = None,
    skill: Annotated[str, Query(max_length=80)] = "",
    language: Annotated[str, Query(max_length=2)] = "",
) -> Page[ParticipantSummary]:
    program_for(session, user, program_id, Action.VIEW_PARTICIPANTS)
    manage = may(session, user, Action.MANAGE_PROGRAM, program_id)
    query = service.directory_query(program_id, q=q, role=role, skill=skill, language=language, with_erased=manage)
    return service.directory_page(session, query, page, per_page)


@router.get("/programs/{program_id}/participants/{membership_id}/profile", response_model=ProfileOut)
def get_profile(program_id: ObjectId, membership_id: ObjectId, user: ApiUser, session: DbSession) -> ProfileOut:
    membership = membership_for(session, user, program_id, membership_id)
    profile = service.get_profile(session, membership)
    return service.profile_out(profile, show_private=may_edit_profile(session, user, membership))


@router.put("/programs/{program_id}/participants/{membership_id}/profile", response_model=ProfileOut)
def put_profile(
    program_id: ObjectId, membership_id: ObjectId, body: ProfileIn, user: ApiUser, session: DbSession
) -> ProfileOut:
    """Replace a profile. Send the `version` you read: a stale one answers 409 instead of overwriting.

    `name` changes the person's name only on your own profile or for someone who has not signed in yet
    (then it is theirs, changed on their account page); otherwise it is ignored.
    """
    membership = membership_for(session, user, program_id, membership_id, edit=True)
    profile = service.update_profile(session, service.get_profile(session, membership), body, editor=user)
    return service.profile_out(profile, show_private=True)  # membership_for(edit=True) allowed it


@router.post(
    "/programs/{program_id}/participants/import",
    openapi_extra=CSV_BODY,
    responses={202: {"model": ImportJobOut, "description": "Large file: imported in the background"}},
)
async def import_csv(
    program_id: ObjectId, request: Request, user: ApiUser, session: DbSession, background: bool = False
) -> Response:
    """Import participants from CSV (format in the README): all rows or none.

    Small files are imported at once (200 with counts); large files, or `background=true`, are queued
    (202 with an import job to poll at `/imports/{id}`).
    """
    data = await request.body()
    # the database work runs in a worker thread: on the event loop, a lock wait (another request of the same
    # token updating its last use) froze the whole server, including the request holding that lock
    outcome = await run_in_threadpool(_import, session, user, program_id, data, background)
    if outcome.job is not None:
        return JSONResponse(ImportJobOut.model_validate(outcome.job).model_dump(mode="json"), status_code=202)
    assert outcome.summary is not None
    return JSONResponse(outcome.summary.as_dict())


def _import(session: Session, user: User, program_id: int, data: bytes, background: bool) -> ImportOutcome:
    program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    return import_jobs.import_upload(session, program_id, user, "api-upload.csv", data, background=background)


@router.get("/programs/{program_id}/imports/{job_id}", response_model=ImportJobOut)
def import_status(program_id: ObjectId, job_id: ObjectId, user: ApiUser, session: DbSession) -> ImportJobOut:
    program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    return ImportJobOut.model_validate(import_jobs.import_job_for(session, program_id, job_id))


@router.get(
    "/programs/{program_id}/participants/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_csv(program_id: ObjectId, user: ApiUser, session: DbSession) -> Response:
    program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    return Response(
        importer.export_participants(session, program_id, actor=user).encode("utf-8-sig"),  # BOM: Excel reads umlauts
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="participants-{program_id}.csv"'},
    )


@router.get("/tags", response_model=list[str])
def tags(
    user: ApiUser,
    session: DbSession,
    program_id: Annotated[int, Query(ge=1, le=MAX_ID, description="Suggest from this program's profiles")],
    kind: TagKind = TagKind.SKILL,
    q: Annotated[str, Query(max_length=80)] = "",
) -> list[str]:
    """Skill or interest tags on the program's profiles starting with `q`, most used first (for autocomplete)."""
    program_for(session, user, program_id, Action.VIEW_PARTICIPANTS)
    return [t.label for t in suggest_tags(session, program_id, kind, q)]
