"""Pages: the list of mentorships, the pair home, the agreement form and versions, the review form.

Each page loads its mentorship through `access.seat_for` (404 for outsiders) and calls the same service
functions as the JSON API; coordinators get the presenters' coordinator view, never private text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session, selectinload

from mentorloom.accounts.models import User
from mentorloom.errors import Conflict, PermissionDenied, ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.mentorships import agreements, closing, fitcheck, goals, lifecycle, reviews
from mentorloom.mentorships import presenters as out
from mentorloom.mentorships.access import Seat, seat_for, visible_mentorships
from mentorloom.mentorships.models import (
    Channel,
    ClosureReason,
    MeetingFormat,
    Mentorship,
    MentorshipStatus,
    ResponseTime,
    Side,
)
from mentorloom.mentorships.schemas import (
    AgreementPatchIn,
    EndEarlyIn,
    GoalIn,
    GoalRevisionIn,
    PlannedEndIn,
    ProgressIn,
    RenewIn,
    RetrospectiveIn,
    ReviewIn,
)
from mentorloom.permissions import program_for
from mentorloom.programs.models import Cadence, Membership
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import CurrentUser, DbSession, csrf_protect
from mentorloom.web.forms import PostedForm, validation_messages
from mentorloom.web.pages import field_errors, redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
Refused = Conflict | ValidationFailed | PermissionDenied
SIMPLE_ACTIONS = frozenset({"pause", "resume", "complete", "decline"})


def _base(program_id: int, mentorship_id: int | None = None) -> str:
    url = f"/programs/{program_id}/mentorships"
    return f"{url}/{mentorship_id}" if mentorship_id else url


def _text(form: PostedForm, name: str) -> str:
    return str(form.get(name, "")).strip()


def _optional(form: PostedForm, name: str) -> str | None:
    return _text(form, name) or None


# --- list ------------------------------------------------------------------------------------------


@router.get("/programs/{program_id}/mentorships", response_class=HTMLResponse)
def mentorship_list(request: Request, program_id: ObjectId, user: CurrentUser, session: DbSession) -> Response:
    program = program_for(session, user, program_id)
    query = visible_mentorships(session, user, program_id).options(
        selectinload(Mentorship.mentor).selectinload(Membership.user),
        selectinload(Mentorship.mentee).selectinload(Membership.user),
    )
    rows = []
    for m in session.scalars(query.order_by(Mentorship.id.desc())):
        agreement = agreements.current(session, m)
        rows.append(
            {
                "m": m,
                "status": lifecycle.status_label(m.status),
                "agreement": out.agreement_status_out(session, agreement, m) if agreement else None,
                "partner": _partner(m, user),
            }
        )
    return render(request, "mentorships/list.html", {"program": program, "rows": rows})


def _partner(m: Mentorship, user: User) -> Membership | None:
    if m.mentor.user_id == user.id:
        return m.mentee
    if m.mentee.user_id == user.id:
        return m.mentor
    return None


# --- pair home / coordinator view --------------------------------------------------------------------


def _home(
    request: Request,
    session: Session,
    seat: Seat,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    status = seat.mentorship.status
    ctx: dict[str, Any] = {
        "program": seat.program,
        "seat": seat,
        "status_label": lifecycle.status_label,
        "closure_reasons": [(r.value, lifecycle.closure_label(r)) for r in ClosureReason],
        "errors": errors or {},
        "values": values or {},
        "base": _base(seat.program.id, seat.mentorship.id),
        "completing": status is MentorshipStatus.COMPLETING,
        "can_plan_end": status not in lifecycle.FINAL,
    }
    if seat.in_pair:
        ctx["home"] = out.pair_home(session, seat, seat.program)
        ctx["timeline"] = [out.timeline_out(e) for e in goals.timeline(session, seat.mentorship)]
        ctx.update(_closing_context(ctx["home"]))
    else:
        ctx["view"] = out.coordinator_view(session, seat, seat.program)
    return render(request, "mentorships/home.html", ctx, status_code=status_code)


@router.get("/programs/{program_id}/mentorships/{mentorship_id}", response_class=HTMLResponse)
def mentorship_home(
    request: Request, program_id: ObjectId, mentorship_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    return _home(request, session, seat_for(session, user, program_id, mentorship_id))


def _act(
    request: Request,
    session: Session,
    user: User,
    ids: tuple[int, int],
    work: Callable[[Seat], object],
    flash: str,
    key: str = "__all__",
    values: dict[str, str] | None = None,
) -> Response:
    """Run one change of the pair; on refusal roll back and show the home again with the message."""
    seat = seat_for(session, user, *ids)
    try:
        work(seat)
    except ValidationError as exc:
        session.rollback()
        messages = validation_messages(exc)
        detail = next(iter(messages.values()), _("Check the form."))
        seat = seat_for(session, user, *ids)
        return _home(request, session, seat, errors={key: detail}, values=values, status_code=422)
    except (Conflict, ValidationFailed, PermissionDenied) as exc:
        session.rollback()
        seat = seat_for(session, user, *ids)
        return _home(request, session, seat, errors={key: exc.detail}, values=values, status_code=exc.status_code)
    return redirect(_base(*ids), flash=flash, request=request)


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/accept", response_class=HTMLResponse)
def accept(
    request: Request, program_id: ObjectId, mentorship_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    def work(seat: Seat) -> object:
        return lifecycle.accept(session, seat, seat.program)

    return _act(request, session, user, (program_id, mentorship_id), work, _("You accepted the mentorship."))


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/state/{action}", response_class=HTMLResponse)
def change_state(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    action: str,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    if action not in SIMPLE_ACTIONS:
        return _act(request, session, user, (program_id, mentorship_id), _unknown, "")
    reason = _text(form, "reason")[:1000]

    def work(seat: Seat) -> object:
        return lifecycle.apply(session, seat, action, reason)

    return _act(request, session, user, (program_id, mentorship_id), work, _("The mentorship was updated."))


def _unknown(seat: Seat) -> object:
    raise Conflict(_("This action is not available."))


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/end-early", response_class=HTMLResponse)
def end_early(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    def work(seat: Seat) -> object:
        body = EndEarlyIn(
            closure_reason=_text(form, "closure_reason"),  # type: ignore[arg-type]
            note=_text(form, "note"),
            rematch=bool(form.get("rematch")),
        )
        return lifecycle.end_early(session, seat, body.closure_reason, body.note, rematch=body.rematch)

    return _act(request, session, user, (program_id, mentorship_id), work, _("The mentorship has ended."), "end_early")


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

    return _act(
        request, session, user, (program_id, mentorship_id), work, _("You confirmed the agreement."), "agreement"
    )


def _lock(form: PostedForm) -> int:
    try:
        return int(_text(form, "lock_version"))
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
            note=_text(form, "note"),
        )
        return goals.record_progress(
            session, seat, seat.program, key, progress=body.progress, status=body.status, note=body.note
        )

    flash = _("Your progress note was saved.")
    return _act(request, session, user, (program_id, mentorship_id), work, flash, f"goal-{key}")


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
            title=_text(form, "title"),
            success_criteria=_text(form, "success_criteria"),
            target_date=_optional(form, "target_date"),  # type: ignore[arg-type]
            reason=_text(form, "reason"),
        )
        fields = body.model_dump(exclude={"lock_version", "reason", "description", "skills"})
        return goals.change_goal(session, seat, seat.program, key, fields, body.lock_version, body.reason)

    flash = _("The goal was revised. Both of you confirm the new agreement version.")
    return _act(request, session, user, (program_id, mentorship_id), work, flash, f"goal-{key}")


# --- agreement form ----------------------------------------------------------------------------------


def _pair_seat(session: Session, user: User, program_id: int, mentorship_id: int) -> Seat:
    seat = seat_for(session, user, program_id, mentorship_id)
    seat.require_pair()
    return seat


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
        "base": _base(seat.program.id, seat.mentorship.id),
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
    return _edit_page(request, session, _pair_seat(session, user, program_id, mentorship_id))


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
    seat = _pair_seat(session, user, program_id, mentorship_id)
    values: dict[str, Any] = {name: _text(form, name) for name in _AGREEMENT_FORM}
    values["confidentiality"] = bool(form.get("confidentiality"))
    if not values["note"]:
        values.pop("note")
    try:
        body = AgreementPatchIn(**values)
        fields = body.model_dump(exclude_unset=True, exclude={"expected_response_time"})
        fields["response_time"] = body.expected_response_time
        agreements.update(session, seat, seat.program, agreements.AgreementChange(**fields))
    except ValidationError as exc:
        return _edit_page(request, session, seat, values=values, errors=validation_messages(exc), status_code=422)
    except (Conflict, ValidationFailed) as exc:
        session.rollback()
        seat = _pair_seat(session, user, program_id, mentorship_id)
        stale = isinstance(exc, Conflict)
        errors = field_errors(exc.errors) if isinstance(exc, ValidationFailed) else {}
        errors.setdefault("__all__", exc.detail)
        return _edit_page(
            request,
            session,
            seat,
            values=None if stale else values,
            errors=errors,
            conflict=stale,
            status_code=exc.status_code,
        )
    return redirect(_base(program_id, mentorship_id), flash=_("The agreement was saved."), request=request)


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/goals", response_class=HTMLResponse)
def add_goal(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = _pair_seat(session, user, program_id, mentorship_id)
    values = {name: _text(form, f"goal.{name}") for name in ("title", "description", "success_criteria", "target_date")}
    try:
        body = GoalIn.model_validate({**values, "target_date": values["target_date"] or None})
        goals.add_goal(session, seat, seat.program, body.model_dump())
    except ValidationError as exc:
        errors = {f"goal.{k}": v for k, v in validation_messages(exc).items()}
        return _edit_page(request, session, seat, values={"goal": values}, errors=errors, status_code=422)
    except (Conflict, ValidationFailed) as exc:
        session.rollback()
        seat = _pair_seat(session, user, program_id, mentorship_id)
        errors = {"goal.__all__": exc.detail}
        return _edit_page(request, session, seat, values={"goal": values}, errors=errors, status_code=exc.status_code)
    return redirect(
        _base(program_id, mentorship_id) + "/agreement/edit", flash=_("The goal was added."), request=request
    )


# --- versions and diff -------------------------------------------------------------------------------


@router.get("/programs/{program_id}/mentorships/{mentorship_id}/agreement/versions", response_class=HTMLResponse)
def agreement_versions(
    request: Request, program_id: ObjectId, mentorship_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    seat = _pair_seat(session, user, program_id, mentorship_id)
    rows = [out.agreement_out(session, a, seat.mentorship) for a in agreements.versions(session, seat.mentorship)]
    ctx = {"program": seat.program, "seat": seat, "versions": rows, "base": _base(program_id, mentorship_id)}
    return render(request, "mentorships/versions.html", ctx)


@router.get("/programs/{program_id}/mentorships/{mentorship_id}/agreement/diff", response_class=HTMLResponse)
def agreement_diff(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = _pair_seat(session, user, program_id, mentorship_id)
    try:
        first = int(request.query_params.get("from", "1"))
        second = int(request.query_params.get("to", "2"))
    except ValueError:
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
        "base": _base(program_id, mentorship_id),
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
    return str(value)


# --- fit check ---------------------------------------------------------------------------------------


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/fit-check", response_class=HTMLResponse)
def answer_fit_check(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    fits = _text(form, "fits") == "yes"

    def work(seat: Seat) -> object:
        return fitcheck.answer(session, seat, fits)

    flash = _("Thank you. Only the program sees your answer.")
    return _act(request, session, user, (program_id, mentorship_id), work, flash, "fit_check")


# --- reviews -----------------------------------------------------------------------------------------


def _review_page(
    request: Request,
    seat: Seat,
    state: reviews.ReviewDue,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    ctx = {
        "program": seat.program,
        "seat": seat,
        "state": state,
        "statements": [(k, reviews.statement_text(k)) for k in reviews.STATEMENTS],
        "values": values or {},
        "errors": errors or {},
        "base": _base(seat.program.id, seat.mentorship.id),
    }
    return render(request, "mentorships/review.html", ctx, status_code=status_code)


@router.get("/programs/{program_id}/mentorships/{mentorship_id}/reviews/new", response_class=HTMLResponse)
def review_form(
    request: Request, program_id: ObjectId, mentorship_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    seat = _pair_seat(session, user, program_id, mentorship_id)
    return _review_page(request, seat, reviews.due(session, seat, seat.program))


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/reviews/new", response_class=HTMLResponse)
def submit_review(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = _pair_seat(session, user, program_id, mentorship_id)
    values: dict[str, Any] = {k: _text(form, f"score.{k}") for k in reviews.STATEMENTS}
    values["change_suggestion"] = _text(form, "change_suggestion")
    values["shared"] = bool(form.get("shared_with_partner"))
    missing = {f"score.{k}": _("Choose a value from 1 to 5.") for k in reviews.STATEMENTS if values[k] not in "12345"}
    missing.update({f"score.{k}": _("Choose a value from 1 to 5.") for k in reviews.STATEMENTS if not values[k]})
    state = reviews.due(session, seat, seat.program)
    if missing:
        return _review_page(request, seat, state, values=values, errors=missing, status_code=422)
    try:
        body = ReviewIn(
            scores={k: int(values[k]) for k in reviews.STATEMENTS},
            change_suggestion=values["change_suggestion"],
            shared_with_partner=values["shared"],
        )
        reviews.submit(session, seat, seat.program, body.scores, body.change_suggestion, body.shared_with_partner)
    except ValidationError as exc:
        return _review_page(request, seat, state, values=values, errors=validation_messages(exc), status_code=422)
    except (Conflict, ValidationFailed) as exc:
        session.rollback()
        seat = _pair_seat(session, user, program_id, mentorship_id)
        state = reviews.due(session, seat, seat.program)
        errors = {"__all__": exc.detail}
        return _review_page(request, seat, state, values=values, errors=errors, status_code=exc.status_code)
    url = _base(program_id, mentorship_id) + "/reviews/comparison"
    return redirect(url, flash=_("Thank you, your review was saved."), request=request)


@router.get("/programs/{program_id}/mentorships/{mentorship_id}/reviews/comparison", response_class=HTMLResponse)
def review_comparison(
    request: Request, program_id: ObjectId, mentorship_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    seat = _pair_seat(session, user, program_id, mentorship_id)
    side = seat.require_pair()
    mine = reviews.submissions(session, seat.mentorship, side, shared_only=False)
    ctx = {
        "program": seat.program,
        "seat": seat,
        "comparison": out.comparison_out(reviews.comparison(session, seat)),
        "mine": out.review_out(mine[0]) if mine else None,
        "statement_text": reviews.statement_text,
        "base": _base(program_id, mentorship_id),
    }
    return render(request, "mentorships/comparison.html", ctx)


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/reviews/suggestion", response_class=HTMLResponse)
def suggestion_to_agreement(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    """Turn a shared "what should we change?" into a new draft agreement version carrying it as its note."""
    side_value, period = str(form.get("side", "")), str(form.get("period", ""))
    if side_value not in {s.value for s in Side} or not period.isdigit():
        raise ValidationFailed(_("Choose a suggestion from the comparison."), field="side")

    def work(seat: Seat) -> object:
        return reviews.suggestion_to_agreement(session, seat, seat.program, int(period), Side(side_value))

    response = _act(request, session, user, (program_id, mentorship_id), work, _("A new agreement draft is open."))
    if response.status_code == 303:
        return redirect(
            _base(program_id, mentorship_id) + "/agreement/edit",
            request=request,
            flash=_("The suggestion is now a draft of your agreement. Edit it, then both confirm."),
        )
    return response


# --- planned end, fit check opening ------------------------------------------------------------------


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/planned-end", response_class=HTMLResponse)
def set_planned_end(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    value = _text(form, "planned_end_on")

    def work(seat: Seat) -> object:
        body = PlannedEndIn(planned_end_on=value)  # type: ignore[arg-type]
        return lifecycle.set_planned_end(session, seat, body.planned_end_on)

    flash = _("The planned end date was changed.")
    ids = (program_id, mentorship_id)
    return _act(request, session, user, ids, work, flash, "planned_end_on", values={"planned_end_on": value})


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/fit-check/open", response_class=HTMLResponse)
def open_fit_check(
    request: Request, program_id: ObjectId, mentorship_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    def work(seat: Seat) -> object:
        return fitcheck.open_check(session, seat)

    flash = _("The fit check is open. Each of you answers privately.")
    return _act(request, session, user, (program_id, mentorship_id), work, flash, "fit_check")


# --- closing: retrospectives, finish, renew ----------------------------------------------------------


def _closing_context(home: Any) -> dict[str, Any]:
    """The caller's own retrospective (to prefill the form) and the partner's, of the current cycle."""
    cycle = home.mentorship.cycle
    retros = {r.side: r for r in home.retrospectives if r.cycle == cycle}
    partner = Side.MENTEE if home.my_side is Side.MENTOR else Side.MENTOR
    return {"my_retro": retros.get(home.my_side), "partner_retro": retros.get(partner)}


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/retrospective", response_class=HTMLResponse)
def write_retrospective(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = _pair_seat(session, user, program_id, mentorship_id)
    values = {name: _text(form, f"retro.{name}") for name in closing.RETRO_FIELDS}
    try:
        body = RetrospectiveIn(**values)
        closing.write_retrospective(session, seat, closing.RetroText(**body.model_dump()))
    except ValidationError as exc:
        session.rollback()
        errors = {f"retro.{k}": v for k, v in validation_messages(exc).items()}
        seat = _pair_seat(session, user, program_id, mentorship_id)
        return _home(request, session, seat, errors=errors, values=values, status_code=422)
    except (Conflict, ValidationFailed) as exc:
        session.rollback()
        errors = {}
        if isinstance(exc, ValidationFailed):
            errors = {f"retro.{k}": v for k, v in field_errors(exc.errors).items()}
        errors.setdefault("retro.__all__", exc.detail)
        seat = _pair_seat(session, user, program_id, mentorship_id)
        return _home(request, session, seat, errors=errors, values=values, status_code=exc.status_code)
    flash = _("Your closing retrospective was saved. Only the two of you can read it.")
    return redirect(_base(program_id, mentorship_id), flash=flash, request=request)


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/finish", response_class=HTMLResponse)
def finish(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    reason = _text(form, "reason")[:1000]

    def work(seat: Seat) -> object:
        return closing.finish(session, seat, reason)

    flash = _("The mentorship is completed. Thank you both.")
    return _act(request, session, user, (program_id, mentorship_id), work, flash, "closing")


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/renew", response_class=HTMLResponse)
def renew(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    def work(seat: Seat) -> object:
        body = RenewIn(note=_text(form, "note"))
        return closing.renew(session, seat, seat.program, body.note)

    flash = _("A new cycle has started with a copy of your agreement.")
    return _act(request, session, user, (program_id, mentorship_id), work, flash, "closing")
