"""Goals of the agreement: adding and editing them, revisions of agreed goals with a reason, dated progress.

Goal content lives in each agreement version (matched by `key`); status and progress are a dated log per
key, so they carry across versions and cycles without being part of what the pair confirms.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom import signals
from mentorloom.db import as_utc
from mentorloom.errors import Conflict, NotFound, ValidationFailed, stale
from mentorloom.i18n import gettext as _
from mentorloom.i18n import ngettext
from mentorloom.mentorships import agreements, mails, queries
from mentorloom.mentorships.access import Seat, lock
from mentorloom.mentorships.models import (
    Agreement,
    AgreementStatus,
    Goal,
    GoalProgress,
    GoalRevision,
    GoalStatus,
    Mentorship,
)
from mentorloom.mentorships.validation import Checks, check_text
from mentorloom.profiles.models import TagKind
from mentorloom.profiles.tags import get_or_create_tags
from mentorloom.profiles.vocab import tag_key
from mentorloom.programs.models import Program

MAX_TITLE = 200
MAX_DESCRIPTION = 2000
MAX_CRITERIA = 1000
MAX_REASON = 500
MAX_NOTE = 1000
MAX_GOALS = 20
MAX_SKILLS = 10


def _checked(fields: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    checks = Checks()
    values: dict[str, Any] = {}
    if creating or "title" in fields:
        values["title"] = checks.text(fields.get("title"), "title", MAX_TITLE, required=True)
    if "description" in fields:
        values["description"] = checks.text(fields["description"], "description", MAX_DESCRIPTION)
    if "success_criteria" in fields:
        values["success_criteria"] = checks.text(fields["success_criteria"], "success_criteria", MAX_CRITERIA)
    if "target_date" in fields:
        values["target_date"] = fields["target_date"]
    if "skills" in fields:
        skills = [s.strip() for s in fields["skills"] or [] if s and s.strip()]
        if len(skills) > MAX_SKILLS:
            checks.fail(
                "skills",
                ngettext("Link at most %(num)d skill to a goal.", "Link at most %(num)d skills to a goal.", MAX_SKILLS),
            )
        values["skills"] = skills
    checks.done()
    return values


def _apply(session: Session, goal: Goal, values: Mapping[str, Any]) -> None:
    for field, value in values.items():
        if field != "skills":
            setattr(goal, field, value)
    if "skills" in values:
        try:
            tags = get_or_create_tags(session, TagKind.SKILL, values["skills"])
        except ValidationFailed as exc:
            raise ValidationFailed(exc.detail, field="skills") from exc
        goal.skills = sorted(tags.values(), key=lambda tag: tag.label)


def goal_in(agreement: Agreement, key: str) -> Goal:
    for goal in agreement.goals:
        if goal.key == key:
            return goal
    raise NotFound(_("Goal not found."))


def agreed_keys(session: Session, mentorship: Mentorship) -> set[str]:
    """The goals some confirmed version contained: changing them is a revision with a reason."""
    return set(
        session.scalars(
            select(Goal.key)
            .join(Agreement)
            .where(Goal.mentorship_id == mentorship.id, Agreement.status == AgreementStatus.CONFIRMED)
        )
    )


def _require_fresh(goal: Goal, lock_version: int) -> None:
    if lock_version != goal.lock_version:
        raise stale(
            _("Someone changed this goal meanwhile. Reload it and make your change again."), current=goal.lock_version
        )


def _locked_goal(session: Session, seat: Seat, program: Program, key: str, lock_version: int) -> tuple[Agreement, Goal]:
    """The current agreement and its goal `key`, with the mentorship locked and the client's lock checked."""
    lock(session, seat.mentorship)
    agreements.require_working(seat.mentorship)
    current = agreements.ensure_current(session, seat.mentorship, program)
    assert current is not None
    goal = goal_in(current, key)
    _require_fresh(goal, lock_version)
    return current, goal


def add_goal(session: Session, seat: Seat, program: Program, fields: Mapping[str, Any]) -> Goal:
    """Add a goal to the draft (opening a new version when the agreement was confirmed)."""
    seat.require_pair()
    values = _checked(fields, creating=True)
    lock(session, seat.mentorship)
    draft = agreements.editable_draft(session, seat, program)
    if len(draft.goals) >= MAX_GOALS:
        raise ValidationFailed(
            ngettext(
                "An agreement holds at most %(num)d goal.", "An agreement holds at most %(num)d goals.", MAX_GOALS
            ),
            field="goals",
        )
    goal = Goal(
        mentorship_id=seat.mentorship.id,
        key=uuid.uuid4().hex[:12],
        position=max((g.position for g in draft.goals), default=0) + 1,
        lock_version=1,
    )
    _apply(session, goal, values)
    draft.goals.append(goal)
    agreements.touch(draft)
    agreements.flush(session, draft)
    mails.ask_partner_to_confirm(session, seat, draft)
    return goal


def change_goal(
    session: Session,
    seat: Seat,
    program: Program,
    key: str,
    fields: Mapping[str, Any],
    lock_version: int,
    reason: str | None = None,
) -> Goal:
    """Change a goal's content; an agreed goal needs a reason and keeps its history as a revision."""
    seat.require_pair()
    values = _checked(fields, creating=False)
    reason = check_text(reason, "reason", MAX_REASON)
    _current, goal = _locked_goal(session, seat, program, key, lock_version)
    agreed = key in agreed_keys(session, seat.mentorship)
    if agreed and not reason:
        raise ValidationFailed(_("This goal is already agreed: say briefly why it changes."), field="reason")
    before = agreements.goal_snapshot(goal)
    if all(_same(before[f], v) for f, v in values.items()):
        return goal
    draft = agreements.editable_draft(session, seat, program)
    target = goal_in(draft, key)
    _apply(session, target, values)
    target.lock_version += 1
    agreements.touch(draft)
    agreements.flush(session, draft)
    if agreed or reason:
        session.add(
            GoalRevision(
                mentorship_id=seat.mentorship.id,
                goal_key=key,
                agreement_id=draft.id,
                author_id=seat.user.id,
                reason=reason,
                before=before,
                after=agreements.goal_snapshot(target),
            )
        )
        session.flush()
    mails.ask_partner_to_confirm(session, seat, draft)
    return target


def _same(before: Any, value: Any) -> bool:
    if isinstance(value, list):  # skills: compare as tags do, ignoring case, order and spacing
        return sorted({tag_key(v) for v in before}) == sorted({tag_key(v) for v in value})
    return bool(before == (value.isoformat() if isinstance(value, date) else value))


def remove_goal(session: Session, seat: Seat, program: Program, key: str, lock_version: int) -> Agreement:
    """Take a goal out of the draft; agreed goals are dropped (status) instead, so their history stays."""
    seat.require_pair()
    current, goal = _locked_goal(session, seat, program, key, lock_version)
    if key in agreed_keys(session, seat.mentorship):
        raise Conflict(_("This goal is part of the agreement already: set its status to dropped instead."))
    current.goals.remove(goal)
    agreements.touch(current)
    return agreements.flush(session, current)


@dataclass
class GoalState:
    status: GoalStatus
    progress: int
    updated_at: datetime | None


def states(session: Session, mentorship: Mentorship) -> dict[str, GoalState]:
    """Each goal's status and progress: its newest progress entry."""
    newest = (
        select(func.max(GoalProgress.id))
        .where(GoalProgress.mentorship_id == mentorship.id)
        .group_by(GoalProgress.goal_key)
        .scalar_subquery()
    )
    rows = session.scalars(select(GoalProgress).where(GoalProgress.id.in_(newest)))
    return {row.goal_key: GoalState(row.status, row.progress, row.created_at) for row in rows}


def state_of(session: Session, mentorship: Mentorship, key: str) -> GoalState:
    return states(session, mentorship).get(key, GoalState(GoalStatus.NOT_STARTED, 0, None))


def record_progress(
    session: Session,
    seat: Seat,
    program: Program,
    key: str,
    *,
    progress: int | None = None,
    status: GoalStatus | None = None,
    note: str = "",
) -> GoalProgress:
    """A dated progress entry: new percentage and/or status, with an optional note."""
    seat.require_pair()
    agreements.require_working(seat.mentorship)
    note = check_text(note, "note", MAX_NOTE)
    if progress is not None and not 0 <= progress <= 100:
        raise ValidationFailed(_("Progress is a percentage from 0 to 100."), field="progress")
    if progress is None and status is None and not note:
        raise ValidationFailed(_("Give a progress, a status or a note."), field="progress")
    current = agreements.ensure_current(session, seat.mentorship, program)
    assert current is not None
    goal_in(current, key)
    before = state_of(session, seat.mentorship, key)
    new_progress = before.progress if progress is None else progress
    new_status = status or before.status
    if status is None and new_status is GoalStatus.NOT_STARTED and new_progress > 0:
        new_status = GoalStatus.IN_PROGRESS
    entry = GoalProgress(
        mentorship_id=seat.mentorship.id,
        goal_key=key,
        author_id=seat.user.id,
        status=new_status,
        progress=new_progress,
        note=note,
    )
    session.add(entry)
    session.flush()
    signals.emit(session, "goal_progress", seat.mentorship, goal_key=key, status=new_status.value)
    return entry


def progress_log(session: Session, mentorship: Mentorship, key: str) -> list[GoalProgress]:
    """A goal's progress entries, newest first."""
    return list(
        session.scalars(
            select(GoalProgress)
            .where(GoalProgress.mentorship_id == mentorship.id, GoalProgress.goal_key == key)
            .order_by(GoalProgress.id.desc())
        )
    )


@dataclass
class TimelineEvent:
    at: datetime
    kind: str  # added | revised | status
    goal_key: str
    title: str
    by: str | None = None
    reason: str = ""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    status: GoalStatus | None = None


def timeline(session: Session, mentorship: Mentorship) -> list[TimelineEvent]:
    """How our goals changed: when each was added, every revision (with its reason) and status change."""
    names = queries.names(mentorship)
    events: list[TimelineEvent] = []
    titles: dict[str, str] = {}
    for goal in session.scalars(select(Goal).where(Goal.mentorship_id == mentorship.id).order_by(Goal.id)):
        if goal.key not in titles:
            events.append(TimelineEvent(goal.created_at, "added", goal.key, goal.title))
        titles[goal.key] = goal.title
    revisions = session.scalars(
        select(GoalRevision).where(GoalRevision.mentorship_id == mentorship.id).order_by(GoalRevision.id)
    )
    for rev in revisions:
        events.append(
            TimelineEvent(
                rev.created_at,
                "revised",
                rev.goal_key,
                str(rev.after.get("title", "")),
                names.get(rev.author_id),
                rev.reason,
                rev.before,
                rev.after,
            )
        )
    last: dict[str, GoalStatus] = {}
    for entry in session.scalars(
        select(GoalProgress).where(GoalProgress.mentorship_id == mentorship.id).order_by(GoalProgress.id)
    ):
        if last.get(entry.goal_key, GoalStatus.NOT_STARTED) is not entry.status:
            events.append(
                TimelineEvent(
                    entry.created_at,
                    "status",
                    entry.goal_key,
                    titles.get(entry.goal_key, ""),
                    names.get(entry.author_id),
                    entry.note,
                    status=entry.status,
                )
            )
        last[entry.goal_key] = entry.status
    return sorted(events, key=lambda e: as_utc(e.at))
