"""A participant's avoid-list as a page: whom they must not be matched with, kept by them or a coordinator.

The participants' own "my match" page edits both their lists; this page is the one a coordinator opens from a
participant's profile, with the same rule (`permissions.avoid_list_owner`) as the API's `/participants/{id}/avoid`.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from mentorloom.i18n import gettext as _
from mentorloom.matching import preferences
from mentorloom.matching.models import PreferenceKind
from mentorloom.matching.schemas import AvoidListIn
from mentorloom.matching.views.common import page_router
from mentorloom.numbers import is_digits
from mentorloom.permissions import avoid_list_owner
from mentorloom.programs.models import Membership
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import CurrentUser, DbSession
from mentorloom.web.forms import PostedForm, form_attempt
from mentorloom.web.pages import redirect, render

router = page_router()


def _url(owner: Membership) -> str:
    return f"/programs/{owner.program_id}/matching/participants/{owner.id}/avoid"


def _page(
    request: Request,
    session: Session,
    owner: Membership,
    avoided: set[int],
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "program": owner.program,
        "owner": owner,
        "people": preferences.choosable(session, owner),
        "avoided": avoided,
        "action": _url(owner),
        "error": error,
    }
    return render(request, "matching/avoid.html", context, status_code=status_code)


@router.get("/programs/{program_id}/matching/participants/{membership_id}/avoid", response_class=HTMLResponse)
def avoid_list(
    request: Request, program_id: ObjectId, membership_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    owner = avoid_list_owner(session, user, program_id, membership_id)
    return _page(request, session, owner, set(preferences.preferences_of(session, owner)[PreferenceKind.AVOID]))


@router.post("/programs/{program_id}/matching/participants/{membership_id}/avoid", response_class=HTMLResponse)
def save_avoid_list(
    request: Request,
    program_id: ObjectId,
    membership_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    form: PostedForm,
) -> Response:
    owner = avoid_list_owner(session, user, program_id, membership_id)
    posted = [str(v) for v in form.getlist("avoid")]
    with form_attempt(session) as attempt:
        data = AvoidListIn.model_validate({"avoid": posted})
        preferences.set_avoid_list(session, owner, data.avoid)
    if attempt.refused:
        chosen = {int(v) for v in posted if is_digits(v)}
        problem = " ".join(dict.fromkeys(attempt.errors.values()))
        return _page(request, session, owner, chosen, error=problem, status_code=attempt.status_code)
    flash = _("The avoid-list of %(name)s is saved. It counts in the next matching run.", name=owner.user.display_name)
    return redirect(f"/programs/{program_id}/participants/{owner.id}", flash=flash, request=request)
