"""What is waiting for one person, computed once for the home page, the header badge and the API.

Every item is something the caller can do now, with the address where it is done. Items come from the
domain services that own each rule (offers, requests, agreements, fit check, reviews), so "due" means
the same here as on the page where the work happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from mentorloom.accounts.models import User
from mentorloom.db import as_utc, utcnow
from mentorloom.engagement import messages_home
from mentorloom.home import coordination, meetings
from mentorloom.home.items import TodoItem
from mentorloom.i18n import gettext as _
from mentorloom.matching import mentor_requests
from mentorloom.matching.service import offers_for
from mentorloom.mentorships import agreements, fitcheck, reviews
from mentorloom.mentorships.access import Seat, side_of
from mentorloom.mentorships.models import OCCUPYING, AgreementStatus, Mentorship, MentorshipStatus, Side
from mentorloom.permissions import Action, can, visible_programs
from mentorloom.programs.models import Membership, Program, Role

__all__ = ["PairStep", "TodoItem", "pairs_for", "todo_for"]


@dataclass(frozen=True)
class PairStep:
    """One of the caller's running pairs with the next thing to do in it."""

    mentorship_id: int
    program_id: int
    program_name: str
    partner_name: str
    side: Side
    status: MentorshipStatus
    next_step: str
    url: str


def todo_for(session: Session, user: User, now: datetime | None = None) -> list[TodoItem]:
    """Everything waiting for this user, oldest first: their own work, then what needs them as coordinator."""
    now = now or utcnow()
    items: list[TodoItem] = []
    for program, membership in _programs(session, user):
        if membership is not None and membership.role in (Role.MENTOR, Role.MENTEE):
            items += _offers(session, user, program)
            items += _requests(session, program, membership)
            for seat in _seats(session, user, program, membership):
                items += _pair_items(session, seat, now)
        if can(Action.MANAGE_PROGRAM, membership.role if membership else None, admin=user.is_admin):
            items += coordination.items(session, program, now)
    return sorted(items, key=lambda i: (i.coordination, i.since or now))


def pairs_for(session: Session, user: User, todo: list[TodoItem] | None = None) -> list[PairStep]:
    """The caller's own running pairs, each with its next step (the first waiting item, else a steady one)."""
    todo = todo_for(session, user) if todo is None else todo
    first: dict[int, TodoItem] = {}
    for item in todo:
        if item.mentorship_id is not None:
            first.setdefault(item.mentorship_id, item)
    steps = []
    for program, membership in _programs(session, user):
        if membership is None or membership.role not in (Role.MENTOR, Role.MENTEE):
            continue
        for seat in _seats(session, user, program, membership):
            ms, side = seat.mentorship, seat.side
            assert side is not None
            partner = ms.mentee if side is Side.MENTOR else ms.mentor
            waiting = first.get(ms.id)
            steps.append(
                PairStep(
                    ms.id,
                    program.id,
                    program.name,
                    partner.user.display_name,
                    side,
                    ms.status,
                    waiting.title if waiting else _steady_step(ms),
                    waiting.url if waiting else _pair_url(ms),
                )
            )
    return steps


def _programs(session: Session, user: User) -> list[tuple[Program, Membership | None]]:
    """The programs the user may see, with their own membership (none for an administrator looking in)."""
    programs = list(session.scalars(visible_programs(user).order_by(Program.name, Program.id)))
    mine = {
        m.program_id: m
        for m in session.scalars(
            select(Membership).where(Membership.user_id == user.id, Membership.program_id.in_([p.id for p in programs]))
        )
    }
    return [(p, mine.get(p.id)) for p in programs]


def _pair_url(mentorship: Mentorship) -> str:
    return f"/programs/{mentorship.program_id}/mentorships/{mentorship.id}"


def _offers(session: Session, user: User, program: Program) -> list[TodoItem]:
    items = []
    for offer in offers_for(session, user, program.id):
        mine = offer.mentee if offer.mentee.user_id == user.id else offer.mentor
        if mine is None or getattr(offer, f"{mine.role.value}_response") is not None:
            continue  # answered already; now the partner is the one to answer
        items.append(
            TodoItem(
                "offer",
                program.id,
                program.name,
                _("Answer your match suggestion"),
                f"/programs/{program.id}/matching/mine#offer-{offer.id}",
                since=offer.run.published_at or offer.run.created_at,
            )
        )
    return items


def _requests(session: Session, program: Program, membership: Membership) -> list[TodoItem]:
    if membership.role is not Role.MENTOR:
        return []
    return [
        TodoItem(
            "request",
            program.id,
            program.name,
            _("Answer %(name)s's request", name=r.mentee.user.display_name),
            f"/programs/{program.id}/matching/mine",
            since=r.created_at,
            due=r.expires_at,
        )
        for r in mentor_requests.incoming_requests(session, membership.id)
    ]


def _seats(session: Session, user: User, program: Program, membership: Membership) -> list[Seat]:
    """The caller's own mentorships that still take their time (proposed, active, paused, completing)."""
    mentor, mentee = aliased(Membership), aliased(Membership)
    rows = session.scalars(
        select(Mentorship)
        .join(mentor, mentor.id == Mentorship.mentor_id)
        .join(mentee, mentee.id == Mentorship.mentee_id)
        .where(
            Mentorship.program_id == program.id,
            Mentorship.status.in_(OCCUPYING),
            or_(mentor.user_id == user.id, mentee.user_id == user.id),
        )
        .order_by(Mentorship.id)
    )
    return [Seat(ms, user, side_of(ms, user), program, membership.role) for ms in rows]


def _pair_items(session: Session, seat: Seat, now: datetime) -> list[TodoItem]:
    ms, side = seat.mentorship, seat.side
    assert side is not None
    partner = (ms.mentee if side is Side.MENTOR else ms.mentor).user.display_name
    if ms.status is MentorshipStatus.PROPOSED:
        if getattr(ms, f"{side.value}_accepted_at") is None:
            return [_item(seat, "accept", _("Accept the mentorship with %(name)s", name=partner), ms.created_at)]
        return []
    items = []
    agreement = _agreement_item(session, seat, partner)
    if agreement is not None:
        items.append(agreement)
    check = fitcheck.state(session, seat, now)
    if check.due:
        opened = ms.fit_check_opened_at or (as_utc(ms.started_at) + fitcheck.DUE_AFTER if ms.started_at else None)
        items.append(_item(seat, "fit_check", _("Say whether the match with %(name)s fits", name=partner), opened))
    review = reviews.due(session, seat, seat.program, now)
    if review.due:
        items.append(
            _item(
                seat,
                "review",
                _("Review your mentorship with %(name)s", name=partner),
                review.opened_at,
                url=f"{_pair_url(ms)}/reviews/new",
            )
        )
    items += messages_home.pair_items(session, seat, partner)
    items += meetings.pair_items(session, seat, partner, now)
    return items


def _item(seat: Seat, kind: str, title: str, since: datetime | None, *, url: str | None = None) -> TodoItem:
    ms, program = seat.mentorship, seat.program
    return TodoItem(kind, program.id, program.name, title, url or _pair_url(ms), since=since, mentorship_id=ms.id)


def _agreement_item(session: Session, seat: Seat, partner: str) -> TodoItem | None:
    """A draft the caller has not confirmed: to confirm when it has goals, else to write together first."""
    ms, side = seat.mentorship, seat.side
    assert side is not None
    if ms.status not in agreements.WORKING:
        return None
    current = agreements.current(session, ms)
    if current is not None and current.status is AgreementStatus.CONFIRMED:
        return None
    if current is not None and getattr(current, f"confirmed_by_{side.value}_at") is not None:
        return None  # confirmed by the caller; the partner is the one to act
    if current is not None and current.goals:
        title = _("Confirm the agreement with %(name)s", name=partner)
    else:
        title = _("Write your agreement with %(name)s", name=partner)
    since = current.updated_at if current is not None else ms.started_at
    return _item(seat, "agreement", title, since)


def _steady_step(mentorship: Mentorship) -> str:
    if mentorship.status is MentorshipStatus.PROPOSED:
        return _("Waiting for your partner to accept")
    if mentorship.status is MentorshipStatus.PAUSED:
        return _("Paused; resume when you are ready")
    return _("Keep meeting and work on your goals")
