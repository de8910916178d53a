"""/api/v1/programs/{id}/participants: directory, profiles, CSV import/export; /api/v1/tags."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from mentorloom.permissions import Action, membership_for, program_for
from mentorloom.profiles import importer, service
from mentorloom.profiles.models import TagKind
from mentorloom.profiles.schemas import Page, ParticipantSummary, ProfileIn, ProfileOut
from mentorloom.profiles.tags import suggest_tags
from mentorloom.programs.models import Role
from mentorloom.web.api_common import PROBLEM_RESPONSES, PageNumber, PerPage
from mentorloom.web.deps import ApiUser, DbSession

router = APIRouter(tags=["participants"], responses=PROBLEM_RESPONSES)
CSV_BODY = {"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}}


@router.get("/programs/{program_id}/participants", response_model=Page[ParticipantSummary])
def directory(
    program_id: int,
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
    query = service.directory_query(program_id, q=q, role=role, skill=skill, language=language)
    return service.directory_page(session, query, page, per_page)


@router.get("/programs/{program_id}/participants/{membership_id}/profile", response_model=ProfileOut)
def get_profile(program_id: int, membership_id: int, user: ApiUser, session: DbSession) -> ProfileOut:
    membership = membership_for(session, user, program_id, membership_id)
    return service.profile_out(service.get_profile(session, membership))


@router.put("/programs/{program_id}/participants/{membership_id}/profile", response_model=ProfileOut)
def put_profile(program_id: int, membership_id: int, body: ProfileIn, user: ApiUser, session: DbSession) -> ProfileOut:
    """Replace a profile. Send the `version` you read: a stale one answers 409 instead of overwriting."""
    membership = membership_for(session, user, program_id, membership_id, edit=True)
    profile = service.update_profile(session, service.get_profile(session, membership), body)
    return service.profile_out(profile)


@router.post("/programs/{program_id}/participants/import", openapi_extra=CSV_BODY)
async def import_csv(program_id: int, request: Request, user: ApiUser, session: DbSession) -> dict[str, int]:
    """Import participants from CSV (see the README for the format); all rows or none."""
    program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    summary = importer.import_participants(session, program_id, await request.body())
    return summary.as_dict()


@router.get(
    "/programs/{program_id}/participants/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_csv(program_id: int, user: ApiUser, session: DbSession) -> Response:
    program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    return Response(
        importer.export_participants(session, program_id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="participants-{program_id}.csv"'},
    )


@router.get("/tags", response_model=list[str])
def tags(
    user: ApiUser, session: DbSession, kind: TagKind = TagKind.SKILL, q: Annotated[str, Query(max_length=80)] = ""
) -> list[str]:
    """Existing skill or interest tags starting with `q`, most used first (for autocomplete)."""
    return [t.label for t in suggest_tags(session, kind, q)]
