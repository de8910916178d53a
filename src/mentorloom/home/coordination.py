"""What needs a program's coordinators: offers nobody answered, pairs still without an agreement, late reviews.

Counted per program in a few queries, not per pair: the header badge asks on every page.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from mentorloom.db import as_utc
from mentorloom.home import meetings
from mentorloom.home.items import TodoItem
from mentorloom.i18n import ngettext
from mentorloom.matching.models import MatchRun, Proposal, ProposalStatus
from mentorloom.mentorships import agreements, reviews
from mentorloom.mentorships.models import Agreement, AgreementStatus, Mentorship, ReviewSubmission
from mentorloom.programs.models import Program

AGREEMENT_WITHIN = timedelta(weeks=2)  # a pair should have confirmed its agreement by then
REVIEW_GRACE = timedelta(weeks=2)  # a review round open this long without both answers is overdue


def items(session: Session, program: Program, now: datetime) -> list[TodoItem]:
    """The coordinator's items of one program; each stands for a count and links to where to look."""
    found = [
        _open_offers(session, program),
        _no_agreement(session, program, now),
        _overdue_reviews(session, program, now),
        meetings.coordination_item(session, program, now),
    ]
    return [item for item in found if item is not None]


def _item(program: Program, kind: str, title: str, url: str, since: datetime | None, count: int) -> TodoItem:
    return TodoItem(kind, program.id, program.name, title, url, since=since, coordination=True, count=count)


def _open_offers(session: Session, program: Program) -> TodoItem | None:
    count, since = session.execute(
        select(func.count(Proposal.id), func.min(MatchRun.published_at))
        .join(MatchRun, MatchRun.id == Proposal.run_id)
        .where(Proposal.program_id == program.id, Proposal.status == ProposalStatus.OFFERED)
    ).one()
    if not count:
        return None
    title = ngettext("%(num)d offer without an answer", "%(num)d offers without an answer", count)
    return _item(program, "open_offers", title, f"/programs/{program.id}/matching", since, count)


def _no_agreement(session: Session, program: Program, now: datetime) -> TodoItem | None:
    confirmed = exists().where(
        Agreement.mentorship_id == Mentorship.id,
        Agreement.cycle == Mentorship.cycle,
        Agreement.status == AgreementStatus.CONFIRMED,
    )
    count, since = session.execute(
        select(func.count(Mentorship.id), func.min(Mentorship.started_at)).where(
            Mentorship.program_id == program.id,
            Mentorship.status.in_(agreements.WORKING),
            Mentorship.started_at <= now - AGREEMENT_WITHIN,
            ~confirmed,
        )
    ).one()
    if not count:
        return None
    title = ngettext(
        "%(num)d pair without a confirmed agreement after two weeks",
        "%(num)d pairs without a confirmed agreement after two weeks",
        count,
    )
    return _item(program, "no_agreement", title, f"/programs/{program.id}/mentorships", since, count)


def _overdue_reviews(session: Session, program: Program, now: datetime) -> TodoItem | None:
    """Pairs whose open review round (as reviews.due counts rounds) still lacks an answer after the grace time."""
    step = reviews.interval(program)
    started = session.execute(
        select(Mentorship.id, Mentorship.started_at).where(
            Mentorship.program_id == program.id,
            Mentorship.status.in_(reviews.REVIEWABLE),
            Mentorship.started_at <= now - step - REVIEW_GRACE,
        )
    ).all()
    late: dict[int, tuple[int, datetime]] = {}
    for mentorship_id, started_at in started:
        if started_at is None:  # excluded by the query; says so to the type checker
            continue
        period = (now - as_utc(started_at)) // step
        opened = as_utc(started_at) + period * step
        if opened + REVIEW_GRACE <= now:
            late[mentorship_id] = (period, opened)
    if late:
        answered = session.execute(
            select(
                ReviewSubmission.mentorship_id, ReviewSubmission.period, func.count(ReviewSubmission.side.distinct())
            )
            .where(ReviewSubmission.mentorship_id.in_(late))
            .group_by(ReviewSubmission.mentorship_id, ReviewSubmission.period)
        ).all()
        for mentorship_id, period, sides in answered:
            if late.get(mentorship_id, (None,))[0] == period and sides >= 2:
                del late[mentorship_id]
    if not late:
        return None
    title = ngettext("%(num)d review overdue", "%(num)d reviews overdue", len(late))
    since = min(opened for _period, opened in late.values())
    # The review results page lists which pairs have not answered yet.
    return _item(program, "overdue_reviews", title, f"/programs/{program.id}/reviews#answered", since, len(late))
