"""Pages of celebrations: the pair's milestones (plan, reach, change, share with the program), kudos, the program's
celebration feed, and the celebrations card on the pair home.

Every change calls the same service functions as the JSON API. Milestones are the pair's own (coordinators 403);
coordinators reach the kudos page to send a pair kudos and see only their own and the shared ones there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from mentorloom.engagement import celebrations_feed, kudos, milestones
from mentorloom.engagement.celebrations_common import agreed_goals, pair_path, partner_name
from mentorloom.engagement.models import Milestone
from mentorloom.engagement.schemas.celebrations import KudosIn, MilestoneIn, ReachIn
from mentorloom.i18n import gettext as _
from mentorloom.mentorships import extensions, queries
from mentorloom.mentorships.access import Seat, pair_seat, seat_for
from mentorloom.mentorships.extensions import Panel
from mentorloom.mentorships.models import MentorshipStatus, Side
from mentorloom.permissions import program_for
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import CurrentUser, DbSession
from mentorloom.web.forms import PostedForm, form_attempt, form_text
from mentorloom.web.pages import redirect, render

router = APIRouter()
PAIR = "/programs/{program_id}/mentorships/{mentorship_id}"
FEED_PAGE = 20
WORKING = (MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED, MentorshipStatus.COMPLETING, MentorshipStatus.COMPLETED)


def _given(values: dict[str, str]) -> dict[str, Any]:
    return {k: (v or None) if k in ("goal_key", "target_on") else v for k, v in values.items()}


def _card(m: Milestone) -> dict[str, Any]:
    return {"m": m, "title": milestones.display_title(m)}


# --- the pair home card -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CelebrationPanel:
    base: str
    newest: dict[str, Any] | None
    others: list[dict[str, Any]]
    partner: str
    feed_url: str


@dataclass(frozen=True)
class CoordinatorPanel:
    base: str
    may_give: bool
    feed_url: str


def celebration_panel(session: Session, seat: Seat) -> Panel | None:
    if seat.mentorship.status not in WORKING:
        return None
    base = pair_path(seat.mentorship)
    feed_url = f"/programs/{seat.program.id}/celebrations"
    if not seat.in_pair:
        return Panel(
            "engagement/celebrations_panel_coordinator.html",
            CoordinatorPanel(base, kudos.may_give(session, seat), feed_url),
            place="aside",
        )
    recent = [_card(m) for m in milestones.recent(session, seat.mentorship, limit=3)]
    data = CelebrationPanel(base, recent[0] if recent else None, recent[1:], partner_name(seat), feed_url)
    return Panel("engagement/celebrations_panel.html", data)


extensions.register_panel("celebrations", celebration_panel, order=30)


# --- milestones ---------------------------------------------------------------------------------------------------


def _sharing(session: Session, seat: Seat) -> dict[str, bool]:
    row = milestones.settings_of(session, seat.mentorship)
    mentor, mentee = bool(row.mentor_shares_celebrations), bool(row.mentee_shares_celebrations)
    mine, theirs = (mentor, mentee) if seat.side is Side.MENTOR else (mentee, mentor)
    return {"mine": mine, "partner": theirs, "both": mine and theirs}


def render_milestones(
    request: Request,
    session: Session,
    seat: Seat,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    rows = milestones.of_pair(session, seat.mentorship)
    goals = agreed_goals(session, seat.mentorship)
    context = {
        "program": seat.program,
        "seat": seat,
        "base": pair_path(seat.mentorship),
        "partner": partner_name(seat),
        "reached": [_card(m) for m in rows if m.reached_at],
        "planned": [_card(m) for m in rows if not m.reached_at],
        "goals": goals,
        "sharing": _sharing(session, seat),
        "names": queries.names(seat.mentorship),
        "errors": errors or {},
        "values": values or {},
        "feed_url": f"/programs/{seat.program.id}/celebrations",
    }
    return render(request, "engagement/celebrations_milestones.html", context, status_code=status_code)


@router.get(f"{PAIR}/milestones", response_class=HTMLResponse)
def milestones_page(
    request: Request, program_id: ObjectId, mentorship_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    return render_milestones(request, session, seat)


@router.post(f"{PAIR}/milestones", response_class=HTMLResponse)
def add_milestone(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    values = {name: form_text(form, name) for name in ("title", "goal_key", "target_on")}
    with form_attempt(session) as attempt:
        body = MilestoneIn(**_given(values))
        milestones.create(session, seat, body.model_dump())
    if attempt.refused:
        seat = pair_seat(session, user, program_id, mentorship_id)
        return render_milestones(
            request, session, seat, errors=attempt.errors, values=values, status_code=attempt.status_code
        )
    flash = _("Your milestone is planned. Mark it reached when you get there.")
    return redirect(f"{pair_path(seat.mentorship)}/milestones#planned", flash=flash, request=request)


@router.post(f"{PAIR}/milestones/{{milestone_id}}/reach", response_class=HTMLResponse)
def reach_milestone(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    milestone_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    milestone = milestones.milestone_of(session, seat, milestone_id)
    prefix = f"reach{milestone_id}."
    values = {f"{prefix}note": form_text(form, f"{prefix}note")}
    with form_attempt(session, prefix=prefix) as attempt:
        body = ReachIn(note=values[f"{prefix}note"])
        milestones.reach(session, seat, milestone, body.note)
    if attempt.refused:
        seat = pair_seat(session, user, program_id, mentorship_id)
        return render_milestones(
            request, session, seat, errors=attempt.errors, values=values, status_code=attempt.status_code
        )
    flash = _("Congratulations! You both got word of your milestone.")
    return redirect(f"{pair_path(seat.mentorship)}/milestones#reached", flash=flash, request=request)


def _render_edit(
    request: Request,
    session: Session,
    seat: Seat,
    milestone: Milestone,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "program": seat.program,
        "base": pair_path(seat.mentorship),
        "milestone": milestone,
        "goals": agreed_goals(session, seat.mentorship),
        "errors": errors or {},
        "values": values
        or {"title": milestone.title, "goal_key": milestone.goal_key or "", "target_on": milestone.target_on},
    }
    return render(request, "engagement/celebrations_milestone_edit.html", context, status_code=status_code)


@router.get(f"{PAIR}/milestones/{{milestone_id}}/edit", response_class=HTMLResponse)
def edit_milestone_page(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    milestone_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    milestone = milestones.milestone_of(session, seat, milestone_id)
    if milestone.reached_at is not None or milestone.code is not None:
        return redirect(f"{pair_path(seat.mentorship)}/milestones#reached")
    return _render_edit(request, session, seat, milestone)


@router.post(f"{PAIR}/milestones/{{milestone_id}}/edit", response_class=HTMLResponse)
def edit_milestone(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    milestone_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    milestone = milestones.milestone_of(session, seat, milestone_id)
    values = {name: form_text(form, name) for name in ("title", "goal_key", "target_on")}
    with form_attempt(session) as attempt:
        body = MilestoneIn(**_given(values))
        milestones.update(session, seat, milestone, body.model_dump())
    if attempt.refused:
        seat = pair_seat(session, user, program_id, mentorship_id)
        milestone = milestones.milestone_of(session, seat, milestone_id)
        return _render_edit(
            request, session, seat, milestone, errors=attempt.errors, values=values, status_code=attempt.status_code
        )
    return redirect(
        f"{pair_path(seat.mentorship)}/milestones#planned", flash=_("Your milestone was changed."), request=request
    )


@router.post(f"{PAIR}/milestones/{{milestone_id}}/delete", response_class=HTMLResponse)
def delete_milestone(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    milestone_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    milestone = milestones.milestone_of(session, seat, milestone_id)
    with form_attempt(session) as attempt:
        milestones.delete(session, seat, milestone)
    if attempt.refused:
        seat = pair_seat(session, user, program_id, mentorship_id)
        return render_milestones(request, session, seat, errors=attempt.errors, status_code=attempt.status_code)
    return redirect(
        f"{pair_path(seat.mentorship)}/milestones#planned", flash=_("The milestone was deleted."), request=request
    )


@router.post(f"{PAIR}/celebration-sharing", response_class=HTMLResponse)
def set_sharing(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    share = form_text(form, "share") == "yes"
    row = milestones.set_sharing(session, seat, share)
    both = row.mentor_shares_celebrations and row.mentee_shares_celebrations
    if not share:
        flash = _("Your milestones no longer appear in the program's celebration feed.")
    elif both:
        flash = _("You both agreed: your reached milestones now appear in the program's celebration feed.")
    else:
        flash = _(
            "Thank you. Your milestones appear in the program's feed once %(name)s agrees too.", name=partner_name(seat)
        )
    return redirect(f"{pair_path(seat.mentorship)}/milestones#sharing", flash=flash, request=request)


# --- kudos --------------------------------------------------------------------------------------------------------


def render_kudos(
    request: Request,
    session: Session,
    seat: Seat,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    rows = kudos.of_pair(session, seat)
    names = queries.names(seat.mentorship, session, {k.author_id for k in rows})
    context = {
        "program": seat.program,
        "seat": seat,
        "base": pair_path(seat.mentorship),
        "partner": partner_name(seat),
        "pair_names": _(
            "%(mentor)s and %(mentee)s",
            mentor=seat.mentorship.mentor.user.display_name,
            mentee=seat.mentorship.mentee.user.display_name,
        ),
        "rows": rows,
        "names": names,
        "may_give": kudos.may_give(session, seat),
        "errors": errors or {},
        "values": values or {},
        "feed_url": f"/programs/{seat.program.id}/celebrations",
        "max_text": kudos.MAX_TEXT,
    }
    return render(request, "engagement/celebrations_kudos.html", context, status_code=status_code)


@router.get(f"{PAIR}/kudos", response_class=HTMLResponse)
def kudos_page(
    request: Request, program_id: ObjectId, mentorship_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    seat = seat_for(session, user, program_id, mentorship_id)
    return render_kudos(request, session, seat)


@router.post(f"{PAIR}/kudos", response_class=HTMLResponse)
def give_kudos(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = seat_for(session, user, program_id, mentorship_id)
    values = {"text": form_text(form, "text"), "shared": form_text(form, "shared")}
    with form_attempt(session) as attempt:
        body = KudosIn(text=values["text"], shared=values["shared"] == "yes")
        kudos.give(session, seat, body.text, shared=body.shared)
    if attempt.refused:
        seat = seat_for(session, user, program_id, mentorship_id)
        return render_kudos(
            request, session, seat, errors=attempt.errors, values=values, status_code=attempt.status_code
        )
    flash = _("Your kudos were sent.")
    return redirect(f"{pair_path(seat.mentorship)}/kudos", flash=flash, request=request)


@router.post(f"{PAIR}/kudos/{{kudos_id}}/share", response_class=HTMLResponse)
def share_kudos(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    kudos_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = seat_for(session, user, program_id, mentorship_id)
    found = kudos.kudos_of(session, seat, kudos_id)
    share = form_text(form, "shared") == "yes"
    kudos.set_shared(session, seat, found, share)
    flash = _("Your kudos now appear in the program's feed.") if share else _("Your kudos are private again.")
    return redirect(f"{pair_path(seat.mentorship)}/kudos", flash=flash, request=request)


@router.post(f"{PAIR}/kudos/{{kudos_id}}/delete", response_class=HTMLResponse)
def delete_kudos(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    kudos_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = seat_for(session, user, program_id, mentorship_id)
    kudos.delete(session, seat, kudos.kudos_of(session, seat, kudos_id))
    return redirect(f"{pair_path(seat.mentorship)}/kudos", flash=_("Your kudos were deleted."), request=request)


# --- the program's feed -------------------------------------------------------------------------------------------


@router.get("/programs/{program_id}/celebrations", response_class=HTMLResponse)
def feed_page(
    request: Request,
    program_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    page: int = Query(default=1, ge=1, le=100000),
) -> Response:
    program = program_for(session, user, program_id)
    found = celebrations_feed.feed(session, program, page, FEED_PAGE)
    if page > found.pages:
        found = celebrations_feed.feed(session, program, found.pages, FEED_PAGE)
    context = {"program": program, "feed": found, "url": f"/programs/{program.id}/celebrations"}
    return render(request, "engagement/celebrations_feed.html", context)
