"""/api/v1 endpoints of shared resources: a pair's links and the program library, with full-text search.

- `/programs/{id}/mentorships/{id}/resources`: the pair's own links (the two people only: coordinators 403,
  anyone else 404); each person edits and deletes only what they shared.
- `/programs/{id}/library`: every member of the program reads and searches; coordinators (MANAGE_PROGRAM) add,
  edit and delete.
- `/programs/{id}/resources/search`: the library and the caller's own pairs' links together, never another pair's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from mentorloom.engagement import resources
from mentorloom.engagement.models import Resource
from mentorloom.engagement.resources_present import one_out, page_out
from mentorloom.engagement.schemas.resources import ResourceIn, ResourceOut, ResourcePageOut, ResourcePatch
from mentorloom.mentorships.access import pair_seat
from mentorloom.permissions import Action, program_for
from mentorloom.web.api_common import PROBLEM_RESPONSES, ObjectId, PageNumber, PerPage
from mentorloom.web.deps import ApiUser, DbSession

router = APIRouter(tags=["engagement"], responses=PROBLEM_RESPONSES)
PAIR = "/programs/{program_id}/mentorships/{mentorship_id}"
LIBRARY = "/programs/{program_id}/library"

SearchText = Annotated[
    str,
    Query(
        max_length=200,
        description="Words to find in title, why, tags and host (German and English stems, word beginnings); "
        "punctuation and search operators are ignored",
    ),
]
TagFilter = Annotated[list[str], Query(max_length=10, description="Only resources with every one of these tags")]


def _fields(body: ResourceIn) -> resources.ResourceFields:
    return resources.ResourceFields(
        url=body.url, title=body.title, why=body.why, goal_key=body.goal_key, tags=body.tags
    )


def _patched(session: DbSession, resource: Resource, body: ResourcePatch) -> resources.ResourceFields:
    given = body.model_fields_set
    return resources.ResourceFields(
        url=body.url if "url" in given and body.url is not None else resource.url,
        title=body.title if "title" in given and body.title is not None else resource.title,
        why=body.why if "why" in given and body.why is not None else resource.why,
        goal_key=(body.goal_key or None) if "goal_key" in given else resource.goal_key,
        tags=body.tags if "tags" in given and body.tags is not None else resources.tags_of(session, resource),
    )


# --- the pair's links --------------------------------------------------------------------------------------


@router.get(f"{PAIR}/resources", response_model=ResourcePageOut)
def pair_resources(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    user: ApiUser,
    session: DbSession,
    q: SearchText = "",
    tag: TagFilter = [],  # noqa: B006 - FastAPI copies the default
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> ResourcePageOut:
    """The links the pair shared with each other, newest first (best match first with `q`)."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    found = resources.pair_resources(session, seat, query=q, tags=tag, page=page, per_page=per_page)
    return page_out(session, user, found, page, per_page)


@router.post(f"{PAIR}/resources", response_model=ResourceOut, status_code=201)
def share_resource(
    program_id: ObjectId, mentorship_id: ObjectId, body: ResourceIn, user: ApiUser, session: DbSession
) -> ResourceOut:
    """Share a link with your partner, who is told (`resource_shared`). The server never fetches the URL."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    resource = resources.share(session, seat, _fields(body))
    return one_out(session, user, resource)


@router.get(f"{PAIR}/resources/{{resource_id}}", response_model=ResourceOut)
def get_resource(
    program_id: ObjectId, mentorship_id: ObjectId, resource_id: ObjectId, user: ApiUser, session: DbSession
) -> ResourceOut:
    seat = pair_seat(session, user, program_id, mentorship_id)
    return one_out(session, user, resources.pair_resource(session, seat, resource_id))


@router.patch(f"{PAIR}/resources/{{resource_id}}", response_model=ResourceOut)
def edit_resource(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    resource_id: ObjectId,
    body: ResourcePatch,
    user: ApiUser,
    session: DbSession,
) -> ResourceOut:
    """Change a link you shared (only the fields given)."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    resource = resources.pair_resource(session, seat, resource_id)
    resources.edit(session, seat, resource, _patched(session, resource, body))
    return one_out(session, user, resource)


@router.delete(f"{PAIR}/resources/{{resource_id}}", status_code=204)
def delete_resource(
    program_id: ObjectId, mentorship_id: ObjectId, resource_id: ObjectId, user: ApiUser, session: DbSession
) -> Response:
    """Delete a link you shared."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    resources.remove(session, seat, resources.pair_resource(session, seat, resource_id))
    return Response(status_code=204)


@router.post(f"{PAIR}/resources/from-library/{{resource_id}}", response_model=ResourceOut, status_code=201)
def share_from_library(
    program_id: ObjectId, mentorship_id: ObjectId, resource_id: ObjectId, user: ApiUser, session: DbSession
) -> ResourceOut:
    """Share a library link with your partner: a copy becomes the pair's own. Sharing the same link again answers
    the copy you shared before (your partner is told once)."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    item = resources.library_item(session, seat.program, resource_id)
    return one_out(session, user, resources.share_from_library(session, seat, item))


# --- the program library -----------------------------------------------------------------------------------


@router.get(LIBRARY, response_model=ResourcePageOut)
def library(
    program_id: ObjectId,
    user: ApiUser,
    session: DbSession,
    q: SearchText = "",
    tag: TagFilter = [],  # noqa: B006 - FastAPI copies the default
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> ResourcePageOut:
    """The program library: browse, search by text and filter by tags; `tags` counts the tags of the matches."""
    program = program_for(session, user, program_id)
    found = resources.library(session, program, query=q, tags=tag, page=page, per_page=per_page)
    return page_out(session, user, found, page, per_page)


@router.post(LIBRARY, response_model=ResourceOut, status_code=201)
def add_to_library(program_id: ObjectId, body: ResourceIn, user: ApiUser, session: DbSession) -> ResourceOut:
    """Add a link to the library (coordinators). Library links name no goal."""
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    return one_out(session, user, resources.add_to_library(session, program, user, _fields(body)))


@router.get(f"{LIBRARY}/{{resource_id}}", response_model=ResourceOut)
def library_item(program_id: ObjectId, resource_id: ObjectId, user: ApiUser, session: DbSession) -> ResourceOut:
    program = program_for(session, user, program_id)
    return one_out(session, user, resources.library_item(session, program, resource_id))


@router.patch(f"{LIBRARY}/{{resource_id}}", response_model=ResourceOut)
def edit_library_item(
    program_id: ObjectId, resource_id: ObjectId, body: ResourcePatch, user: ApiUser, session: DbSession
) -> ResourceOut:
    """Change a library link (coordinators)."""
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    item = resources.library_item(session, program, resource_id)
    resources.edit_library(session, item, _patched(session, item, body))
    return one_out(session, user, item)


@router.delete(f"{LIBRARY}/{{resource_id}}", status_code=204)
def delete_library_item(program_id: ObjectId, resource_id: ObjectId, user: ApiUser, session: DbSession) -> Response:
    """Remove a link from the library (coordinators); copies pairs shared stay theirs."""
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    resources.remove_from_library(session, resources.library_item(session, program, resource_id))
    return Response(status_code=204)


@router.get("/programs/{program_id}/resources/search", response_model=ResourcePageOut)
def search(
    program_id: ObjectId,
    user: ApiUser,
    session: DbSession,
    q: SearchText = "",
    tag: TagFilter = [],  # noqa: B006 - FastAPI copies the default
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> ResourcePageOut:
    """Search what you may read: the program library and your own pairs' links (never another pair's)."""
    program = program_for(session, user, program_id)
    found = resources.search(session, program, user, query=q, tags=tag, page=page, per_page=per_page)
    return page_out(session, user, found, page, per_page)
