"""To-do items from meetings: plan them, say whether one took place, give feedback, meet again when overdue;
for coordinators, how many pairs are overdue.

A few small queries per running pair: the header badge asks on every page, and people have one or two pairs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.db import as_utc
from mentorloom.home.items import TodoItem
from mentorloom.i18n import gettext as _
from mentorloom.i18n import ngettext
from mentorloom.meetings import overdue, series
from mentorloom.meetings.models import Meeting, MeetingFeedback, MeetingStatus
from mentorloom.mentorships import agreements
from mentorloom.mentorships.access import Seat
from mentorloom.mentorships.models import MentorshipStatus
from mentorloom.programs.models import Program

RECENT = timedelta(days=14)  # a meeting older than this no longer asks for its outcome or feedback


def _url(seat: Seat, rest: str = "") -> str:
    return f"/programs/{seat.program.id}/mentorships/{seat.mentorship.id}/meetings{rest}"


def _item(seat: Seat, kind: str, title: str, url: str, since: datetime | None) -> TodoItem:
    program = seat.program
    return TodoItem(kind, program.id, program.name, title, url, since=since, mentorship_id=seat.mentorship.id)


def pair_items(session: Session, seat: Seat, partner: str, now: datetime) -> list[TodoItem]:
    """What the caller's active pair has to do about meetings now."""
    if seat.mentorship.status is not MentorshipStatus.ACTIVE:
        return []
    items = []
    # with a meeting coming up there is nothing to plan, even when the last one was long ago; with an erased
    # partner there is nobody to meet
    if not _coming_up(session, seat, now) and not series.one_side_erased(seat.mentorship):
        agreement = agreements.in_force(session, seat.mentorship)
        figures = overdue.status_of(session, seat.program, seat.mentorship, now)
        if agreement is not None and series.active_series(session, seat.mentorship) is None:
            title = _("Plan your meetings with %(name)s", name=partner)
            url = _url(seat, "/plan?find=1#suggestions")
            items.append(_item(seat, "plan_meetings", title, url, agreement.updated_at))
        elif figures is not None and figures.overdue:
            title = ngettext(
                "You have not met %(name)s for %(num)s day: plan your next meeting",
                "You have not met %(name)s for %(num)s days: plan your next meeting",
                figures.days_since,
                name=partner,
            )
            items.append(_item(seat, "meeting_overdue", title, _url(seat, "#add-meeting"), figures.last_held_at))
    return items + _after_meeting(session, seat, partner, now)


def _coming_up(session: Session, seat: Seat, now: datetime) -> bool:
    found = session.scalar(
        select(Meeting.id)
        .where(
            Meeting.mentorship_id == seat.mentorship.id,
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.starts_at >= now,
        )
        .limit(1)
    )
    return found is not None


def _after_meeting(session: Session, seat: Seat, partner: str, now: datetime) -> list[TodoItem]:
    """The latest recent meeting without an outcome, and the latest held one without the caller's feedback."""
    recent = list(
        session.scalars(
            select(Meeting)
            .where(
                Meeting.mentorship_id == seat.mentorship.id,
                Meeting.starts_at <= now,
                Meeting.starts_at >= now - RECENT,
                Meeting.status.in_((MeetingStatus.SCHEDULED, MeetingStatus.HELD)),
            )
            .order_by(Meeting.starts_at.desc())
        )
    )
    items = []
    open_outcome = next((m for m in recent if m.status is MeetingStatus.SCHEDULED), None)
    if open_outcome is not None:
        title = _("Say whether your meeting with %(name)s took place", name=partner)
        url = _url(seat, f"/{open_outcome.id}#outcome")
        items.append(_item(seat, "meeting_outcome", title, url, as_utc(open_outcome.starts_at)))
    held = [m for m in recent if m.status is MeetingStatus.HELD]
    if held and seat.side is not None:
        given = set(
            session.scalars(
                select(MeetingFeedback.meeting_id).where(
                    MeetingFeedback.meeting_id.in_([m.id for m in held]), MeetingFeedback.side == seat.side
                )
            )
        )
        missing = next((m for m in held if m.id not in given), None)
        if missing is not None:
            title = _("Give feedback on your meeting with %(name)s", name=partner)
            items.append(_item(seat, "meeting_feedback", title, _url(seat, f"/{missing.id}#feedback"), missing.ends_at))
    return items


def coordination_item(session: Session, program: Program, now: datetime) -> TodoItem | None:
    """How many of the program's pairs have not met for too long, linking to the list that flags them."""
    late = overdue.overdue_in_program(session, program, now)
    if not late:
        return None
    title = ngettext("%(num)d pair overdue for a meeting", "%(num)d pairs overdue for a meeting", len(late))
    since = min((o.last_held_at for o in late if o.last_held_at is not None), default=None)
    return TodoItem(
        "overdue_meetings",
        program.id,
        program.name,
        title,
        f"/programs/{program.id}/mentorships",
        since=since,
        coordination=True,
        count=len(late),
    )
