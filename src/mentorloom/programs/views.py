"""Pages: creating and editing a program, its overview, inviting, CSV import and export (cards: home/views.py)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from mentorloom.accounts.models import User
from mentorloom.i18n import get_locale, ngettext
from mentorloom.i18n import gettext as _
from mentorloom.notifications.service import failed_mail_for, mail_problems, retry_mail
from mentorloom.permissions import Action, may, program_for, require_admin, role_in
from mentorloom.profiles import import_jobs, importer
from mentorloom.profiles.models import ImportStatus
from mentorloom.programs import service
from mentorloom.programs.models import Cadence, Membership, Program, Role
from mentorloom.programs.schemas import InvitationIn, ProgramIn, ProgramSettings
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import CurrentUser, DbSession, csrf_protect
from mentorloom.web.forms import PostedForm, form_attempt, validation_messages
from mentorloom.web.pages import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)

WEIGHT_FIELDS = ("values", "expertise", "interests", "text", "time", "preference")
HEALTH_WEIGHT_FIELDS = ("cadence", "feedback", "reviews", "goals", "engagement", "agreement")
_BOOL_FIELDS = ("settings.maximise_matched", "settings.exclude_same_department", "settings.health.pulse_enabled")
_DATE_FIELDS = ("starts_on", "ends_on")
# Fields whose empty box means "none": the dates, and automatic conclusion (off unless a number of days is set).
_BLANK_IS_NONE = (*_DATE_FIELDS, "settings.health.auto_conclude_days")


# --- create and edit ----------------------------------------------------------------------------


def _flatten(doc: dict[str, Any], prefix: str = "", *, blank_none: bool = True) -> dict[str, Any]:
    """Nested settings as the form's dotted field names; None shows as an empty box unless `blank_none` is off."""
    flat: dict[str, Any] = {}
    for key, value in doc.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}.", blank_none=blank_none))
        else:
            flat[f"{prefix}{key}"] = "" if value is None and blank_none else value
    return flat


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for key, value in flat.items():
        *parents, leaf = key.split(".")
        node = doc
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return doc


def _program_values(program: Program | None, *, blank_none: bool = True) -> dict[str, Any]:
    """The form's values: the program's, or the schema defaults for a new one."""
    if program is None:
        fields = ProgramIn.model_fields
        doc: dict[str, Any] = {
            "name": "",
            "description": "",
            "language": get_locale(),
            "default_cadence": fields["default_cadence"].default.value,
            "duration_months": fields["duration_months"].default,
            "starts_on": "",
            "ends_on": "",
            "settings": ProgramSettings().model_dump(mode="json"),
        }
    else:
        doc = {
            "name": program.name,
            "description": program.description,
            "language": program.language,
            "default_cadence": program.default_cadence.value,
            "duration_months": program.duration_months,
            "starts_on": program.starts_on.isoformat() if program.starts_on else "",
            "ends_on": program.ends_on.isoformat() if program.ends_on else "",
            "settings": service.program_settings(program).model_dump(mode="json"),
        }
    return _flatten(doc, blank_none=blank_none)


def _posted_program(form: FormData, program: Program | None = None) -> dict[str, Any]:
    """The submitted values, flat and as typed (re-shown on errors).

    A setting the form does not show keeps its value (the program's, or the default for a new one): a setting
    added without a form field (overdue_factor) made every save fail on a message no field could show.
    """
    current = _program_values(program, blank_none=False)  # an unshown setting keeps None, not ""
    values: dict[str, Any] = {}
    for key, kept in current.items():
        if key in _BOOL_FIELDS:
            values[key] = key in form
        elif key in form:
            raw = form.get(key, "")
            values[key] = raw.strip() if isinstance(raw, str) else ""
        else:
            values[key] = kept
    return values


def _program_input(values: dict[str, Any]) -> ProgramIn:
    doc = {k: (None if k in _BLANK_IS_NONE and v in ("", None) else v) for k, v in values.items()}
    return ProgramIn.model_validate(_nest(doc))


def _program_errors(exc: ValidationError) -> dict[str, str]:
    # The only whole-model rule of ProgramIn compares the dates: show it at the end date.
    return validation_messages(exc, whole="ends_on")


def _program_form(
    request: Request, program: Program | None, values: dict[str, Any], errors: dict[str, str], *, status_code: int = 200
) -> Response:
    return render(
        request,
        "programs/form.html",
        {
            "program": program,
            "v": values,
            "errors": errors,
            "cadences": list(Cadence),
            "weight_fields": WEIGHT_FIELDS,
            "health_weight_fields": HEALTH_WEIGHT_FIELDS,
        },
        status_code=status_code,
    )


@router.get("/programs/new", response_class=HTMLResponse)
def new_program_form(request: Request, user: CurrentUser) -> Response:
    require_admin(user)
    return _program_form(request, None, _program_values(None), {})


@router.post("/programs/new")
def create_program(request: Request, user: CurrentUser, session: DbSession, form: PostedForm) -> Response:
    require_admin(user)
    values = _posted_program(form)
    try:
        data = _program_input(values)
    except ValidationError as exc:
        return _program_form(request, None, values, _program_errors(exc), status_code=422)
    program = service.create_program(session, data, coordinator=user)
    return redirect(
        f"/programs/{program.id}",
        request=request,
        flash=_("The program “%(name)s” is ready. Invite participants next.", name=program.name),
    )


@router.get("/programs/{program_id}/edit", response_class=HTMLResponse)
def edit_program_form(request: Request, program_id: ObjectId, user: CurrentUser, session: DbSession) -> Response:
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    return _program_form(request, program, _program_values(program), {})


@router.post("/programs/{program_id}/edit")
def update_program(
    request: Request, program_id: ObjectId, user: CurrentUser, session: DbSession, form: PostedForm
) -> Response:
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    values = _posted_program(form, program)
    try:
        data = _program_input(values)
    except ValidationError as exc:
        return _program_form(request, program, values, _program_errors(exc), status_code=422)
    service.update_program(session, program, data, actor=user)
    return redirect(f"/programs/{program.id}", request=request, flash=_("Your changes are saved."))


# --- overview and invitations -------------------------------------------------------------------


def _own_membership(session: Session, user: User, program_id: ObjectId) -> Membership | None:
    # Presentation only: which profile "My profile" links to.
    return session.scalar(select(Membership).where(Membership.program_id == program_id, Membership.user_id == user.id))


def _overview(
    request: Request,
    session: Session,
    user: User,
    program: Program,
    *,
    invite: dict[str, str] | None = None,
    invite_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    manage = may(session, user, Action.MANAGE_PROGRAM, program.id)
    return render(
        request,
        "programs/overview.html",
        {
            "program": program,
            "settings": service.program_settings(program),
            "counts": service.member_counts(session, program.id),
            "my_role": role_in(session, user, program.id),
            "me": _own_membership(session, user, program.id),
            "manage": manage,
            "roles": list(Role),
            "invite": invite or {"email": "", "name": "", "role": Role.MENTEE.value},
            "invite_errors": invite_errors or {},
            "mail_problems": mail_problems(session, program.id) if manage else (0, []),
        },
        status_code=status_code,
    )


@router.get("/programs/{program_id}", response_class=HTMLResponse)
def program_overview(request: Request, program_id: ObjectId, user: CurrentUser, session: DbSession) -> Response:
    program = program_for(session, user, program_id)
    return _overview(request, session, user, program)


@router.post("/programs/{program_id}/mails/{mail_id}/retry")
def retry_failed_mail(
    request: Request, program_id: ObjectId, mail_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    """A coordinator sends an undelivered mail again (after fixing the address or the mail server)."""
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    retry_mail(session, failed_mail_for(session, program.id, mail_id))
    return redirect(
        f"/programs/{program.id}#mail-problems", request=request, flash=_("The e-mail is on its way again.")
    )


@router.post("/programs/{program_id}/invite")
def invite(
    request: Request,
    program_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    email: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
) -> Response:
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    values = {"email": email.strip(), "name": name.strip(), "role": role}
    # A refusal without a field is about the address (someone already in the program, say): show it there.
    with form_attempt(session, whole="email") as attempt:
        data = InvitationIn.model_validate(values)
        membership = service.invite(session, program, email=data.email, name=data.name, role=data.role, actor=user)
    if attempt.refused:
        # 422 for every refusal: the invitation form is simply shown again with the message at its field.
        return _overview(request, session, user, program, invite=values, invite_errors=attempt.errors, status_code=422)
    return redirect(
        f"/programs/{program.id}#invite",
        request=request,
        flash=_("The invitation to %(email)s is on its way.", email=membership.user.email),
    )


# --- CSV import and export ----------------------------------------------------------------------


def _summary_items(summary: Any) -> list[tuple[str, Any]]:
    """The importer's counts as (key, value) pairs to list."""
    return [(str(k), v) for k, v in summary.items()]


def _import_page(request: Request, program: Program, *, status_code: int = 200, **context: Any) -> Response:
    ctx: dict[str, Any] = {
        "program": program,
        "errors": [],
        "summary": None,
        "problem": None,
        "filename": "",
        "uninvited": 0,
        "job": None,
    }
    ctx.update(context)
    return render(request, "programs/import.html", ctx, status_code=status_code)


@router.get("/programs/{program_id}/import", response_class=HTMLResponse)
def import_form(request: Request, program_id: ObjectId, user: CurrentUser, session: DbSession) -> Response:
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    return _import_page(request, program)


@router.post("/programs/{program_id}/import")
def import_participants(
    request: Request, program_id: ObjectId, user: CurrentUser, session: DbSession, form: PostedForm
) -> Response:
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _import_page(request, program, problem=_("Choose a CSV file to import."), status_code=422)
    data = upload.file.read(import_jobs.MAX_UPLOAD_BYTES + 1)
    with form_attempt(session) as attempt:  # nothing of a faulty file is kept
        outcome = import_jobs.import_upload(session, program.id, user, upload.filename, data)
    if attempt.refused:
        return _import_page(
            request,
            program,
            errors=attempt.problems,
            problem=attempt.detail,
            filename=upload.filename,
            status_code=413 if len(data) > import_jobs.MAX_UPLOAD_BYTES else attempt.status_code,
        )
    if outcome.job is not None:
        return redirect(f"/programs/{program.id}/imports/{outcome.job.id}")
    summary = outcome.summary
    assert summary is not None
    return _import_page(
        request,
        program,
        summary=_summary_items(summary.as_dict()),
        filename=upload.filename,
        uninvited=len(service.uninvited_memberships(session, program.id)),
    )


@router.get("/programs/{program_id}/imports/{job_id}", response_class=HTMLResponse)
def import_status(
    request: Request, program_id: ObjectId, job_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    """A background import: polls itself (htmx) until the worker is done, then shows the outcome."""
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    job = import_jobs.import_job_for(session, program.id, job_id)
    done = job.status in (ImportStatus.DONE, ImportStatus.FAILED)
    return _import_page(
        request,
        program,
        job=job,
        filename=job.filename,
        errors=job.errors if done else [],
        summary=_summary_items(job.summary) if job.status is ImportStatus.DONE else None,
        problem=None,
        uninvited=len(service.uninvited_memberships(session, program.id)) if done else 0,
    )


@router.post("/programs/{program_id}/invite-pending")
def invite_pending(request: Request, program_id: ObjectId, user: CurrentUser, session: DbSession) -> Response:
    """Send invitations to every member who has not set a password yet (e.g. after an import)."""
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    pending = service.invite_pending(session, program.id, actor=user)
    return redirect(
        f"/programs/{program.id}",
        request=request,
        flash=ngettext("%(num)d invitation is on its way.", "%(num)d invitations are on their way.", len(pending)),
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "program"


@router.get("/programs/{program_id}/export.csv")
def export_participants(program_id: ObjectId, user: CurrentUser, session: DbSession) -> Response:
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    body = importer.export_participants(session, program.id, actor=user)
    filename = f"{_slug(program.name)}-participants.csv"
    return Response(
        body.encode("utf-8-sig"),  # the BOM makes Excel read umlauts correctly
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
