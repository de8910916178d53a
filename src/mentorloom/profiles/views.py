"""Pages: the participant directory, a profile, the profile form and tag autocomplete."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import get_day_names
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session, object_session
from starlette.datastructures import FormData

from mentorloom.accounts.models import User
from mentorloom.dates import typed_time
from mentorloom.errors import NotFound
from mentorloom.i18n import get_locale
from mentorloom.i18n import gettext as _
from mentorloom.numbers import is_digits
from mentorloom.permissions import Action, may, may_edit_profile, membership_for, program_for
from mentorloom.profiles import service
from mentorloom.profiles.models import Profile, TagKind
from mentorloom.profiles.schemas import ProfileIn, ProfileOut
from mentorloom.profiles.tags import suggest_tags
from mentorloom.profiles.timezones import Zone, timezone_choices
from mentorloom.profiles.vocab import LANGUAGES, WORK_VALUES
from mentorloom.programs.models import Membership, Program, Role
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import CurrentUser, DbSession, csrf_protect
from mentorloom.web.forms import PostedForm, form_attempt
from mentorloom.web.pages import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)

BLANK_ROWS_WHEN_EMPTY = 3  # without JavaScript these are the rows a person can fill in
SUGGEST_LIMIT = 10
# Error keys the form shows next to a field; any other error is listed at the top.
_FIELD_KEYS = frozenset(
    {
        "name",
        "bio",
        "values",
        "values_note",
        "languages",
        "timezone",
        "department",
        "line_manager_email",
        "capacity",
        "availability",
        "expertise",
        "wanted_skills",
        "interests",
    }
)
_ROW_KEY = re.compile(r"^(availability|expertise|wanted_skills)\.\d+(\.(day|start|end|skill|level|priority))?$")


def _day_names() -> list[str]:
    names = get_day_names("wide", locale=get_locale())
    return [str(names[i]) for i in range(7)]


def _timezone_groups(membership: Membership, current: str) -> list[tuple[str, list[Zone]]]:
    """The picker's groups; the person's own zone and the zones most common in the program come first."""
    session = object_session(membership)
    usual = service.usual_timezones(session, membership.program_id) if session is not None else []
    return timezone_choices([current, *usual])


# --- directory ----------------------------------------------------------------------------------


def _page_url(program_id: ObjectId, filters: dict[str, str], page: int) -> str:
    params = {k: v for k, v in filters.items() if v}
    if page > 1:
        params["page"] = str(page)
    query = urlencode(params)
    return f"/programs/{program_id}/participants" + (f"?{query}" if query else "")


@router.get("/programs/{program_id}/participants", response_class=HTMLResponse)
def directory(
    request: Request,
    program_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    q: str = "",
    role: str = "",
    skill: str = "",
    language: str = "",
    page: int = 1,
) -> Response:
    program = program_for(session, user, program_id, Action.VIEW_PARTICIPANTS)
    role_filter = Role(role) if role in {r.value for r in Role} else None
    filters = {
        "q": q.strip(),
        "role": role_filter.value if role_filter else "",
        "skill": skill.strip(),
        "language": language.strip().lower(),
    }
    manage = may(session, user, Action.MANAGE_PROGRAM, program.id)
    query = service.directory_query(
        program.id,
        q=filters["q"],
        role=role_filter,
        skill=filters["skill"],
        language=filters["language"],
        with_erased=manage,
    )
    result = service.directory_page(session, query, page)
    fragment = request.headers.get("hx-target") == "results" and not request.headers.get("hx-history-restore-request")
    response = render(
        request,
        "profiles/_results.html" if fragment else "profiles/directory.html",
        {
            "program": program,
            "page": result,
            "filters": filters,
            "filtered": any(filters.values()),
            "prev_url": _page_url(program.id, filters, result.page - 1) if result.page > 1 else None,
            "next_url": _page_url(program.id, filters, result.page + 1) if result.page < result.pages else None,
            "languages": LANGUAGES,
            "roles": list(Role),
            "manage": manage,
        },
    )
    response.headers["Vary"] = "HX-Request, HX-Target"
    return response


# --- one profile --------------------------------------------------------------------------------


def _weekly(availability: list[Any]) -> list[tuple[str, list[str]]]:
    """[(day name, ["09:00–11:00", …])] in weekday order, only days with windows."""
    names = _day_names()
    days: dict[int, list[str]] = {}
    for window in sorted(availability, key=lambda w: (w.day, w.start)):
        days.setdefault(window.day, []).append(f"{window.start}–{window.end}")
    return [(names[day], spans) for day, spans in sorted(days.items())]


def _local_time(timezone: str) -> datetime | None:
    try:
        return datetime.now(ZoneInfo(timezone))
    except (KeyError, ValueError):
        return None


@router.get("/programs/{program_id}/participants/{membership_id}", response_class=HTMLResponse)
def profile_view(
    request: Request, program_id: ObjectId, membership_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    membership = membership_for(session, user, program_id, membership_id)
    may_edit = may_edit_profile(session, user, membership)
    profile: ProfileOut | None
    try:
        profile = service.profile_out(service.get_profile(session, membership), show_private=may_edit)
    except NotFound:
        profile = None  # coordinators have no participant profile
    return render(
        request,
        "profiles/view.html",
        {
            "program": membership.program,
            "membership": membership,
            "person": membership.user,
            "p": profile,
            "weekly": _weekly(profile.availability) if profile else [],
            "local_time": _local_time(profile.timezone) if profile else None,
            "work_values": WORK_VALUES,
            "languages": LANGUAGES,
            "may_edit": profile is not None and may_edit,
            "is_me": membership.user_id == user.id,
            "may_keep_avoid_list": profile is not None and may(session, user, Action.KEEP_AVOID_LIST, program_id),
        },
    )


# --- the profile form ---------------------------------------------------------------------------


def _values_from_profile(p: ProfileOut) -> dict[str, Any]:
    return {
        "name": p.name,
        "bio": p.bio,
        "values": list(p.values),
        "values_note": p.values_note,
        "languages": list(p.languages),
        "timezone": p.timezone,
        "department": p.department,
        "line_manager_email": p.line_manager_email,
        "capacity": str(p.capacity),
        "availability": [{"day": str(w.day), "start": w.start, "end": w.end} for w in p.availability],
        "expertise": [{"skill": s.skill, "level": str(s.level)} for s in p.expertise],
        "wanted_skills": [{"skill": s.skill, "priority": str(s.priority)} for s in p.wanted_skills],
        "interests": ", ".join(p.interests),
        "version": str(p.version),
    }


def _rows(form: FormData, names: dict[str, str]) -> list[dict[str, str]]:
    """Zip repeated fields into rows ({key: form name}), dropping rows left wholly empty."""
    columns = {key: [str(v).strip() for v in form.getlist(name)] for key, name in names.items()}
    length = max((len(c) for c in columns.values()), default=0)
    rows = [{key: (col[i] if i < len(col) else "") for key, col in columns.items()} for i in range(length)]
    return [row for row in rows if any(row.values())]


def _values_from_form(form: FormData) -> dict[str, Any]:
    def text(name: str) -> str:
        return str(form.get(name, "")).strip()

    return {
        "name": text("name"),
        "bio": text("bio"),
        "values": [str(v) for v in form.getlist("values")],
        "values_note": text("values_note"),
        "languages": [str(v) for v in form.getlist("languages")],
        "timezone": text("timezone") or "UTC",
        "department": text("department"),
        "line_manager_email": text("line_manager_email"),
        "capacity": text("capacity"),
        "availability": [
            {**row, "start": typed_time(row["start"]), "end": typed_time(row["end"])}
            for row in _rows(form, {"day": "avail_day", "start": "avail_start", "end": "avail_end"})
        ],
        "expertise": _rows(form, {"skill": "exp_skill", "level": "exp_level"}),
        "wanted_skills": _rows(form, {"skill": "want_skill", "priority": "want_priority"}),
        "interests": text("interests"),
        "version": text("version"),
    }


def _profile_input(values: dict[str, Any], role: Role) -> ProfileIn:
    doc = {
        key: values[key]
        for key in (
            "name",
            "bio",
            "values",
            "values_note",
            "languages",
            "timezone",
            "department",
            "line_manager_email",
            "availability",
        )
    }
    doc["interests"] = _interest_list(values["interests"])
    doc["capacity"] = values["capacity"] if role is Role.MENTOR else 0
    doc["expertise"] = values["expertise"] if role is Role.MENTOR else []
    doc["wanted_skills"] = values["wanted_skills"] if role is Role.MENTEE else []
    doc["version"] = values["version"] or None
    return ProfileIn.model_validate(doc)


def _interest_list(raw: str) -> list[str]:
    return [t.strip() for t in raw.split(",") if t.strip()]


def _interest_errors(errors: dict[str, str], values: dict[str, Any]) -> dict[str, str]:
    errors = dict(errors)
    # One input holds every interest: show a bad tag's message there, naming the tag.
    tags = _interest_list(values["interests"])
    for key in [k for k in errors if k.startswith("interests.")]:
        message = errors.pop(key)
        index = int(key.split(".")[1]) if is_digits(key.split(".")[1]) else -1
        tag = tags[index] if 0 <= index < len(tags) else ""
        errors.setdefault("interests", f"“{tag[:40]}”: {message}" if tag else message)
    return errors


def _edit_page(
    request: Request,
    user: User,
    membership: Membership,
    values: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    conflict: str | None = None,
    status_code: int = 200,
) -> Response:
    program: Program = membership.program
    errors = errors or {}
    stray = {key: message for key, message in errors.items() if key not in _FIELD_KEYS and not _ROW_KEY.match(key)}
    return render(
        request,
        "profiles/edit.html",
        {
            "program": program,
            "membership": membership,
            "role": membership.role,
            "v": values,
            "errors": errors,
            "stray_errors": stray,
            "conflict": conflict,
            "blank_rows": BLANK_ROWS_WHEN_EMPTY,
            "work_values": WORK_VALUES,
            "languages": LANGUAGES,
            "timezone_groups": _timezone_groups(membership, str(values.get("timezone", ""))),
            "day_names": _day_names(),
            "is_me": membership.user_id == user.id,
            "name_editable": service.may_rename(membership.user, user),
        },
        status_code=status_code,
    )


def _editable_profile(session: Session, user: User, program_id: ObjectId, membership_id: ObjectId) -> Profile:
    membership = membership_for(session, user, program_id, membership_id, edit=True)
    return service.get_profile(session, membership)


@router.get("/programs/{program_id}/participants/{membership_id}/edit", response_class=HTMLResponse)
def edit_profile_form(
    request: Request, program_id: ObjectId, membership_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    profile = _editable_profile(session, user, program_id, membership_id)
    values = _values_from_profile(service.profile_out(profile, show_private=True))  # the editor may see it all
    return _edit_page(request, user, profile.membership, values)


@router.post("/programs/{program_id}/participants/{membership_id}/edit")
def save_profile(
    request: Request,
    program_id: ObjectId,
    membership_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    form: PostedForm,
) -> Response:
    profile = _editable_profile(session, user, program_id, membership_id)
    membership, values = profile.membership, _values_from_form(form)
    with form_attempt(session) as attempt:
        service.update_profile(session, profile, _profile_input(values, membership.role), editor=user)
    if attempt.stale:
        return _edit_page(request, user, membership, values, conflict=attempt.detail, status_code=attempt.status_code)
    if attempt.refused:
        errors = _interest_errors(attempt.errors, values)
        return _edit_page(request, user, membership, values, errors=errors, status_code=attempt.status_code)
    return redirect(
        f"/programs/{program_id}/participants/{membership_id}", request=request, flash=_("The profile is saved.")
    )


# --- tag autocomplete ---------------------------------------------------------------------------


@router.get("/programs/{program_id}/tags/suggest", response_class=HTMLResponse)
def suggest(
    request: Request, program_id: ObjectId, user: CurrentUser, session: DbSession, kind: str = "skill", q: str = ""
) -> Response:
    """<option>s for a <datalist>. htmx sends an input's value under the input's own name, so when `q`
    is absent the last other parameter is the typed text. For interests (one comma-separated input)
    the options carry the earlier tags too, so picking one keeps them."""
    program_for(session, user, program_id, Action.VIEW_PARTICIPANTS)
    if not q:
        typed = [v for k, v in request.query_params.multi_items() if k not in ("kind", "q")]
        q = typed[-1] if typed else ""
    tag_kind = TagKind.INTEREST if kind == TagKind.INTEREST.value else TagKind.SKILL
    head, _sep, prefix = q.rpartition(",") if tag_kind is TagKind.INTEREST else ("", "", q)
    earlier = [t.strip() for t in head.split(",") if t.strip()]
    options: list[str] = []
    if prefix.strip():
        for tag in suggest_tags(session, program_id, tag_kind, prefix.strip(), limit=SUGGEST_LIMIT):
            if tag.label not in earlier:
                options.append(", ".join([*earlier, tag.label]))
    return render(request, "profiles/_suggest.html", {"options": options})
