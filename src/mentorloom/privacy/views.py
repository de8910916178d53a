"""Pages: "Your data" with the download, and the administrators' people list with the erasure step."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.errors import ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.permissions import require_admin
from mentorloom.privacy import pairs, service
from mentorloom.privacy.api import zip_response
from mentorloom.privacy.export_files import HTML_NAME, JSON_NAME
from mentorloom.programs.models import Membership
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import CurrentUser, DbSession, csrf_protect
from mentorloom.web.forms import form_attempt
from mentorloom.web.pages import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)

PEOPLE_SHOWN = 50


@router.get("/account/data", response_class=HTMLResponse)
def your_data(request: Request, user: CurrentUser, session: DbSession) -> Response:
    admins = list(session.scalars(select(User).where(User.is_admin, User.is_active).order_by(User.display_name)))
    return render(request, "privacy/data.html", {"admins": admins, "json_name": JSON_NAME, "html_name": HTML_NAME})


@router.get("/account/data/export.zip")
def download(request: Request, user: CurrentUser, session: DbSession) -> Response:
    return zip_response(service.export_zip(session, request.app.state.templates.env, user))


@router.get("/admin/people", response_class=HTMLResponse)
def people(
    request: Request, user: CurrentUser, session: DbSession, q: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    require_admin(user)
    query = select(User).order_by(User.erased_at.is_not(None), func.lower(User.display_name), User.id)
    if q.strip():
        pattern = f"%{q.strip().lower()}%"
        query = query.where(or_(func.lower(User.display_name).like(pattern), func.lower(User.email).like(pattern)))
    found = list(session.scalars(query.limit(PEOPLE_SHOWN + 1)))
    roles = _membership_counts(session, [p.id for p in found])
    context = {"people": found[:PEOPLE_SHOWN], "more": len(found) > PEOPLE_SHOWN, "q": q, "memberships": roles}
    return render(request, "privacy/people.html", context)


def _membership_counts(session: DbSession, user_ids: list[int]) -> dict[int, int]:
    query = (
        select(Membership.user_id, func.count()).where(Membership.user_id.in_(user_ids)).group_by(Membership.user_id)
    )
    return {user_id: count for user_id, count in session.execute(query)}


@router.get("/admin/people/{user_id}/erase", response_class=HTMLResponse)
def erase_form(request: Request, user_id: ObjectId, user: CurrentUser, session: DbSession) -> Response:
    person = service.person_for_admin(session, user, user_id)
    context = {"person": person, "errors": {}, "typed": "", "open_pairs": _open_pairs(session, person)}
    return render(request, "privacy/erase.html", context)


def _open_pairs(session: Session, person: User) -> int:
    """How many pairs not yet ended the erasure will touch: the admin should know before confirming."""
    return 0 if person.erased_at is not None else len(pairs.pairs_not_ended(session, person.id))


@router.post("/admin/people/{user_id}/erase", response_class=HTMLResponse)
def erase(
    request: Request,
    user_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    person = service.person_for_admin(session, user, user_id)
    with form_attempt(session) as attempt:
        if email.strip().lower() != person.email.lower():
            raise ValidationFailed(_("Type the person's e-mail address exactly as shown."), field="email")
        service.erase(session, user, user_id)
    if attempt.refused:
        open_pairs = _open_pairs(session, person)
        context = {"person": person, "errors": attempt.errors, "typed": email, "open_pairs": open_pairs}
        return render(request, "privacy/erase.html", context, status_code=attempt.status_code)
    flash = _("The person is erased: their name, address and own words are gone, and they cannot log in.")
    return redirect("/admin/people", flash=flash, request=request)
