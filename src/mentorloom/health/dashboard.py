"""What the coordinator dashboard reads and does: the band counts, the at-risk list with its reasons, a pair's
detail with the coordination's notes, the nudge mail to a pair, and the notice to the coordination that a partner
of a pair was erased.

The page and the JSON API both call these functions, so they show the same pairs in the same order. The caller
owns the transaction.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from mentorloom.accounts.models import User
from mentorloom.db import as_utc, utcnow
from mentorloom.engagement.celebrations_common import pair_path, tell
from mentorloom.errors import Conflict, NotFound
from mentorloom.health import reasons, service
from mentorloom.health.models import CoordinatorNote, HealthNudge, PairHealth
from mentorloom.health.score import AT_RISK, ATTENTION, PARTNER_ERASED
from mentorloom.i18n import N_
from mentorloom.i18n import gettext as _
from mentorloom.mentorships.models import Mentorship
from mentorloom.notifications.kinds import register_kind
from mentorloom.notifications.service import notify
from mentorloom.programs.mails import mail_locale
from mentorloom.programs.models import Membership, Program, Role

register_kind("health_nudge", N_("A friendly reminder from your program coordination"))
register_kind("pair_partner_erased", N_("A partner's account in a pair was erased"))

LIST_BANDS = {"": (AT_RISK, ATTENTION), AT_RISK: (AT_RISK,), ATTENTION: (ATTENTION,)}
PER_PAGE = 25
REASONS_SHOWN = 3  # in the list; the pair's detail shows all


@dataclass(frozen=True)
class Overview:
    counts: service.BandCounts
    computed_at: datetime | None  # the latest recompute; None before the first


@dataclass(frozen=True)
class FlaggedPair:
    health: PairHealth
    mentorship: Mentorship
    mentor: str
    mentee: str
    reasons: list[reasons.Reason]
    last_nudge: datetime | None
    may_nudge: bool


@dataclass(frozen=True)
class FlaggedPage:
    band: str
    total: int
    page: int
    pages: int
    items: list[FlaggedPair]


@dataclass(frozen=True)
class NoteView:
    note: CoordinatorNote
    author: str | None


@dataclass(frozen=True)
class PairDetail:
    mentorship: Mentorship
    mentor: str
    mentee: str
    health: PairHealth | None  # None: the pair is not under way (paused or ended), so it is not scored
    reasons: list[reasons.Reason]
    notes: list[NoteView]
    last_nudge: datetime | None
    may_nudge: bool


def overview(session: Session, program: Program) -> Overview:
    computed = session.scalar(select(func.max(PairHealth.computed_at)).where(PairHealth.program_id == program.id))
    return Overview(service.band_counts(session, program.id), as_utc(computed) if computed else None)


def flagged_page(session: Session, program: Program, band: str = "", page: int = 1) -> FlaggedPage:
    """One page of the pairs outside "healthy" (or of one band), most urgent first, with their reasons."""
    bands = LIST_BANDS.get(band, LIST_BANDS[""])
    total, _rows = service.flagged(session, program.id, bands=bands, limit=0)
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(1, page), pages)
    total, rows = service.flagged(session, program.id, bands=bands, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
    names = _names(session, [m for _h, m in rows])
    nudged = _last_nudges(session, [m.id for _h, m in rows])
    now = utcnow()
    items = [
        FlaggedPair(
            health=h,
            mentorship=m,
            mentor=names[m.mentor_id],
            mentee=names[m.mentee_id],
            reasons=reasons.reasons(h.components)[:REASONS_SHOWN],
            last_nudge=nudged.get(m.id),
            may_nudge=not reasons.partner_erased(h.components) and _may_nudge(nudged.get(m.id), now),
        )
        for h, m in rows
    ]
    return FlaggedPage(band if band in LIST_BANDS else "", total, page, pages, items)


def pair_detail(session: Session, program: Program, mentorship_id: int) -> PairDetail:
    mentorship = pair_of(session, program, mentorship_id)
    names = _names(session, [mentorship])
    health = service.health_of(session, mentorship)
    last = service.last_nudge(session, mentorship.id)
    notes = service.notes_of(session, mentorship.id)
    authors = _authors(session, [n.author_id for n in notes if n.author_id is not None])
    found = reasons.reasons(health.components) if health else []
    erased = partner_erased(mentorship)
    if erased and not any(r.code == PARTNER_ERASED for r in found):
        found.insert(0, reasons.erased_reason())  # not scored (paused), or erased since the last recompute
    return PairDetail(
        mentorship=mentorship,
        mentor=names[mentorship.mentor_id],
        mentee=names[mentorship.mentee_id],
        health=health,
        reasons=found,
        notes=[NoteView(n, authors.get(n.author_id) if n.author_id else None) for n in notes],
        last_nudge=last,
        may_nudge=health is not None and not erased and _may_nudge(last, utcnow()),
    )


def pair_of(session: Session, program: Program, mentorship_id: int) -> Mentorship:
    """The program's pair, or 404 (another program's pair is not found, not forbidden)."""
    mentorship = session.get(Mentorship, mentorship_id)
    if mentorship is None or mentorship.program_id != program.id:
        raise NotFound(_("Pair not found."))
    return mentorship


def nudge(session: Session, program: Program, mentorship_id: int, by: User) -> HealthNudge:
    """Log the nudge (once a week per pair, `Conflict` otherwise) and send both partners a friendly mail."""
    mentorship = pair_of(session, program, mentorship_id)
    if service.health_of(session, mentorship) is None:
        raise NotFound(_("Only pairs under way can be nudged."))
    if partner_erased(mentorship):
        raise Conflict(_("A partner's account was erased: talk to the other partner instead of nudging the pair."))
    record = service.record_nudge(session, mentorship, by)
    for member in (mentorship.mentor, mentorship.mentee):
        # The key holds the nudge's id: a retried job sends nothing twice, a nudge next month is a new mail.
        tell(
            session, member, mentorship, "health_nudge", f"health-nudge:{record.id}:{member.id}", pair_path(mentorship)
        )
    return record


def partner_erased(mentorship: Mentorship) -> bool:
    return any(member.user.erased_at is not None for member in (mentorship.mentor, mentorship.mentee))


def health_pair_path(mentorship: Mentorship) -> str:
    return f"/programs/{mentorship.program_id}/health/pairs/{mentorship.id}"


def tell_coordinators_partner_erased(session: Session, mentorship: Mentorship) -> int:
    """Tell every coordinator of the program that a partner of this pair under way was erased, naming the other
    partner and linking to the pair's health page; once per pair and coordinator (a re-run sends nothing)."""
    remaining = [m for m in (mentorship.mentor, mentorship.mentee) if m.user.erased_at is None]
    if not remaining:
        return 0  # both gone: nobody is left waiting; the dashboard still marks the pair
    coordinators = session.scalars(
        select(Membership)
        .options(joinedload(Membership.user))
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.program_id == mentorship.program_id,
            Membership.role == Role.COORDINATOR,
            User.erased_at.is_(None),
            User.is_active,
        )
        .order_by(Membership.id)
    )
    path = health_pair_path(mentorship)
    told = 0
    for member in coordinators:
        entry = notify(
            session,
            user=member.user,
            kind="pair_partner_erased",
            key=f"pair-partner-erased:{mentorship.id}:{member.user_id}",
            program_id=mentorship.program_id,
            link=path,
            locale=mail_locale(session, member),
            name=member.user.display_name,
            program_name=member.program.name,
            mentor_name=mentorship.mentor.user.display_name,
            mentee_name=mentorship.mentee.user.display_name,
            partner_name=remaining[0].user.display_name,
            mentorship_id=mentorship.id,
            path=path,
        )
        told += entry is not None
    return told


def add_note(session: Session, program: Program, mentorship_id: int, by: User, text: str) -> CoordinatorNote:
    return service.add_note(session, pair_of(session, program, mentorship_id), by, text)


def _may_nudge(last: datetime | None, now: datetime) -> bool:
    return last is None or now - last >= service.NUDGE_GAP


def _names(session: Session, mentorships: Sequence[Mentorship]) -> dict[int, str]:
    ids = {i for m in mentorships for i in (m.mentor_id, m.mentee_id)}
    if not ids:
        return {}
    rows = session.scalars(select(Membership).options(joinedload(Membership.user)).where(Membership.id.in_(ids)))
    return {member.id: member.user.display_name for member in rows}


def _authors(session: Session, user_ids: list[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(set(user_ids))))
    return {user_id: name for user_id, name in rows}


def _last_nudges(session: Session, mentorship_ids: list[int]) -> dict[int, datetime]:
    if not mentorship_ids:
        return {}
    rows = session.execute(
        select(HealthNudge.mentorship_id, func.max(HealthNudge.sent_at))
        .where(HealthNudge.mentorship_id.in_(mentorship_ids))
        .group_by(HealthNudge.mentorship_id)
    )
    return {mid: as_utc(at) for mid, at in rows if at is not None}
