"""Recompute and read the health of a program's pairs; nudges and coordinator notes.

The daily job recomputes every program; a held meeting, goal progress or a change of state recomputes that one
pair at once (`health.live`). The caller owns the transaction: these functions flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.db import as_utc, lock_row, utcnow
from mentorloom.errors import Conflict, NotFound, ValidationFailed
from mentorloom.health import facts
from mentorloom.health.models import CoordinatorNote, HealthNudge, PairHealth
from mentorloom.health.score import AT_RISK, ATTENTION, HEALTHY, Health, PairFacts, score_pair
from mentorloom.i18n import gettext as _
from mentorloom.i18n import ngettext
from mentorloom.mentorships.models import Mentorship
from mentorloom.programs.models import Program
from mentorloom.programs.schemas import HealthSettings, ProgramSettings

NUDGE_GAP = timedelta(days=7)
MAX_NOTE = 2000


def health_settings(program: Program) -> HealthSettings:
    return ProgramSettings.model_validate(program.settings or {}).health


def recompute_program(session: Session, program: Program, now: datetime | None = None) -> int:
    """Score every pair under way; pairs no longer under way lose their row. Returns how many were scored."""
    now = now or utcnow()
    collected = facts.collect(session, program, now)
    _store(session, program, collected, now, whole_program=True)
    return len(collected)


def recompute_pair(session: Session, mentorship: Mentorship, now: datetime | None = None) -> PairHealth | None:
    """Score one pair (after a held meeting, goal progress or a change of state)."""
    now = now or utcnow()
    program = session.get_one(Program, mentorship.program_id)
    collected = facts.collect(session, program, now, only=mentorship.id)
    if not collected:
        session.execute(delete(PairHealth).where(PairHealth.mentorship_id == mentorship.id))
        return None
    _store(session, program, collected, now, whole_program=False)
    return session.get(PairHealth, mentorship.id, populate_existing=True)


def _store(
    session: Session, program: Program, collected: list[PairFacts], now: datetime, *, whole_program: bool
) -> None:
    settings = health_settings(program)
    ids = [f.mentorship_id for f in collected]
    old = select(PairHealth.mentorship_id, PairHealth.flagged_since).where(PairHealth.program_id == program.id)
    if not whole_program:
        old = old.where(PairHealth.mentorship_id.in_(ids))
    flagged = {mid: since for mid, since in session.execute(old)}
    gone = delete(PairHealth).where(PairHealth.program_id == program.id)
    session.execute(gone if whole_program else gone.where(PairHealth.mentorship_id.in_(ids)))
    rows = [_row(program.id, f, score_pair(f, settings, now), flagged.get(f.mentorship_id), now) for f in collected]
    for start in range(0, len(rows), 2000):
        session.execute(_upsert(session), rows[start : start + 2000])
    session.flush()


def _upsert(session: Session) -> Any:
    """Insert, or overwrite the row a concurrent recompute of the same pair committed after our delete.

    Under READ COMMITTED the delete above cannot see a row another transaction inserts meanwhile (both people
    recording progress at once, or the nightly job beside one of them), so a plain insert would fail.
    """
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        return insert(PairHealth)
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(PairHealth)
    updated = {c.name: stmt.excluded[c.name] for c in PairHealth.__table__.columns if c.name != "mentorship_id"}
    return stmt.on_conflict_do_update(index_elements=["mentorship_id"], set_=updated)


def _row(program_id: int, f: PairFacts, health: Health, flagged_since: datetime | None, now: datetime) -> dict:
    since = None if health.band == HEALTHY else (flagged_since or now)
    return {
        "mentorship_id": f.mentorship_id,
        "program_id": program_id,
        "score": health.score,
        "band": health.band,
        "urgency": health.urgency,
        "components": [c.as_json() for c in health.components],
        "computed_at": now,
        "flagged_since": since,
    }


@dataclass
class BandCounts:
    healthy: int = 0
    attention: int = 0
    at_risk: int = 0

    @property
    def total(self) -> int:
        return self.healthy + self.attention + self.at_risk


def band_counts(session: Session, program_id: int) -> BandCounts:
    # Joined with the pair's state: a pair paused or ended since the last recompute no longer counts.
    rows = session.execute(
        select(PairHealth.band, func.count())
        .join(Mentorship, Mentorship.id == PairHealth.mentorship_id)
        .where(PairHealth.program_id == program_id, Mentorship.status.in_(facts.SCORED))
        .group_by(PairHealth.band)
    )
    counts = BandCounts()
    for band, n in rows:
        if band in (HEALTHY, ATTENTION, AT_RISK):
            setattr(counts, band, n)
    return counts


def flagged(
    session: Session,
    program_id: int,
    *,
    bands: tuple[str, ...] = (AT_RISK, ATTENTION),
    offset: int = 0,
    limit: int = 25,
) -> tuple[int, list[tuple[PairHealth, Mentorship]]]:
    """Pairs outside "healthy", most urgent first, with their mentorship (people loaded by the caller's page)."""
    where = (PairHealth.program_id == program_id, PairHealth.band.in_(bands), Mentorship.status.in_(facts.SCORED))
    joined = select(func.count()).select_from(PairHealth).join(Mentorship, Mentorship.id == PairHealth.mentorship_id)
    total = session.scalar(joined.where(*where)) or 0
    rows = session.execute(
        select(PairHealth, Mentorship)
        .join(Mentorship, Mentorship.id == PairHealth.mentorship_id)
        .where(*where)
        .order_by(PairHealth.urgency.desc(), PairHealth.mentorship_id)
        .offset(offset)
        .limit(limit)
    )
    return total, [(h, m) for h, m in rows]


def health_of(session: Session, mentorship: Mentorship) -> PairHealth | None:
    """The pair's latest health while it is under way (a paused or ended pair has none)."""
    if mentorship.status not in facts.SCORED:
        return None
    return session.get(PairHealth, mentorship.id)


def last_nudge(session: Session, mentorship_id: int) -> datetime | None:
    at = session.scalar(select(func.max(HealthNudge.sent_at)).where(HealthNudge.mentorship_id == mentorship_id))
    return as_utc(at) if at else None


def may_nudge(session: Session, mentorship_id: int, now: datetime | None = None) -> bool:
    last = last_nudge(session, mentorship_id)
    return last is None or (now or utcnow()) - last >= NUDGE_GAP


def record_nudge(session: Session, mentorship: Mentorship, by: User, now: datetime | None = None) -> HealthNudge:
    """Log a nudge (the caller queues the mail); refused within a week of the last one for this pair."""
    now = now or utcnow()
    # Lock the pair's row so two coordinators clicking at once log (and mail) one nudge (SQLite included).
    lock_row(session, Mentorship.cycle, mentorship.id)
    if not may_nudge(session, mentorship.id, now):
        raise Conflict(_("This pair was nudged less than a week ago. Give them a little time."))
    nudge = HealthNudge(mentorship_id=mentorship.id, program_id=mentorship.program_id, by_user_id=by.id, sent_at=now)
    session.add(nudge)
    session.flush()
    return nudge


def add_note(session: Session, mentorship: Mentorship, by: User, text: str) -> CoordinatorNote:
    cleaned = text.strip()
    if not cleaned:
        raise ValidationFailed(_("Please write a note."), field="text")
    if len(cleaned) > MAX_NOTE:
        raise ValidationFailed(
            ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.", MAX_NOTE), field="text"
        )
    note = CoordinatorNote(mentorship_id=mentorship.id, program_id=mentorship.program_id, author_id=by.id, text=cleaned)
    session.add(note)
    session.flush()
    return note


def notes_of(session: Session, mentorship_id: int, limit: int = 20) -> list[CoordinatorNote]:
    return list(
        session.scalars(
            select(CoordinatorNote)
            .where(CoordinatorNote.mentorship_id == mentorship_id)
            .order_by(CoordinatorNote.created_at.desc(), CoordinatorNote.id.desc())
            .limit(limit)
        )
    )


def note_for(session: Session, mentorship_id: int, note_id: int) -> CoordinatorNote:
    note = session.get(CoordinatorNote, note_id)
    if note is None or note.mentorship_id != mentorship_id:
        raise NotFound(_("Note not found."))
    return note
