"""What meetings add to the mentorship pages through `mentorships.extensions`: a card on the pair home and an
"overdue" flag on the mentorship list.

The pair sees their next meeting, whether they are overdue and their feedback trend; a coordinator looking at the
pair sees only the overdue figures, as the API gives them (the meetings themselves are the pair's own).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.i18n import gettext as _
from mentorloom.meetings import display, overdue, series, service
from mentorloom.meetings.models import Meeting, MeetingStatus
from mentorloom.meetings.overdue import Overdue
from mentorloom.mentorships import agreements
from mentorloom.mentorships.access import Seat
from mentorloom.mentorships.extensions import Panel, RowFlag
from mentorloom.mentorships.models import Mentorship, MentorshipStatus
from mentorloom.programs.models import Program

SHOWN = frozenset({MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED, MentorshipStatus.COMPLETING})
TREND_POINTS = 8


@dataclass(frozen=True)
class PairPanel:
    url: str
    next: Meeting | None
    next_when: str
    planned: bool  # a series is running
    can_plan: bool  # active with a confirmed agreement
    partner_erased: bool  # nobody can meet them: no next meeting, nothing to plan
    overdue: str  # the sentence, when overdue
    spark: display.Spark | None
    trend_label: str


@dataclass(frozen=True)
class CoordinatorPanel:
    overdue: bool
    text: str


def _url(seat: Seat) -> str:
    return f"/programs/{seat.program.id}/mentorships/{seat.mentorship.id}/meetings"


def pair_panel(session: Session, seat: Seat) -> Panel | None:
    """The meetings card of the pair home; for coordinators, the overdue figures only."""
    mentorship = seat.mentorship
    if mentorship.status not in SHOWN:
        return None
    figures = overdue.status_of(session, seat.program, mentorship)
    if not seat.in_pair:
        return Panel("meetings/_panel_coordinator.html", _coordinator(figures), place="aside")
    gone = series.one_side_erased(mentorship)
    nxt = None if gone else service.next_meeting(session, seat)
    spark = display.sparkline(service.feedback_trend(session, seat, limit=TREND_POINTS))
    data = PairPanel(
        url=_url(seat),
        next=nxt,
        next_when=display.moment_text(nxt.starts_at) if nxt else "",
        planned=series.active_series(session, mentorship) is not None,
        can_plan=not gone
        and mentorship.status is MentorshipStatus.ACTIVE
        and agreements.in_force(session, mentorship) is not None,
        partner_erased=gone,
        overdue=display.overdue_sentence(figures, own=True) if figures and figures.overdue and not gone else "",
        spark=spark,
        trend_label=_trend_label(spark),
    )
    return Panel("meetings/_panel.html", data)


def _coordinator(figures: Overdue | None) -> CoordinatorPanel:
    if figures is None:
        return CoordinatorPanel(False, _("Meetings are counted while the mentorship is active."))
    if figures.overdue:
        return CoordinatorPanel(True, display.overdue_sentence(figures, own=False))
    return CoordinatorPanel(False, _("The pair meets as agreed."))


def _trend_label(spark: display.Spark | None) -> str:
    if spark is None:
        return ""
    mine = ", ".join(str(v) for v in spark.scores)
    if spark.partner_scores:
        theirs = ", ".join(str(v) for v in spark.partner_scores)
        return _("Your last scores: %(a)s. Your partner's: %(b)s.", a=mine or "–", b=theirs)
    return _("Your last scores: %(a)s.", a=mine or "–")


def overdue_flags(session: Session, program: Program, mentorships: Sequence[Mentorship]) -> dict[int, list[RowFlag]]:
    """An "Overdue" badge on each pair of the list with no meeting held for too long (two queries for the list)."""
    figures = overdue.statuses(session, program, list(mentorships))
    return {
        mentorship_id: [RowFlag(_("Overdue"), display.overdue_sentence(o, own=False))]
        for mentorship_id, o in figures.items()
        if o.overdue
    }


def meeting_planned(session: Session, seat: Seat) -> bool:
    """For the pair home's first steps: a meeting of the pair is planned or took place (not only cancelled ones)."""
    found = session.scalar(
        select(Meeting.id)
        .where(Meeting.mentorship_id == seat.mentorship.id, Meeting.status != MeetingStatus.CANCELLED)
        .limit(1)
    )
    return found is not None
