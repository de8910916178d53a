"""Agreement pages: confirming it, the edit form with its goals, goal revisions and progress, versions and diff."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from mentorloom.dates import format_day
from mentorloom.errors import ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.mentorships import agreements, goals
from mentorloom.mentorships import presenters as out
from mentorloom.mentorships.access import Seat, pair_seat
from mentorloom.mentorships.models import Channel, MeetingFormat, ResponseTime, Side
from mentorloom.mentorships.schemas import AgreementPatchIn, GoalIn, GoalRevisionIn, ProgressIn
from mentorloom.mentorships.views.common import act, base_url
from mentorloom.programs.models import Cadence
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import CurrentUser, DbSession
from mentorloom.web.forms import PostedForm, form_attempt, form_text
from mentorloom.web.inputs import MAX_INT
from mentorloom.web.pages import redirect, render

router = APIRouter()


# --- from the pair home: confirming, goal progress and revisions -------------------------------------


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/agreement/confirm", response_class=HTMLResponse)
def confirm_agreement(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    def work(seat: Seat) -> object:
        seat.require_pair()
        return agreements.confirm(session, seat, seat.program, _lock(form))

    return act(
        request, session, user, (program_id, mentorship_id), work, _("You confirmed the agreement."), "agreement"
    )


def _lock(form: PostedForm) -> int:
    try:
        return int(form_text(form, "lock_version"))
    except ValueError:
        raise ValidationFailed(_("Reload the page and try again."), field="lock_version") from None


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/goals/{key}/progress", response_class=HTMLResponse)
def add_progress(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    key: str,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    def work(seat: Seat) -> object:
        body = ProgressIn(
            progress=_optional(form, "progress"),  # type: ignore[arg-type]
            status=_optional(form, "status"),  # type: ignore[arg-type]
            note=form_text(form, "note"),
        )
        return goals.record_progress(
            session, seat, seat.program, key, progress=body.progress, status=body.status, note=body.note
        )

    flash = _("Your progress note was saved.")
    return act(request, session, user, (program_id, mentorship_id), work, flash, f"goal-{key}")


def _optional(form: PostedForm, name: str) -> str | None:
    return form_text(form, name) or None


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/goals/{key}/revise", response_class=HTMLResponse)
def revise_goal(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    key: str,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    def work(seat: Seat) -> object:
        seat.require_pair()
        body = GoalRevisionIn(
            lock_version=_lock(form),
            title=form_text(form, "title"),
            success_criteria=form_text(form, "success_criteria"),
            target_date=_optional(form, "target_date"),  # type: ignore[arg-type]
            reason=form_text(form, "reason"),
        )
        fields = body.model_dump(exclude={"lock_version", "reason", "description", "skills"})
        return goals.change_goal(session, seat, seat.program, key, fields, body.lock_version, body.reason)

    flash = _("The goal was revised. Both of you confirm the new agreement version.")
    return act(request, session, user, (program_id, mentorship_id), work, flash, f"goal-{key}")


# --- agreement form ----------------------------------------------------------------------------------


def _edit_page(
    request: Request,
    session: Session,
    seat: Seat,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    conflict: bool = False,
    status_code: int = 200,
) -> Response:
    agreement = agreements.ensure_current(session, seat.mentorship, seat.program)
    if agreement is None:
        raise agreements.no_agreement(seat.mentorship)
    side = seat.require_pair()
    data = out.agreement_out(session, agreement, seat.mentorship)
    mine = data.mentor if side is Side.MENTOR else data.mentee
    current = {
        "cadence": data.cadence.value,
        "format": data.format.value,
        "planned_months": data.planned_months,
        "expectations": mine.expectations,
        "confidentiality": mine.checklist.confidentiality,
        "preferred_channel": mine.checklist.preferred_channel.value,
        "expected_response_time": mine.checklist.expected_response_time.value,
        "feedback_style": mine.checklist.feedback_style,
        "lock_version": data.lock_version,
    }
    ctx = {
        "program": seat.program,
        "seat": seat,
        "agreement": data,
        "values": {**current, **(values or {})},
        "errors": errors or {},
        "conflict": conflict,
        "base": base_url(seat.program.id, seat.mentorship.id),
        "cadences": [c.value for c in Cadence],
        "formats": [f.value for f in MeetingFormat],
        "channels": [c.value for c in Channel],
        "response_times": [r.value for r in ResponseTime],
    }
    return render(request, "mentorships/agreement_edit.html", ctx, status_code=status_code)


@router.get("/programs/{program_id}/mentorships/{mentorship_id}/agreement/edit", response_class=HTMLResponse)
def edit_agreement(
    request: Request, program_id: ObjectId, mentorship_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    return _edit_page(request, session, pair_seat(session, user, program_id, mentorship_id))


_AGREEMENT_FORM = (
    "lock_version",
    "cadence",
    "format",
    "planned_months",
    "expectations",
    "preferred_channel",
    "expected_response_time",
    "feedback_style",
    "note",
)


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/agreement/edit", response_class=HTMLResponse)
def save_agreement(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    values: dict[str, Any] = {name: form_text(form, name) for name in _AGREEMENT_FORM}
    values["confidentiality"] = bool(form.get("confidentiality"))
    if not values["note"]:
        values.pop("note")
    with form_attempt(session, summary=True) as attempt:
        body = AgreementPatchIn(**values)
        fields = body.model_dump(exclude_unset=True, exclude={"expected_response_time"})
        fields["response_time"] = body.expected_response_time
        agreements.update(session, seat, seat.program, agreements.AgreementChange(**fields))
    if attempt.refused:
        seat = pair_seat(session, user, program_id, mentorship_id)  # the refused change was undone
        return _edit_page(
            request,
            session,
            seat,
            values=None if attempt.stale else values,  # someone else's newer version is shown instead
            errors=attempt.errors,
            conflict=attempt.stale,
            status_code=attempt.status_code,
        )
    return redirect(base_url(program_id, mentorship_id), flash=_("The agreement was saved."), request=request)


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/goals", response_class=HTMLResponse)
def add_goal(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    values = {
        name: form_text(form, f"goal.{name}") for name in ("title", "description", "success_criteria", "target_date")
    }
    with form_attempt(session, prefix="goal.", summary=True) as attempt:
        body = GoalIn.model_validate({**values, "target_date": values["target_date"] or None})
        goals.add_goal(session, seat, seat.program, body.model_dump())
    if attempt.refused:
        seat = pair_seat(session, user, program_id, mentorship_id)
        return _edit_page(
            request, session, seat, values={"goal": values}, errors=attempt.errors, status_code=attempt.status_code
        )
    return redirect(
        base_url(program_id, mentorship_id) + "/agreement/edit", flash=_("The goal was added."), request=request
    )


# --- versions and diff -------------------------------------------------------------------------------


@router.get("/programs/{program_id}/mentorships/{mentorship_id}/agreement/versions", response_class=HTMLResponse)
def agreement_versions(
    request: Request, program_id: ObjectId, mentorship_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    # The page lists version, status, date and note only: the rows themselves, no goals or version in force.
    rows = agreements.versions(session, seat.mentorship, with_goals=False)
    ctx = {"program": seat.program, "seat": seat, "versions": rows, "base": base_url(program_id, mentorship_id)}
    return render(request, "mentorships/versions.html", ctx)


@router.get("/programs/{program_id}/mentorships/{mentorship_id}/agreement/diff", response_class=HTMLResponse)
def agreement_diff(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    try:
        first = int(request.query_params.get("from", "1"))
        second = int(request.query_params.get("to", "2"))
    except ValueError:
        first, second = 1, 2
    if not (0 < first <= MAX_INT and 0 < second <= MAX_INT):  # no such version; the database cannot even compare it
        first, second = 1, 2
    cycle = seat.mentorship.cycle
    before = agreements.version_of(session, seat.mentorship, cycle, first)
    after = agreements.version_of(session, seat.mentorship, cycle, second)
    ctx = {
        "program": seat.program,
        "seat": seat,
        "first": first,
        "second": second,
        "changes": [_labelled(c, before, after) for c in agreements.diff(before, after)],
        "base": base_url(program_id, mentorship_id),
    }
    return render(request, "mentorships/diff.html", ctx)


def _field_labels() -> dict[str, str]:
    return {
        "cadence": _("We meet"),
        "format": _("Format"),
        "planned_months": _("Planned duration in months"),
        "expectations": _("Expectations and needs"),
        "confidentiality": _("Confidentiality"),
        "preferred_channel": _("Preferred channel"),
        "response_time": _("Expected response"),
        "feedback_style": _("Feedback"),
        "title": _("Title"),
        "description": _("Description"),
        "success_criteria": _("Success criteria"),
        "target_date": _("Target date"),
        "skills": _("Skills"),
    }


def _labelled(change: dict[str, Any], before: Any, after: Any) -> dict[str, Any]:
    """A diff entry with a readable name: "Mentor: Feedback", "Goal "…": Title", "Goal "…" (added)"."""
    labels, field = _field_labels(), str(change["field"])
    side, _sep, rest = field.partition("_")
    if side in ("mentor", "mentee") and rest in labels:
        label = f"{_('Mentor') if side == 'mentor' else _('Mentee')}: {labels[rest]}"
    elif field.startswith("goals."):
        parts = field.split(".")
        titles = {g.key: g.title for g in [*before.goals, *after.goals]}
        goal = _("Goal “%(title)s”", title=titles.get(parts[1], parts[1]))
        label = f"{goal}: {labels.get(parts[2], parts[2])}" if len(parts) > 2 else goal
    else:
        label = labels.get(field, field)
    return {**change, "label": label, "before": _shown(change["before"]), "after": _shown(change["after"])}


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        return str(value.get("title", ""))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, date):
        return format_day(value)  # as every other page shows dates, not ISO ("2027-07-18")
    return str(value)
