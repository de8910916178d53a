"""What the matching pages and the matching API read: runs, a run's proposals and figures, a person's partners.

Both front doors call these, so a page and an endpoint showing the same thing cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, selectinload

from mentorloom.accounts.models import User
from mentorloom.matching.models import MatchRun, Proposal, ProposalStatus, RunStatus
from mentorloom.mentorships.models import OCCUPYING, Mentorship
from mentorloom.pagination import PageSlice, paginate
from mentorloom.programs.models import Membership

# Statuses of a proposal that pairs a mentee with a mentor (proposed, kept, offered or taken).
PAIRED = (ProposalStatus.DRAFT, ProposalStatus.LOCKED, ProposalStatus.OFFERED, ProposalStatus.ACCEPTED)
_PEOPLE = (
    selectinload(Proposal.mentee).selectinload(Membership.user),
    selectinload(Proposal.mentor).selectinload(Membership.user),
)


def recent_runs(session: Session, program_id: int, limit: int) -> list[MatchRun]:
    """The program's latest matching runs, newest first."""
    query = select(MatchRun).where(MatchRun.program_id == program_id).order_by(MatchRun.id.desc()).limit(limit)
    return list(session.scalars(query))


def has_published_run(session: Session, program_id: int) -> bool:
    """Whether the coordinators have published a run of this program yet."""
    query = select(MatchRun.id).where(MatchRun.program_id == program_id, MatchRun.status == RunStatus.PUBLISHED)
    return session.scalar(query.limit(1)) is not None


@dataclass(frozen=True)
class ProposalFilter:
    """Which of a run's proposals to list: a search in both people's names, and the statuses (none: all)."""

    q: str = ""
    statuses: tuple[ProposalStatus, ...] = ()


def proposal_page(
    session: Session, run_id: int, wanted: ProposalFilter, page: int, per_page: int, *, clamp: bool = False
) -> PageSlice[Proposal]:
    """One page of a run's proposals by mentee name, both people loaded; ``clamp`` as in ``paginate``."""
    mentee, mentee_user = aliased(Membership), aliased(User)
    mentor, mentor_user = aliased(Membership), aliased(User)
    query = (
        select(Proposal)
        .join(mentee, Proposal.mentee_id == mentee.id)
        .join(mentee_user, mentee.user_id == mentee_user.id)
        .outerjoin(mentor, Proposal.mentor_id == mentor.id)
        .outerjoin(mentor_user, mentor.user_id == mentor_user.id)
        .where(Proposal.run_id == run_id)
        .options(*_PEOPLE)
    )
    if wanted.statuses:
        query = query.where(Proposal.status.in_(wanted.statuses))
    if wanted.q:
        needle = wanted.q.lower()
        query = query.where(
            func.lower(mentee_user.display_name).contains(needle, autoescape=True)
            | func.lower(mentor_user.display_name).contains(needle, autoescape=True)
        )
    order = (func.lower(mentee_user.display_name), Proposal.id)
    return paginate(session, query, page, per_page, order_by=order, clamp=clamp)


def status_counts(session: Session, run_id: int) -> dict[str, int]:
    """How many proposals of the run are in each status, by status value (statuses without any left out)."""
    rows = session.execute(
        select(Proposal.status, func.count()).where(Proposal.run_id == run_id).group_by(Proposal.status)
    )
    return {status.value: n for status, n in rows}


def average_score(session: Session, run_id: int) -> float | None:
    """The mean score of the run's pairs as they stand now (after locks, rejections and swaps)."""
    average = session.scalar(
        select(func.avg(Proposal.score)).where(Proposal.run_id == run_id, Proposal.status.in_(PAIRED))
    )
    return None if average is None else float(average)


def weak_count(session: Session, run_id: int, minimum: float) -> int:
    """How many of the run's pairs still to be offered score below the program's minimum."""
    return (
        session.scalar(
            select(func.count()).where(
                Proposal.run_id == run_id,
                Proposal.status.in_((ProposalStatus.DRAFT, ProposalStatus.LOCKED)),
                Proposal.mentor_id.is_not(None),
                Proposal.score < minimum,
            )
        )
        or 0
    )


def offers_without_account(session: Session, run_id: int) -> int:
    """How many people in the run's pairs still to be offered have no account yet (their offer mail invites them)."""
    to_offer = select(Proposal.mentee_id, Proposal.mentor_id).where(
        Proposal.run_id == run_id,
        Proposal.status.in_((ProposalStatus.DRAFT, ProposalStatus.LOCKED)),
        Proposal.mentor_id.is_not(None),
    )
    people = {m for row in session.execute(to_offer) for m in row}
    if not people:
        return 0
    return (
        session.scalar(
            select(func.count())
            .select_from(Membership)
            .join(User)
            .where(Membership.id.in_(people), User.password_hash.is_(None))
        )
        or 0
    )


def unmatched_reasons(session: Session, run_id: int) -> list[tuple[str, int]]:
    """(reason code, number of mentees) for the run's mentees left without a mentor."""
    rows = session.execute(
        select(Proposal.unmatched_reason, func.count())
        .where(Proposal.run_id == run_id, Proposal.status == ProposalStatus.UNMATCHED)
        .group_by(Proposal.unmatched_reason)
        .order_by(Proposal.unmatched_reason)
    )
    return [(reason, n) for reason, n in rows]


def swap_candidates(session: Session, proposal: Proposal) -> list[Proposal]:
    """The run's other open proposals this one may exchange mentors with, by mentee name.

    Two pairs without a mentor have nothing to exchange, so an unmatched proposal is only offered matched ones.
    """
    rows = session.scalars(
        select(Proposal)
        .join(Membership, Proposal.mentee_id == Membership.id)
        .join(User, Membership.user_id == User.id)
        .where(
            Proposal.run_id == proposal.run_id,
            Proposal.id != proposal.id,
            Proposal.status.in_((ProposalStatus.DRAFT, ProposalStatus.LOCKED, ProposalStatus.UNMATCHED)),
        )
        .options(*_PEOPLE)
        .order_by(func.lower(User.display_name), Proposal.id)
    )
    return [p for p in rows if p.mentor_id is not None or proposal.mentor_id is not None]


def pairs(session: Session, me: Membership) -> list[tuple[Mentorship, Membership]]:
    """The mentorships ``me`` is in that hold a slot, each with the other person, oldest pair first."""
    rows = session.scalars(
        select(Mentorship)
        .where((Mentorship.mentee_id == me.id) | (Mentorship.mentor_id == me.id), Mentorship.status.in_(OCCUPYING))
        .options(selectinload(Mentorship.mentor).selectinload(Membership.user))
        .options(selectinload(Mentorship.mentee).selectinload(Membership.user))
        .order_by(Mentorship.id)
    )
    return [(m, m.mentor if m.mentee_id == me.id else m.mentee) for m in rows]


def placed_from(session: Session, proposal: Proposal) -> Mentorship | None:
    """The live mentorship an accepted proposal became (None while it waits for an answer, or after it ended)."""
    if proposal.status is not ProposalStatus.ACCEPTED or proposal.mentor_id is None:
        return None
    return session.scalar(
        select(Mentorship)
        .where(
            Mentorship.mentee_id == proposal.mentee_id,
            Mentorship.mentor_id == proposal.mentor_id,
            Mentorship.status.in_(OCCUPYING),
        )
        .order_by(Mentorship.id.desc())
        .limit(1)
    )
