"""One meeting's page and what is done on it: move or cancel it, say whether it took place, the agenda, shared
notes, action items, goal progress, the private note and feedback.

Each action runs through `_act`: the same domain call as the API, then back to the page with a message and the
next step, or, when refused, the page again with the message at the field and what was typed kept.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.config import Settings
from mentorloom.errors import ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.meetings import display, notices, pages, planning, service
from mentorloom.meetings.models import Meeting
from mentorloom.meetings.page_inputs import MomentIn, day_for_start, fields, my_zone, text
from mentorloom.meetings.schemas import (
    ActionDoneIn,
    ActionItemIn,
    AgendaIn,
    FeedbackIn,
    MoveIn,
    NotesIn,
    OutcomeIn,
    PrivateNoteIn,
)
from mentorloom.mentorships import goals
from mentorloom.mentorships.access import Seat, pair_seat
from mentorloom.mentorships.schemas import ProgressIn
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import AppSettings, CurrentUser, DbSession
from mentorloom.web.forms import PostedForm, form_attempt
from mentorloom.web.pages import redirect

router = APIRouter()
MEETING = "/programs/{program_id}/mentorships/{mentorship_id}/meetings/{meeting_id}"
Ids = tuple[int, int, int]
Work = Callable[[Seat, Meeting], object]


def _load(session: Session, user: User, ids: Ids) -> tuple[Seat, Meeting]:
    seat = pair_seat(session, user, ids[0], ids[1])
    return seat, service.meeting_of(session, seat, ids[2])


def _act(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    ids: Ids,
    work: Work,
    flash: str | Callable[[], str],
    *,
    prefix: str,
    anchor: str = "",
    values: dict[str, str] | None = None,
    to_list: bool = False,
) -> Response:
    """Run one change of the meeting; on refusal show the page again with the messages under `prefix`."""
    seat, meeting = _load(session, user, ids)
    with form_attempt(session, prefix=prefix) as attempt:
        work(seat, meeting)
    if attempt.refused:
        seat, meeting = _load(session, user, ids)  # what the change touched was undone: load it again
        notes = next((str(p["notes"]) for p in attempt.problems if "notes" in p), None) if attempt.stale else None
        return pages.render_meeting(
            request,
            session,
            settings,
            seat,
            meeting,
            errors=day_for_start(attempt.errors, prefix),
            values=values,
            stale_notes=notes,
            status_code=attempt.status_code,
        )
    message = flash if isinstance(flash, str) else flash()
    url = pages.list_url(seat) if to_list else pages.meeting_url(seat, meeting)
    return redirect(f"{url}#{anchor}" if anchor else url, flash=message, request=request)


@router.get(MEETING, response_class=HTMLResponse)
def meeting_page(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    meeting_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    seat, meeting = _load(session, user, (program_id, mentorship_id, meeting_id))
    return pages.render_meeting(request, session, settings, seat, meeting)


# --- when: move, cancel, did it take place -------------------------------------------------------------------


@router.post(f"{MEETING}/move", response_class=HTMLResponse)
def move(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    meeting_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    values = fields(form, "move.", ("day", "time", "duration_minutes"))

    def work(seat: Seat, meeting: Meeting) -> object:
        moment = MomentIn(day=values["move.day"], time=values["move.time"])  # type: ignore[arg-type]
        minutes = values["move.duration_minutes"] or None
        body = MoveIn(starts_at=moment.local(), timezone=my_zone(), duration_minutes=minutes)  # type: ignore[arg-type]
        when = planning.when_of(body.starts_at, body.timezone or meeting.timezone)
        service.move(session, seat, meeting, when, body.duration_minutes)
        notices.meeting_changed(session, settings, seat, meeting)
        return meeting

    def flash() -> str:
        _seat, meeting = _load(session, user, (program_id, mentorship_id, meeting_id))
        when = display.moment_text(meeting.starts_at)
        return _("The meeting is moved to %(date)s. You both got an updated calendar invitation.", date=when)

    ids = (program_id, mentorship_id, meeting_id)
    return _act(request, session, settings, user, ids, work, flash, prefix="move.", anchor="when", values=values)


@router.get(f"{MEETING}/cancel", response_class=HTMLResponse)
def confirm_cancel(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    meeting_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    """The step before cancelling: what happens, and a button to go on or to keep the meeting."""
    seat, meeting = _load(session, user, (program_id, mentorship_id, meeting_id))
    return pages.render_meeting(request, session, settings, seat, meeting, confirm_cancel=True)


@router.post(f"{MEETING}/cancel", response_class=HTMLResponse)
def cancel(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    meeting_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    def work(seat: Seat, meeting: Meeting) -> object:
        service.cancel(session, seat, meeting)
        notices.meeting_changed(session, settings, seat, meeting)
        return meeting

    def flash() -> str:
        _seat, meeting = _load(session, user, (program_id, mentorship_id, meeting_id))
        return _(
            "The meeting on %(date)s is cancelled; your calendars drop it. Add another meeting if you want to "
            "make up for it.",
            date=display.moment_text(meeting.starts_at),
        )

    ids = (program_id, mentorship_id, meeting_id)
    return _act(request, session, settings, user, ids, work, flash, prefix="cancel.", to_list=True)


@router.post(f"{MEETING}/outcome", response_class=HTMLResponse)
def outcome(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    meeting_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    values = fields(form, "outcome.", ("outcome", "day", "time"))
    chosen = values["outcome.outcome"]

    def work(seat: Seat, meeting: Meeting) -> object:
        starts_at = None
        if chosen == "moved":
            moment = MomentIn(day=values["outcome.day"], time=values["outcome.time"])  # type: ignore[arg-type]
            starts_at = moment.local()
        body = OutcomeIn(outcome=chosen, starts_at=starts_at, timezone=my_zone())  # type: ignore[arg-type]
        moved_to = planning.when_of(body.starts_at, body.timezone or meeting.timezone) if body.starts_at else None
        service.record_outcome(session, seat, meeting, body.outcome, user, moved_to)
        if body.outcome == "moved":
            notices.meeting_changed(session, settings, seat, meeting)
        return meeting

    messages = {
        "held": _("Thank you. How useful was the meeting for you? Give your feedback below."),
        "missed": _("Noted: the meeting did not take place. Add another one when it suits you both."),
        "moved": _("The meeting is moved. You both got an updated calendar invitation."),
    }
    anchors = {"held": "feedback", "missed": "add-meeting", "moved": "when"}
    ids = (program_id, mentorship_id, meeting_id)
    return _act(
        request,
        session,
        settings,
        user,
        ids,
        work,
        messages.get(chosen, ""),
        prefix="outcome.",
        anchor=anchors.get(chosen, ""),
        values=values,
        to_list=chosen == "missed",
    )


# --- agenda, notes, private note ----------------------------------------------------------------------------


@router.post(f"{MEETING}/agenda", response_class=HTMLResponse)
def add_agenda_item(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    meeting_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    values = fields(form, "agenda.", ("text",))

    def work(seat: Seat, meeting: Meeting) -> object:
        body = AgendaIn(text=values["agenda.text"])
        return service.add_agenda_item(session, seat, meeting, body.text, user)

    ids = (program_id, mentorship_id, meeting_id)
    flash = _("Added to the agenda. Your partner sees it too.")
    return _act(request, session, settings, user, ids, work, flash, prefix="agenda.", anchor="agenda", values=values)


@router.post(f"{MEETING}/agenda/{{item_id}}/remove", response_class=HTMLResponse)
def remove_agenda_item(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    meeting_id: ObjectId,
    item_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    def work(seat: Seat, meeting: Meeting) -> object:
        service.remove_agenda_item(session, meeting, item_id, user)
        return None

    ids = (program_id, mentorship_id, meeting_id)
    flash = _("Removed from the agenda.")
    return _act(request, session, settings, user, ids, work, flash, prefix="agenda.", anchor="agenda")


@router.post(f"{MEETING}/notes", response_class=HTMLResponse)
def save_notes(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    meeting_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    values = fields(form, "notes.", ("notes", "notes_version"))

    def work(seat: Seat, meeting: Meeting) -> object:
        body = NotesIn(notes=values["notes.notes"], notes_version=values["notes.notes_version"])  # type: ignore[arg-type]
        return service.save_notes(session, seat, meeting, body.notes, body.notes_version, user)

    ids = (program_id, mentorship_id, meeting_id)
    flash = _("The notes are saved. Your partner sees them too.")
    return _act(request, session, settings, user, ids, work, flash, prefix="notes.", anchor="notes", values=values)


@router.post(f"{MEETING}/private-note", response_class=HTMLResponse)
def save_private_note(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    meeting_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    values = fields(form, "private.", ("text",))

    def work(seat: Seat, meeting: Meeting) -> object:
        body = PrivateNoteIn(text=values["private.text"])
        return service.save_private_note(session, meeting, body.text, user)

    ids = (program_id, mentorship_id, meeting_id)
    flash = _("Your private note is saved. Only you see it.")
    return _act(request, session, settings, user, ids, work, flash, prefix="private.", anchor="private", values=values)


# --- action items and goal progress --------------------------------------------------------------------------


@router.post(f"{MEETING}/action-items", response_class=HTMLResponse)
def add_action_item(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    meeting_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    values = fields(form, "action.", ("title", "owner", "due_on"))

    def work(seat: Seat, meeting: Meeting) -> object:
        body = ActionItemIn(
            title=values["action.title"],
            owner=values["action.owner"] or (seat.side.value if seat.side else ""),  # type: ignore[arg-type]
            due_on=values["action.due_on"] or None,  # type: ignore[arg-type]
        )
        return service.add_action_item(session, seat, meeting, body.title, body.owner, body.due_on, user)

    ids = (program_id, mentorship_id, meeting_id)
    flash = _("The action item is added. Open items come along to your next meetings until someone ticks them off.")
    return _act(request, session, settings, user, ids, work, flash, prefix="action.", anchor="actions", values=values)


@router.post(f"{MEETING}/action-items/{{item_id}}/done", response_class=HTMLResponse)
def set_done(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    meeting_id: ObjectId,
    item_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    done = text(form, "done") == "1"

    def work(seat: Seat, meeting: Meeting) -> object:
        body = ActionDoneIn(done=done)
        return service.set_done(session, service.action_item_of(session, seat, item_id), body.done, user)

    ids = (program_id, mentorship_id, meeting_id)
    flash = _("Ticked off. Well done.") if done else _("The action item is open again.")
    return _act(request, session, settings, user, ids, work, flash, prefix="action.", anchor="actions")


@router.post(f"{MEETING}/goals/{{key}}/progress", response_class=HTMLResponse)
def goal_progress(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    meeting_id: ObjectId,
    key: str,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    prefix = f"goal-{key[:32]}."
    values = fields(form, prefix, ("progress", "note"))

    def work(seat: Seat, meeting: Meeting) -> object:
        body = ProgressIn(progress=values[f"{prefix}progress"] or None, note=values[f"{prefix}note"])  # type: ignore[arg-type]
        return goals.record_progress(session, seat, seat.program, key, progress=body.progress, note=body.note)

    ids = (program_id, mentorship_id, meeting_id)
    flash = _("Your progress note was saved.")
    return _act(request, session, settings, user, ids, work, flash, prefix=prefix, anchor="goals", values=values)


# --- feedback ----------------------------------------------------------------------------------------------


@router.post(f"{MEETING}/feedback", response_class=HTMLResponse)
def give_feedback(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    meeting_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    values = fields(form, "feedback.", ("usefulness", "went_well", "to_change", "visibility"))

    def work(seat: Seat, meeting: Meeting) -> object:
        if not values["feedback.usefulness"]:  # no radio button chosen: say what to choose, not "a whole number"
            raise ValidationFailed(_("Choose how useful the meeting was, from 1 to 5."), field="usefulness")
        body = FeedbackIn(
            usefulness=values["feedback.usefulness"],  # type: ignore[arg-type]
            went_well=values["feedback.went_well"],
            to_change=values["feedback.to_change"],
            visibility=values["feedback.visibility"] or "partner",  # type: ignore[arg-type]
        )
        return service.give_feedback(
            session,
            seat,
            meeting,
            usefulness=body.usefulness,
            went_well=body.went_well,
            to_change=body.to_change,
            visibility=body.visibility,
        )

    def flash() -> str:
        seat, meeting = _load(session, user, (program_id, mentorship_id, meeting_id))
        if not service.action_items_of_meeting(session, meeting):
            return _(
                "Thank you for your feedback. Note what you agreed as action items: they come along to your next "
                "meeting."
            )
        upcoming = service.next_meeting(session, seat)
        if upcoming is None:
            return _("Thank you for your feedback. Plan your next meeting when it suits you both.")
        when = display.moment_text(upcoming.starts_at)
        return _("Thank you for your feedback. Your next meeting: %(date)s.", date=when)

    ids = (program_id, mentorship_id, meeting_id)
    return _act(
        request, session, settings, user, ids, work, flash, prefix="feedback.", anchor="feedback", values=values
    )
