"""The coordinator's relationship report: one row per pair with counts only, filterable, paged and exportable.

Columns: mentor, mentee, status, start, last meeting held, meetings held against the agreed cadence so far,
goals set and achieved, messages exchanged (a count, never a word), the feedback average and the health band.

The feedback average reads feedback the authors did not keep private, and only from `MIN_FEEDBACK` such answers
of the pair on: below that a mean would come close to one person's answer. Nothing of the pulse appears here.

Every figure comes from a grouped query over the pairs of the page (or, for an export, of the whole filter): a
fixed number of queries whatever the number of pairs.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from mentorloom.accounts.models import User
from mentorloom.db import as_utc, utcnow
from mentorloom.engagement.models import Message
from mentorloom.errors import ValidationFailed
from mentorloom.health import facts
from mentorloom.health.models import PairHealth
from mentorloom.health.score import BANDS
from mentorloom.i18n import gettext as _
from mentorloom.i18n import ngettext
from mentorloom.meetings.models import FeedbackVisibility, Meeting, MeetingFeedback, MeetingStatus
from mentorloom.meetings.recurrence import CADENCE_DAYS
from mentorloom.mentorships.models import Agreement, Goal, GoalStatus, Mentorship, MentorshipStatus
from mentorloom.pagination import PageSlice
from mentorloom.profiles.csv_format import escape_formula
from mentorloom.programs.models import Membership, Program

MIN_FEEDBACK = 5
MAX_QUERY = 100
MAX_QUIET_DAYS = 3650
S = MentorshipStatus
STATUSES: dict[str, tuple[MentorshipStatus, ...]] = {
    "active": (S.ACTIVE,),
    "paused": (S.PAUSED,),
    "completing": (S.COMPLETING,),
    "completed": (S.COMPLETED,),
    "ended_early": (S.ENDED_EARLY,),
    "all": (S.ACTIVE, S.PAUSED, S.COMPLETING, S.COMPLETED, S.ENDED_EARLY),
}


@dataclass(frozen=True)
class ReportFilter:
    status: str = "active"
    band: str = ""  # "" or one of score.BANDS
    quiet_days: int | None = None  # no held meeting for more than this many days
    q: str = ""  # part of the mentor's or mentee's name

    def checked(self) -> ReportFilter:
        """This filter, or a refusal naming the field."""
        if self.status not in STATUSES:
            raise ValidationFailed(_("Choose one of the options."), field="status")
        if self.band and self.band not in BANDS:
            raise ValidationFailed(_("Choose one of the options."), field="band")
        if self.quiet_days is not None and not 1 <= self.quiet_days <= MAX_QUIET_DAYS:
            raise ValidationFailed(_("Enter a number from 1 to %(n)d.", n=MAX_QUIET_DAYS), field="quiet_days")
        if len(self.q) > MAX_QUERY:
            raise ValidationFailed(
                ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.", MAX_QUERY), field="q"
            )
        return self

    def params(self) -> dict[str, str]:
        """As query parameters (for links to other pages and the exports)."""
        out = {"status": self.status, "band": self.band, "q": self.q}
        out["quiet_days"] = "" if self.quiet_days is None else str(self.quiet_days)
        return {k: v for k, v in out.items() if v}


@dataclass(frozen=True)
class ReportRow:
    mentorship_id: int
    mentor: str
    mentee: str
    status: str
    started_at: datetime | None
    last_meeting_at: datetime | None
    meetings_held: int
    meetings_agreed: int
    cadence: str
    goals_set: int
    goals_achieved: int
    messages: int
    feedback_average: float | None  # None below MIN_FEEDBACK non-private answers
    band: str | None  # None: not scored (not under way, or not computed yet)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("started_at", "last_meeting_at"):
            data[key] = data[key].isoformat() if data[key] else None
        if self.feedback_average is not None:
            data["feedback_average"] = round(self.feedback_average, 2)
        return data


_mentor_m, _mentee_m = aliased(Membership), aliased(Membership)
_mentor_u, _mentee_u = aliased(User), aliased(User)
_START = func.coalesce(Mentorship.cycle_started_at, Mentorship.started_at, Mentorship.created_at)


def _last_held(program_id: int) -> Any:
    return (
        select(Meeting.mentorship_id.label("mid"), func.max(Meeting.starts_at).label("last"))
        .where(Meeting.program_id == program_id, Meeting.status == MeetingStatus.HELD)
        .group_by(Meeting.mentorship_id)
        .subquery()
    )


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _base(program_id: int, f: ReportFilter, now: datetime) -> Select[Any]:
    last = _last_held(program_id)
    query = (
        select(
            Mentorship.id,
            _mentor_u.display_name,
            _mentee_u.display_name,
            Mentorship.status,
            _START,
            Mentorship.ended_at,
            last.c.last,
            PairHealth.band,
        )
        .join(_mentor_m, _mentor_m.id == Mentorship.mentor_id)
        .join(_mentor_u, _mentor_u.id == _mentor_m.user_id)
        .join(_mentee_m, _mentee_m.id == Mentorship.mentee_id)
        .join(_mentee_u, _mentee_u.id == _mentee_m.user_id)
        .outerjoin(last, last.c.mid == Mentorship.id)
        .outerjoin(PairHealth, PairHealth.mentorship_id == Mentorship.id)
        .where(Mentorship.program_id == program_id, Mentorship.status.in_(STATUSES[f.status]))
    )
    if f.band:
        query = query.where(PairHealth.band == f.band)
    if f.quiet_days is not None:
        since = now - timedelta(days=f.quiet_days)
        query = query.where(func.coalesce(last.c.last, _START) < since)
    if f.q.strip():
        pattern = _like(f.q.strip().lower())
        query = query.where(
            or_(
                func.lower(_mentor_u.display_name).like(pattern, escape="\\"),
                func.lower(_mentee_u.display_name).like(pattern, escape="\\"),
            )
        )
    return query


_ORDER = (_mentor_u.display_name, _mentee_u.display_name, Mentorship.id)


def page(
    session: Session, program: Program, f: ReportFilter, number: int = 1, per_page: int = 50, *, clamp: bool = True
) -> PageSlice[ReportRow]:
    """One page of the report (a page past the end shows the last one when `clamp`)."""
    now = utcnow()
    query = _base(program.id, f.checked(), now)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    if clamp:
        number = min(max(1, number), pages)
    base_rows = session.execute(query.order_by(*_ORDER).offset((number - 1) * per_page).limit(per_page)).all()
    ids = [r[0] for r in base_rows]
    scope = select(Mentorship.id).where(Mentorship.id.in_(ids))
    return PageSlice(_rows(session, program, base_rows, scope, now), total, number, pages, per_page)


def all_rows(session: Session, program: Program, f: ReportFilter) -> list[ReportRow]:
    """Every row of the filter, for the exports (grouped queries over the filtered pairs, no id list)."""
    now = utcnow()
    query = _base(program.id, f.checked(), now)
    base_rows = session.execute(query.order_by(*_ORDER)).all()
    scope = select(query.order_by(None).subquery().c.id)
    return _rows(session, program, base_rows, scope, now)


def _rows(session: Session, program: Program, base_rows: Any, scope: Select[Any], now: datetime) -> list[ReportRow]:
    if not base_rows:
        return []
    held = _held_in_cycle(session, program.id, scope)
    cadences = facts.agreements(session, scope)
    goals_set, achieved = _goals(session, scope)
    messages = _messages(session, scope)
    feedback = _feedback(session, program.id, scope)
    out = []
    for mid, mentor, mentee, status, started, ended, last, band in base_rows:
        cadence, _confirmed = cadences.get(mid, (program.default_cadence, False))
        start = as_utc(started) if started else None
        end = as_utc(ended) if ended else now
        elapsed = max(0, (end - start).days) if start else 0
        out.append(
            ReportRow(
                mentorship_id=mid,
                mentor=mentor,
                mentee=mentee,
                status=status.value,
                started_at=start,
                last_meeting_at=as_utc(last) if last else None,
                meetings_held=held.get(mid, 0),
                meetings_agreed=elapsed // CADENCE_DAYS[cadence],
                cadence=cadence.value,
                goals_set=goals_set.get(mid, 0),
                goals_achieved=achieved.get(mid, 0),
                messages=messages.get(mid, 0),
                feedback_average=feedback.get(mid),
                band=band,
            )
        )
    return out


def _held_in_cycle(session: Session, program_id: int, scope: Select[Any]) -> dict[int, int]:
    """Held meetings since the start of each pair's current cycle (what the agreed count is measured against)."""
    rows = session.execute(
        select(Meeting.mentorship_id, func.count(Meeting.id))
        .join(Mentorship, Mentorship.id == Meeting.mentorship_id)
        .where(
            Meeting.program_id == program_id,
            Meeting.mentorship_id.in_(scope),
            Meeting.status == MeetingStatus.HELD,
            Meeting.starts_at >= _START,
        )
        .group_by(Meeting.mentorship_id)
    )
    return {mid: n for mid, n in rows}


def _goals(session: Session, scope: Select[Any]) -> tuple[dict[int, int], dict[int, int]]:
    """Goals of each pair's newest agreement of its current cycle (dropped ones left out), and how many achieved."""
    newest = (
        select(Agreement.mentorship_id, func.max(Agreement.id).label("agreement_id"))
        .join(Mentorship, and_(Mentorship.id == Agreement.mentorship_id, Mentorship.cycle == Agreement.cycle))
        .where(Agreement.mentorship_id.in_(scope))
        .group_by(Agreement.mentorship_id)
        .subquery()
    )
    keys = session.execute(
        select(Goal.mentorship_id, Goal.key).join(newest, newest.c.agreement_id == Goal.agreement_id)
    )
    states = facts.goal_states(session, scope)
    total: dict[int, int] = defaultdict(int)
    achieved: dict[int, int] = defaultdict(int)
    for mid, key in keys:
        status, _progress = states.get((mid, key), (GoalStatus.NOT_STARTED, 0))
        if status is GoalStatus.DROPPED:
            continue
        total[mid] += 1
        achieved[mid] += status is GoalStatus.ACHIEVED
    return total, achieved


def _messages(session: Session, scope: Select[Any]) -> dict[int, int]:
    rows = session.execute(
        select(Message.mentorship_id, func.count(Message.id))
        .where(Message.mentorship_id.in_(scope), Message.deleted_at.is_(None))
        .group_by(Message.mentorship_id)
    )
    return {mid: n for mid, n in rows}


def _feedback(session: Session, program_id: int, scope: Select[Any]) -> dict[int, float]:
    """Mean usefulness of the answers not kept private, for pairs with at least MIN_FEEDBACK of them."""
    shared = MeetingFeedback.visibility != FeedbackVisibility.PRIVATE
    rows = session.execute(
        select(
            MeetingFeedback.mentorship_id,
            func.avg(MeetingFeedback.usefulness),
            func.count(MeetingFeedback.id),
        )
        .where(MeetingFeedback.program_id == program_id, MeetingFeedback.mentorship_id.in_(scope), shared)
        .group_by(MeetingFeedback.mentorship_id)
        .having(func.count(MeetingFeedback.id) >= MIN_FEEDBACK)
    )
    return {mid: float(mean) for mid, mean, _n in rows}


# --- exports -------------------------------------------------------------------------------------------------------


def columns() -> list[tuple[str, str]]:
    """(key, heading in the reader's language) of every exported column, in order."""
    return [
        ("mentorship_id", _("Pair ID")),
        ("mentor", _("Mentor")),
        ("mentee", _("Mentee")),
        ("status", _("Status")),
        ("started_at", _("Started")),
        ("last_meeting_at", _("Last meeting held")),
        ("meetings_held", _("Meetings held")),
        ("meetings_agreed", _("Meetings agreed so far")),
        ("cadence", _("Agreed rhythm")),
        ("goals_set", _("Goals set")),
        ("goals_achieved", _("Goals achieved")),
        ("messages", _("Messages exchanged")),
        ("feedback_average", _("Feedback average")),
        ("band", _("Health")),
    ]


def to_csv(rows: list[ReportRow]) -> str:
    """The rows as CSV with headings; a cell that a spreadsheet would run as a formula is disarmed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    cols = columns()
    writer.writerow([heading for _key, heading in cols])
    for row in rows:
        data = row.as_json()
        cells = []
        for key, _heading in cols:
            value = data[key]
            if key in ("started_at", "last_meeting_at") and value:
                value = value[:10]
            cells.append(escape_formula("" if value is None else str(value)))
        writer.writerow(cells)
    return buffer.getvalue()
