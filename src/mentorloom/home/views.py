"""Pages: the personal home at / (to-do list, my pairs, program cards) and the header's to-do badge."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from mentorloom.home.service import pairs_for, todo_for
from mentorloom.permissions import Action, can, may, role_in
from mentorloom.programs import service as programs
from mentorloom.programs.models import Role
from mentorloom.web.deps import CurrentUser, DbSession, csrf_protect
from mentorloom.web.pages import render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: CurrentUser, session: DbSession) -> Response:
    todo = todo_for(session, user)
    visible = programs.list_programs(session, user)
    roles = {p.id: role_in(session, user, p.id) for p in visible}
    cards = [{"program": p, "role": roles[p.id], "counts": programs.member_counts(session, p.id)} for p in visible]
    context = {
        # which parts to show: a coordinator who is in no pair needs no empty "my mentorships" panel
        "takes_part": any(role in (Role.MENTOR, Role.MENTEE) for role in roles.values()),
        "coordinates": any(can(Action.MANAGE_PROGRAM, role, admin=user.is_admin) for role in roles.values()),
        "mine": [item for item in todo if not item.coordination],
        "coordination": [item for item in todo if item.coordination],
        "todo_count": len(todo),
        "pairs": pairs_for(session, user, todo),
        "cards": cards,
        "may_create": may(session, user, Action.CREATE_PROGRAM),
    }
    return render(request, "home/home.html", context)


@router.get("/me/todo/badge", response_class=HTMLResponse)
def todo_badge(request: Request, user: CurrentUser, session: DbSession) -> Response:
    """The header's count of waiting items, loaded after the page so every page stays as fast as before."""
    return render(request, "home/_badge.html", {"todo_count": len(todo_for(session, user)), "fetched": True})
