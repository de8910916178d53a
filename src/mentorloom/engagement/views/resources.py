"""Pages of shared resources: the pair's links (list, share, edit, delete after a confirmation), the program
library (search, tag chips, pages; coordinators add, edit and delete; participants share an item with their
partner), and the card on the pair home with the latest links.

Every change calls the same service functions as the API (`engagement.resources`), so a page and a script do
exactly the same; the pair pages load the pair with `pair_seat` (coordinators 403, anyone else 404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.engagement import resources
from mentorloom.engagement.models import Resource
from mentorloom.engagement.resources_present import items_out, one_out
from mentorloom.engagement.schemas.resources import ResourceOut
from mentorloom.errors import NotFound
from mentorloom.i18n import gettext as _
from mentorloom.mentorships import extensions
from mentorloom.mentorships.access import Seat, pair_seat
from mentorloom.mentorships.extensions import Panel
from mentorloom.mentorships.models import Mentorship
from mentorloom.numbers import is_digits
from mentorloom.permissions import Action, may, program_for
from mentorloom.programs.models import Program
from mentorloom.web.api_common import MAX_ID, ObjectId
from mentorloom.web.deps import CurrentUser, DbSession
from mentorloom.web.forms import PostedForm, form_attempt
from mentorloom.web.pages import redirect, render

router = APIRouter()
PAIR = "/programs/{program_id}/mentorships/{mentorship_id}"
LIBRARY = "/programs/{program_id}/library"
PER_PAGE = 20
PANEL_LINKS = 3
FACETS_SHOWN = 20  # the most used tags as chips (the API lists up to 50)
FIELDS = ("url", "title", "why", "goal_key", "tags")

Page = Annotated[int, Query(ge=1, le=100_000)]
SearchText = Annotated[str, Query(max_length=200)]
Tags = Annotated[list[str], Query(max_length=10)]


def pair_url(seat: Seat) -> str:
    return f"/programs/{seat.program.id}/mentorships/{seat.mentorship.id}"


def resources_url(seat: Seat) -> str:
    return f"{pair_url(seat)}/resources"


def library_url(program: Program | int) -> str:
    return f"/programs/{program if isinstance(program, int) else program.id}/library"


def _values(form: Any) -> dict[str, str]:
    return {name: str(form.get(name) or "") for name in FIELDS}


def _fields(values: dict[str, str]) -> resources.ResourceFields:
    return resources.ResourceFields(
        url=values["url"],
        title=values["title"],
        why=values["why"],
        goal_key=values["goal_key"] or None,
        tags=values["tags"].split(","),
    )


def _values_of(session: Session, resource: Resource) -> dict[str, str]:
    return {
        "url": resource.url,
        "title": resource.title,
        "why": resource.why,
        "goal_key": resource.goal_key or "",
        "tags": ", ".join(resources.tags_of(session, resource)),
    }


def _query(q: str, tags: list[str], page: int | None = None) -> str:
    pairs: list[tuple[str, str | int]] = [("q", q)] if q else []
    pairs += [("tag", t) for t in tags]
    if page and page > 1:
        pairs.append(("page", page))
    return urlencode(pairs)


@dataclass(frozen=True)
class Listing:
    items: list[ResourceOut]
    total: int
    page: int
    pages: int
    facets: list[tuple[str, int]]
    q: str
    tags: list[str]

    @property
    def searching(self) -> bool:
        return bool(self.q or self.tags)

    def page_query(self, page: int) -> str:
        return _query(self.q, self.tags, page)

    def toggle(self, tag: str) -> str:
        """The query with `tag` chosen, or without it when it is chosen."""
        chosen = [t for t in self.tags if t != tag] if tag in self.tags else [*self.tags, tag]
        return _query(self.q, chosen)


def _listing(session: Session, user: User, found: resources.Found, page: int, q: str, tags: list[str]) -> Listing:
    pages = max(1, -(-found.total // PER_PAGE))
    chosen = [t.strip().lower() for t in tags if t.strip()]
    facets = found.facets[:FACETS_SHOWN]
    return Listing(items_out(session, user, found.items, found.tags), found.total, page, pages, facets, q, chosen)


# --- the pair's links --------------------------------------------------------------------------------------


def _render_pair(
    request: Request,
    session: Session,
    seat: Seat,
    *,
    q: str = "",
    tags: list[str] | None = None,
    page: int = 1,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    chosen = tags or []
    found = resources.pair_resources(session, seat, query=q, tags=chosen, page=page, per_page=PER_PAGE)
    return render(
        request,
        "engagement/resources_pair.html",
        {
            "program": seat.program,
            "pair_url": pair_url(seat),
            "list_url": resources_url(seat),
            "library_url": library_url(seat.program),
            "listing": _listing(session, seat.user, found, page, q, chosen),
            "goals": resources.goal_titles(session, seat.mentorship),
            "can_share": seat.mentorship.status in resources.SHARING,
            "errors": errors or {},
            "values": values or {},
        },
        status_code=status_code,
    )


@router.get(f"{PAIR}/resources", response_class=HTMLResponse)
def pair_page(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    q: SearchText = "",
    tag: Tags = [],  # noqa: B006 - FastAPI copies the default
    page: Page = 1,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    return _render_pair(request, session, seat, q=q, tags=tag, page=page)


@router.post(f"{PAIR}/resources", response_class=HTMLResponse)
def share_page(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    values = _values(form)
    with form_attempt(session) as attempt:
        resource = resources.share(session, seat, _fields(values))
    if attempt.refused:
        seat = pair_seat(session, user, program_id, mentorship_id)
        return _render_pair(
            request, session, seat, errors=attempt.errors, values=values, status_code=attempt.status_code
        )
    flash = _("The link is shared. Your partner has been told.")
    return redirect(f"{resources_url(seat)}#resource-{resource.id}", flash=flash, request=request)


def _own_resource(
    session: Session, user: User, program_id: int, mentorship_id: int, resource_id: int
) -> tuple[Seat, Resource]:
    seat = pair_seat(session, user, program_id, mentorship_id)
    return seat, resources.pair_resource(session, seat, resource_id)


def _render_edit(
    request: Request,
    context: dict[str, Any],
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "engagement/resources_edit.html",
        {**context, "values": values, "errors": errors or {}},
        status_code=status_code,
    )


def _pair_edit_context(session: Session, seat: Seat, resource: Resource) -> dict[str, Any]:
    return {
        "program": seat.program,
        "pair_url": pair_url(seat),
        "back_url": resources_url(seat),
        "action": f"{resources_url(seat)}/{resource.id}/edit",
        "goals": resources.goal_titles(session, seat.mentorship),
        "library": False,
        "resource": one_out(session, seat.user, resource),
    }


@router.get(f"{PAIR}/resources/{{resource_id}}/edit", response_class=HTMLResponse)
def edit_page(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    resource_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat, resource = _own_resource(session, user, program_id, mentorship_id, resource_id)
    resources.require_own(seat, resource)
    return _render_edit(request, _pair_edit_context(session, seat, resource), _values_of(session, resource))


@router.post(f"{PAIR}/resources/{{resource_id}}/edit", response_class=HTMLResponse)
def edit_post(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    resource_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat, resource = _own_resource(session, user, program_id, mentorship_id, resource_id)
    values = _values(form)
    with form_attempt(session) as attempt:
        resources.edit(session, seat, resource, _fields(values))
    if attempt.refused:
        seat, resource = _own_resource(session, user, program_id, mentorship_id, resource_id)
        context = _pair_edit_context(session, seat, resource)
        return _render_edit(request, context, values, attempt.errors, attempt.status_code)
    return redirect(f"{resources_url(seat)}#resource-{resource.id}", flash=_("The link is saved."), request=request)


@router.get(f"{PAIR}/resources/{{resource_id}}/delete", response_class=HTMLResponse)
def delete_page(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    resource_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat, resource = _own_resource(session, user, program_id, mentorship_id, resource_id)
    resources.require_own(seat, resource)
    return render(
        request,
        "engagement/resources_delete.html",
        {
            "program": seat.program,
            "pair_url": pair_url(seat),
            "back_url": resources_url(seat),
            "action": f"{resources_url(seat)}/{resource.id}/delete",
            "resource": one_out(session, user, resource),
            "library": False,
        },
    )


@router.post(f"{PAIR}/resources/{{resource_id}}/delete", response_class=HTMLResponse)
def delete_post(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    resource_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat, resource = _own_resource(session, user, program_id, mentorship_id, resource_id)
    resources.remove(session, seat, resource)
    return redirect(resources_url(seat), flash=_("The link is deleted."), request=request)


# --- the library -------------------------------------------------------------------------------------------


def _my_pairs(session: Session, user: User, program: Program) -> list[tuple[int, str]]:
    """The caller's running pairs in the program (to share a library link into), with the partner's name."""
    found = []
    for mentorship_id in resources.own_pair_ids(session, user, program.id):
        mentorship = session.get(Mentorship, mentorship_id)
        if mentorship is None or mentorship.status not in resources.SHARING:
            continue
        partner = mentorship.mentee if mentorship.mentor.user_id == user.id else mentorship.mentor
        found.append((mentorship_id, partner.user.display_name))
    return found


def _render_library(
    request: Request,
    session: Session,
    user: User,
    program: Program,
    *,
    q: str = "",
    tags: list[str] | None = None,
    page: int = 1,
) -> Response:
    chosen = tags or []
    found = resources.library(session, program, query=q, tags=chosen, page=page, per_page=PER_PAGE)
    return render(
        request,
        "engagement/resources_library.html",
        {
            "program": program,
            "library_url": library_url(program),
            "listing": _listing(session, user, found, page, q, chosen),
            "manage": may(session, user, Action.MANAGE_PROGRAM, program.id),
            "my_pairs": _my_pairs(session, user, program),
        },
    )


@router.get(LIBRARY, response_class=HTMLResponse)
def library_page(
    request: Request,
    program_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    q: SearchText = "",
    tag: Tags = [],  # noqa: B006 - FastAPI copies the default
    page: Page = 1,
) -> Response:
    program = program_for(session, user, program_id)
    return _render_library(request, session, user, program, q=q, tags=tag, page=page)


def _library_form_context(program: Program, action: str, resource: ResourceOut | None = None) -> dict[str, Any]:
    return {
        "program": program,
        "pair_url": None,
        "back_url": library_url(program),
        "action": action,
        "goals": {},
        "library": True,
        "resource": resource,
    }


@router.get(f"{LIBRARY}/new", response_class=HTMLResponse)
def library_new(request: Request, program_id: ObjectId, user: CurrentUser, session: DbSession) -> Response:
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    context = _library_form_context(program, f"{library_url(program)}/new")
    return _render_edit(request, context, dict.fromkeys(FIELDS, ""))


@router.post(f"{LIBRARY}/new", response_class=HTMLResponse)
def library_add(
    request: Request, program_id: ObjectId, form: PostedForm, user: CurrentUser, session: DbSession
) -> Response:
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    values = _values(form) | {"goal_key": ""}
    with form_attempt(session) as attempt:
        item = resources.add_to_library(session, program, user, _fields(values))
    if attempt.refused:
        program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
        context = _library_form_context(program, f"{library_url(program)}/new")
        return _render_edit(request, context, values, attempt.errors, attempt.status_code)
    flash = _("The link is in the library. Everyone in the program can find it now.")
    return redirect(f"{library_url(program)}#resource-{item.id}", flash=flash, request=request)


def _library_item(session: Session, user: User, program_id: int, resource_id: int) -> tuple[Program, Resource]:
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    return program, resources.library_item(session, program, resource_id)


@router.get(f"{LIBRARY}/{{resource_id}}/edit", response_class=HTMLResponse)
def library_edit_page(
    request: Request, program_id: ObjectId, resource_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    program, item = _library_item(session, user, program_id, resource_id)
    action = f"{library_url(program)}/{item.id}/edit"
    context = _library_form_context(program, action, one_out(session, user, item))
    return _render_edit(request, context, _values_of(session, item))


@router.post(f"{LIBRARY}/{{resource_id}}/edit", response_class=HTMLResponse)
def library_edit_post(
    request: Request,
    program_id: ObjectId,
    resource_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    program, item = _library_item(session, user, program_id, resource_id)
    values = _values(form) | {"goal_key": ""}
    with form_attempt(session) as attempt:
        resources.edit_library(session, item, _fields(values))
    if attempt.refused:
        program, item = _library_item(session, user, program_id, resource_id)
        action = f"{library_url(program)}/{item.id}/edit"
        context = _library_form_context(program, action, one_out(session, user, item))
        return _render_edit(request, context, values, attempt.errors, attempt.status_code)
    return redirect(f"{library_url(program)}#resource-{item.id}", flash=_("The link is saved."), request=request)


@router.get(f"{LIBRARY}/{{resource_id}}/delete", response_class=HTMLResponse)
def library_delete_page(
    request: Request, program_id: ObjectId, resource_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    program, item = _library_item(session, user, program_id, resource_id)
    return render(
        request,
        "engagement/resources_delete.html",
        {
            "program": program,
            "pair_url": None,
            "back_url": library_url(program),
            "action": f"{library_url(program)}/{item.id}/delete",
            "resource": one_out(session, user, item),
            "library": True,
        },
    )


@router.post(f"{LIBRARY}/{{resource_id}}/delete", response_class=HTMLResponse)
def library_delete_post(
    request: Request, program_id: ObjectId, resource_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    program, item = _library_item(session, user, program_id, resource_id)
    resources.remove_from_library(session, item)
    return redirect(library_url(program), flash=_("The link is removed from the library."), request=request)


@router.post(f"{LIBRARY}/{{resource_id}}/share", response_class=HTMLResponse)
def library_share(
    request: Request,
    program_id: ObjectId,
    resource_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    """Share a library link with the partner of the chosen pair (the caller's own)."""
    raw = str(form.get("mentorship_id") or "")
    # "²" is a digit to isdigit but no number to int; beyond 32 bits PostgreSQL refuses the id (a 500)
    if not is_digits(raw) or len(raw) > 10 or int(raw) > MAX_ID:
        raise NotFound(_("Mentorship not found."))
    seat = pair_seat(session, user, program_id, int(raw))
    item = resources.library_item(session, seat.program, resource_id)
    copy = resources.share_from_library(session, seat, item)
    flash = _("The link is shared with %(partner)s.", partner=_partner(seat))
    return redirect(f"{resources_url(seat)}#resource-{copy.id}", flash=flash, request=request)


def _partner(seat: Seat) -> str:
    mentorship = seat.mentorship
    other = mentorship.mentee if mentorship.mentor.user_id == seat.user.id else mentorship.mentor
    return other.user.display_name


# --- the card on the pair home -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelData:
    url: str
    library_url: str
    links: list[ResourceOut]
    can_share: bool


def pair_panel(session: Session, seat: Seat) -> Panel | None:
    """The latest shared links and "Share an article"; nothing for a coordinator (the links are the pair's)."""
    if not seat.in_pair:
        return None
    latest = resources.latest(session, seat, PANEL_LINKS)
    tags = resources.tags_by_resource(session, [r.id for r in latest])
    data = PanelData(
        url=resources_url(seat),
        library_url=library_url(seat.program),
        links=items_out(session, seat.user, latest, tags),
        can_share=seat.mentorship.status in resources.SHARING,
    )
    return Panel("engagement/resources_panel.html", data)


extensions.register_panel("engagement.resources", pair_panel, order=40)
