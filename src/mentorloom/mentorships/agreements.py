"""The versioned agreement of each cycle: drafting, both confirmations, new versions and their differences.

A confirmed version is never edited: a change opens a copy (version + 1) that both confirm again.
Edits carry the `lock_version` the client read; a stale one answers 409 naming the current version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from mentorloom.accounts.models import User
from mentorloom.db import utcnow
from mentorloom.errors import Conflict, NotFound, ValidationFailed, stale
from mentorloom.i18n import gettext as _
from mentorloom.mentorships import mails
from mentorloom.mentorships.access import Seat, lock
from mentorloom.mentorships.cycles import replan
from mentorloom.mentorships.lifecycle import status_label
from mentorloom.mentorships.models import (
    Agreement,
    AgreementStatus,
    Channel,
    Goal,
    MeetingFormat,
    Mentorship,
    MentorshipStatus,
    ResponseTime,
    Side,
)
from mentorloom.mentorships.validation import Checks, check_text
from mentorloom.programs.models import Cadence, Program

WORKING = frozenset({MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED, MentorshipStatus.COMPLETING})
MAX_EXPECTATIONS = 2000
MAX_FEEDBACK_STYLE = 500
MAX_NOTE = 2000
SHARED_FIELDS = ("cadence", "format", "planned_months")
SIDE_FIELDS = ("expectations", "confidentiality", "preferred_channel", "response_time", "feedback_style")
# Loads versions' goals and their skills in two queries in all, instead of two per version.
WITH_GOALS = selectinload(Agreement.goals).selectinload(Goal.skills)
# The fields compared between versions, in the order people read an agreement.
AGREEMENT_FIELDS = (*SHARED_FIELDS, *(f"{side}_{f}" for side in ("mentor", "mentee") for f in SIDE_FIELDS))


@dataclass
class AgreementChange:
    """What one side changes; None leaves a field as it is. Side fields are the caller's own."""

    lock_version: int
    cadence: Cadence | None = None
    format: MeetingFormat | None = None
    planned_months: int | None = None
    expectations: str | None = None
    confidentiality: bool | None = None
    preferred_channel: Channel | None = None
    response_time: ResponseTime | None = None
    feedback_style: str | None = None
    note: str | None = None


def current(session: Session, mentorship: Mentorship) -> Agreement | None:
    """The newest version of the current cycle (a draft under discussion or the confirmed one)."""
    return session.scalar(
        select(Agreement)
        .options(WITH_GOALS)
        .where(Agreement.mentorship_id == mentorship.id, Agreement.cycle == mentorship.cycle)
        .order_by(Agreement.version.desc())
        .limit(1)
    )


def in_force(session: Session, mentorship: Mentorship) -> Agreement | None:
    """The newest confirmed version of the current cycle: what the pair has agreed."""
    return session.scalar(
        select(Agreement)
        .where(
            Agreement.mentorship_id == mentorship.id,
            Agreement.cycle == mentorship.cycle,
            Agreement.status == AgreementStatus.CONFIRMED,
        )
        .order_by(Agreement.version.desc())
        .limit(1)
    )


def ensure_current(session: Session, mentorship: Mentorship, program: Program) -> Agreement | None:
    """The current agreement, starting a blank draft for a working mentorship that has none yet."""
    agreement = current(session, mentorship)
    if agreement is not None or mentorship.status not in WORKING:
        return agreement
    lock(session, mentorship)
    agreement = current(session, mentorship)
    if agreement is None:
        agreement = _blank(mentorship, program)
        session.add(agreement)
    session.flush()
    return agreement


def _blank(mentorship: Mentorship, program: Program) -> Agreement:
    return Agreement(
        mentorship_id=mentorship.id,
        cycle=mentorship.cycle,
        version=1,
        status=AgreementStatus.DRAFT,
        cadence=program.default_cadence or Cadence.MONTHLY,
        format=MeetingFormat.VIDEO,
        planned_months=program.duration_months,
        lock_version=1,
    )


def no_agreement(mentorship: Mentorship) -> Conflict:
    """The error for a mentorship that has not started yet (its agreement begins when it is active)."""
    return Conflict(
        _(
            "The agreement begins once the mentorship is active; this one is %(current)s.",
            current=status_label(mentorship.status),
        )
    )


def require_working(mentorship: Mentorship) -> None:
    if mentorship.status not in WORKING:
        raise Conflict(
            _(
                "The agreement can only change while the mentorship is active, paused or completing; "
                "it is %(current)s.",
                current=status_label(mentorship.status),
            )
        )


def require_fresh(agreement: Agreement, lock_version: int) -> None:
    """409 when the client edited an older state than the current one."""
    if lock_version != agreement.lock_version:
        raise stale(
            _(
                "Someone changed the agreement meanwhile: it is now at version %(version)d. Reload it and make your "
                "change again.",
                version=agreement.version,
            ),
            current=agreement.lock_version,
        )


def copy_version(
    session: Session,
    source: Agreement,
    by: User | None,
    note: str = "",
    *,
    cycle: int | None = None,
    skip_keys: frozenset[str] | set[str] = frozenset(),
) -> Agreement:
    """A new draft copied from `source` (its goals keep their keys): the next version, or version 1 of a new cycle."""
    copy = Agreement(
        mentorship_id=source.mentorship_id,
        cycle=cycle or source.cycle,
        version=1 if cycle else source.version + 1,
        status=AgreementStatus.DRAFT,
        note=note,
        created_by_id=by.id if by else None,
        # Carried on, so a client holding the old version's lock_version gets a conflict.
        lock_version=source.lock_version + 1,
        **{field: getattr(source, field) for field in AGREEMENT_FIELDS},
    )
    session.add(copy)
    for goal in source.goals:
        if goal.key in skip_keys:
            continue
        copy.goals.append(
            Goal(
                mentorship_id=goal.mentorship_id,
                key=goal.key,
                position=goal.position,
                title=goal.title,
                description=goal.description,
                success_criteria=goal.success_criteria,
                target_date=goal.target_date,
                skills=list(goal.skills),
                lock_version=goal.lock_version,
            )
        )
    session.flush()
    return copy


def editable_draft(session: Session, seat: Seat, program: Program) -> Agreement:
    """The draft to change: the current one, or a new version copied from the confirmed one."""
    seat.require_pair()
    require_working(seat.mentorship)
    agreement = ensure_current(session, seat.mentorship, program)
    assert agreement is not None
    if agreement.status is AgreementStatus.CONFIRMED:
        return copy_version(session, agreement, seat.user)
    return agreement


def touch(agreement: Agreement) -> None:
    """A draft's content changed: confirmations start over and the lock moves on."""
    agreement.confirmed_by_mentor_at = agreement.confirmed_by_mentee_at = None
    agreement.status = AgreementStatus.DRAFT
    agreement.updated_at = utcnow()
    agreement.lock_version += 1


def update(session: Session, seat: Seat, program: Program, change: AgreementChange) -> Agreement:
    """Change the agreement: the draft in place, or (after confirmation) a new version both confirm again."""
    side = seat.require_pair()
    require_working(seat.mentorship)
    values = _checked_values(change, side)
    lock(session, seat.mentorship)
    agreement = ensure_current(session, seat.mentorship, program)
    assert agreement is not None
    require_fresh(agreement, change.lock_version)
    changed = {field: value for field, value in values.items() if getattr(agreement, field) != value}
    if not changed and change.note is None:
        return agreement
    draft = editable_draft(session, seat, program)
    for field, value in changed.items():
        setattr(draft, field, value)
    if change.note is not None:
        draft.note = checked_note(change.note)
    touch(draft)
    flush(session, draft)
    mails.ask_partner_to_confirm(session, seat, draft)
    return draft


def checked_note(note: str) -> str:
    """A version's note, stripped and within its limit."""
    return check_text(note, "note", MAX_NOTE)


def _checked_values(change: AgreementChange, side: Side) -> dict[str, Any]:
    checks = Checks()
    values: dict[str, Any] = {f: getattr(change, f) for f in SHARED_FIELDS if getattr(change, f) is not None}
    if change.planned_months is not None and not 1 <= change.planned_months <= 60:
        checks.fail("planned_months", _("Plan between 1 and 60 months."))
    for field in SIDE_FIELDS:
        value = getattr(change, field)
        if value is None:
            continue
        if field == "expectations":
            value = checks.text(value, field, MAX_EXPECTATIONS)
        elif field == "feedback_style":
            value = checks.text(value, field, MAX_FEEDBACK_STYLE)
        values[f"{side.value}_{field}"] = value
    if change.note is not None:
        checks.text(change.note, "note", MAX_NOTE)
    checks.done()
    return values


def flush(session: Session, agreement: Agreement) -> Agreement:
    """Flush, turning a concurrent save that won the race into the same 409 as a stale lock_version."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(
            _("Someone changed the agreement meanwhile. Reload it and make your change again."), field="lock_version"
        ) from exc
    return agreement


def confirm(session: Session, seat: Seat, program: Program, lock_version: int) -> Agreement:
    """One side confirms the version they read; with both confirmations it is in force."""
    side = seat.require_pair()
    require_working(seat.mentorship)
    lock(session, seat.mentorship)
    agreement = ensure_current(session, seat.mentorship, program)
    assert agreement is not None
    require_fresh(agreement, lock_version)
    if agreement.status is AgreementStatus.CONFIRMED:
        raise Conflict(_("Version %(version)d is already confirmed by both of you.", version=agreement.version))
    if not agreement.goals:
        raise ValidationFailed(_("Add at least one goal before confirming the agreement."), field="goals")
    if getattr(agreement, f"confirmed_by_{side.value}_at") is not None:
        return agreement  # confirming twice changes nothing
    previous = in_force(session, seat.mentorship)
    setattr(agreement, f"confirmed_by_{side.value}_at", utcnow())
    agreement.lock_version += 1
    if agreement.confirmed_by_mentor_at and agreement.confirmed_by_mentee_at:
        agreement.status = AgreementStatus.CONFIRMED
        if previous is None or previous.planned_months != agreement.planned_months:
            replan(seat.mentorship, agreement.planned_months)
    return flush(session, agreement)


def open_version(session: Session, seat: Seat, program: Program, note: str, lock_version: int) -> Agreement:
    """Re-open a confirmed agreement as a new draft version (e.g. because circumstances changed)."""
    seat.require_pair()
    require_working(seat.mentorship)
    note = checked_note(note)
    lock(session, seat.mentorship)
    agreement = ensure_current(session, seat.mentorship, program)
    assert agreement is not None
    require_fresh(agreement, lock_version)
    if agreement.status is AgreementStatus.DRAFT:
        raise Conflict(_("Version %(version)d is still a draft: change that one instead.", version=agreement.version))
    draft = copy_version(session, agreement, seat.user, note)
    mails.tell_partner_about_new_version(session, seat, draft)
    return draft


def draft_with_note(session: Session, seat: Seat, program: Program, note: str) -> Agreement:
    """The draft to discuss a change in, with `note` added (used to turn a review suggestion into a change)."""
    lock(session, seat.mentorship)
    draft = editable_draft(session, seat, program)
    combined = f"{draft.note}\n\n{note}".strip() if draft.note else note
    draft.note = checked_note(combined[:MAX_NOTE])
    touch(draft)
    return flush(session, draft)


def versions(
    session: Session, mentorship: Mentorship, cycle: int | None = None, *, with_goals: bool = True
) -> list[Agreement]:
    """All versions of a cycle (default: the current one), oldest first; `with_goals` loads their goals along."""
    query = (
        select(Agreement)
        .where(Agreement.mentorship_id == mentorship.id, Agreement.cycle == (cycle or mentorship.cycle))
        .order_by(Agreement.version)
    )
    return list(session.scalars(query.options(WITH_GOALS) if with_goals else query))


def current_of_each(session: Session, mentorships: list[Mentorship]) -> dict[int, Agreement]:
    """The current agreement of each mentorship that has one, by mentorship id, in one query (for lists)."""
    newest_first = (
        select(
            Agreement.id,
            func.row_number()
            .over(partition_by=Agreement.mentorship_id, order_by=Agreement.version.desc())
            .label("rank"),
        )
        .join(Mentorship, (Mentorship.id == Agreement.mentorship_id) & (Mentorship.cycle == Agreement.cycle))
        .where(Agreement.mentorship_id.in_([m.id for m in mentorships]))
        .subquery()
    )
    newest = select(Agreement).join(newest_first, newest_first.c.id == Agreement.id).where(newest_first.c.rank == 1)
    return {a.mentorship_id: a for a in session.scalars(newest)}


def version_of(session: Session, mentorship: Mentorship, cycle: int, version: int) -> Agreement:
    agreement = session.scalar(
        select(Agreement).where(
            Agreement.mentorship_id == mentorship.id, Agreement.cycle == cycle, Agreement.version == version
        )
    )
    if agreement is None:
        raise NotFound(_("Agreement version %(version)d not found.", version=version))
    return agreement


def goal_snapshot(goal: Goal) -> dict[str, Any]:
    """A goal's agreed content as plain JSON (for diffs and revision history)."""
    return {
        "title": goal.title,
        "description": goal.description,
        "success_criteria": goal.success_criteria,
        "target_date": goal.target_date.isoformat() if goal.target_date else None,
        "skills": [tag.label for tag in goal.skills],
    }


def _plain(value: Any) -> Any:
    # Dates stay dates: the page shows them in the reader's locale, the API's JSON writes them as ISO anyway.
    return value.value if hasattr(value, "value") else value


def _typed_snapshot(goal: Goal) -> dict[str, Any]:
    """`goal_snapshot` with the target date as a date, not the ISO text stored in the revision history."""
    return {**goal_snapshot(goal), "target_date": goal.target_date}


def diff(before: Agreement, after: Agreement) -> list[dict[str, Any]]:
    """What changed from one version to another, field by field; goals are matched by their key."""
    changes: list[dict[str, Any]] = [
        {"field": f, "before": _plain(getattr(before, f)), "after": _plain(getattr(after, f))}
        for f in AGREEMENT_FIELDS
        if getattr(before, f) != getattr(after, f)
    ]
    old = {g.key: _typed_snapshot(g) for g in before.goals}
    new = {g.key: _typed_snapshot(g) for g in after.goals}
    for key in [*old, *(k for k in new if k not in old)]:
        if key not in new or key not in old:
            changes.append({"field": f"goals.{key}", "before": old.get(key), "after": new.get(key)})
            continue
        changes += [
            {"field": f"goals.{key}.{f}", "before": old[key][f], "after": new[key][f]}
            for f in old[key]
            if old[key][f] != new[key][f]
        ]
    return changes
