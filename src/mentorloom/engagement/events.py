"""Program events: coordinators plan them for the program, mentors for their own mentees; people answer yes,
no or maybe, and a yes beyond the capacity waits in line.

Who sees an event: the program's coordinators, its creator, the people invited, and for a program-wide event
everyone in the program. Anyone else gets 404, as for another program's data. Who may answer: the people
invited (everyone in the program for a program-wide event).

Seats: every change of answers or capacity locks the event's row first (a no-op UPDATE, as
`mentorships.access.lock` does), so the last seat is given once even when many say yes at the same moment.
A freed seat (a yes turned into no or maybe, a raised capacity) goes to the first person waiting (by
`waiting_since`, then id), who is told. A lowered capacity takes no seat away. Every function leaves the
transaction to its caller.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, joinedload

from mentorloom.accounts.models import User
from mentorloom.config import Settings
from mentorloom.db import lock_row, utcnow
from mentorloom.engagement import events_notices
from mentorloom.engagement.models import Event, EventAudience, EventInvitation, Rsvp, RsvpAnswer
from mentorloom.engagement.schemas.events import EventIn, InviteIn
from mentorloom.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from mentorloom.i18n import N_
from mentorloom.i18n import gettext as _
from mentorloom.meetings import recurrence
from mentorloom.mentorships.models import Mentorship, MentorshipStatus
from mentorloom.notifications.kinds import register_kind
from mentorloom.pagination import PageSlice, paginate
from mentorloom.permissions import Action, can, program_and_membership
from mentorloom.programs.models import Membership, Program, Role

register_kind("event_invitation", N_("You were invited to an event (with a calendar invitation)"))
register_kind("event_updated", N_("An event you were invited to changed"))
register_kind("event_cancelled", N_("An event you were invited to was cancelled"))
register_kind("event_seat_freed", N_("A seat became free for you at an event"))

PER_PAGE = 20
LIVE_PAIRS = (MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED, MentorshipStatus.COMPLETING)
FIRST_YEAR, LAST_YEAR = 2000, 2200
MAX_LENGTH = timedelta(days=31)


# --- who may do what --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgramSeat:
    """The caller in a program: their membership (None for an instance administrator) and whether they manage it."""

    program: Program
    user: User
    membership: Membership | None
    manages: bool

    @property
    def role(self) -> Role | None:
        return self.membership.role if self.membership else None

    @property
    def may_create(self) -> bool:
        return self.manages or self.role is Role.MENTOR


@dataclass(frozen=True)
class Access:
    """The caller's view of one event."""

    seat: ProgramSeat
    event: Event
    invited: bool

    @property
    def user(self) -> User:
        return self.seat.user

    @property
    def is_creator(self) -> bool:
        return self.event.created_by_id is not None and self.event.created_by_id == self.seat.user.id

    @property
    def may_edit(self) -> bool:
        """Change, invite, cancel and see who answered: coordinators and the event's creator."""
        return self.seat.manages or self.is_creator

    @property
    def may_answer(self) -> bool:
        if self.seat.membership is None:
            return False
        return self.invited or self.event.audience is EventAudience.PROGRAM


def program_seat(session: Session, user: User, program_id: int) -> ProgramSeat:
    program, mine = program_and_membership(session, user, program_id)
    manages = can(Action.MANAGE_PROGRAM, mine.role if mine else None, admin=user.is_admin)
    return ProgramSeat(program, user, mine, manages)


def _invited(session: Session, event_id: int, user_id: int) -> bool:
    found = session.scalar(
        select(EventInvitation.id).where(EventInvitation.event_id == event_id, EventInvitation.user_id == user_id)
    )
    return found is not None


def _visible(seat: ProgramSeat) -> Select[Event]:
    query = select(Event).where(Event.program_id == seat.program.id)
    if seat.manages:
        return query
    invited = exists().where(EventInvitation.event_id == Event.id, EventInvitation.user_id == seat.user.id)
    answered = exists().where(Rsvp.event_id == Event.id, Rsvp.user_id == seat.user.id)
    return query.where(
        or_(Event.audience == EventAudience.PROGRAM, Event.created_by_id == seat.user.id, invited, answered)
    )


def event_access(session: Session, user: User, program_id: int, event_id: int) -> Access:
    """The event for this caller, or 404 when they may not see it (or it is another program's)."""
    seat = program_seat(session, user, program_id)
    event = session.get(Event, event_id)
    if event is None or event.program_id != program_id:
        raise NotFound(_("Event not found."))
    invited = _invited(session, event.id, user.id)
    access = Access(seat, event, invited)
    answered = session.scalar(select(Rsvp.id).where(Rsvp.event_id == event.id, Rsvp.user_id == user.id))
    if not (seat.manages or access.is_creator or invited or answered or event.audience is EventAudience.PROGRAM):
        raise NotFound(_("Event not found."))
    return access


def _require_edit(access: Access) -> None:
    if not access.may_edit:
        raise PermissionDenied(_("Only the program's coordinators and whoever created the event may change it."))


# --- listing ------------------------------------------------------------------------------------------------


def list_events(
    session: Session, seat: ProgramSeat, when: Literal["upcoming", "past"], page: int, *, per_page: int = PER_PAGE
) -> PageSlice[Event]:
    """Upcoming events soonest first (still running ones too), past ones latest first."""
    now = utcnow()
    query = _visible(seat)
    if when == "upcoming":
        return paginate(
            session, query.where(Event.ends_at >= now), page, per_page, order_by=[Event.starts_at, Event.id]
        )
    return paginate(
        session, query.where(Event.ends_at < now), page, per_page, order_by=[Event.starts_at.desc(), Event.id.desc()]
    )


def upcoming_for(session: Session, user: User, program_id: int, *, limit: int = 3) -> list[Event]:
    """Upcoming, not cancelled events of the program the person is invited to (or that are program-wide) and did
    not say no to: for the pair home."""
    invited = exists().where(EventInvitation.event_id == Event.id, EventInvitation.user_id == user.id)
    said_no = exists().where(Rsvp.event_id == Event.id, Rsvp.user_id == user.id, Rsvp.answer == RsvpAnswer.NO)
    query = (
        select(Event)
        .where(
            Event.program_id == program_id,
            Event.ends_at >= utcnow(),
            Event.cancelled_at.is_(None),
            or_(Event.audience == EventAudience.PROGRAM, invited),
            ~said_no,
        )
        .order_by(Event.starts_at, Event.id)
        .limit(limit)
    )
    return list(session.scalars(query))


# --- creating and changing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Times:
    starts_at: datetime
    ends_at: datetime


def times_of(body: EventIn) -> Times:
    """Start and end as UTC moments; the zone must exist, the end come after the start, within a month."""
    zone = recurrence.zone(body.timezone, field="timezone")
    start = datetime.fromisoformat(body.starts_at)
    end = datetime.fromisoformat(body.ends_at)
    for name, moment in (("starts_at", start), ("ends_at", end)):
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise ValidationFailed(
                _("Choose a year from %(low)s to %(high)s.", low=FIRST_YEAR, high=LAST_YEAR), field=name
            )
    starts_at, ends_at = recurrence.to_utc(start, zone), recurrence.to_utc(end, zone)
    if ends_at <= starts_at:
        raise ValidationFailed(_("The end must be after the start."), field="ends_at")
    if ends_at - starts_at > MAX_LENGTH:
        raise ValidationFailed(_("An event lasts at most 31 days."), field="ends_at")
    return Times(starts_at, ends_at)


def _check_audience(seat: ProgramSeat, audience: EventAudience) -> None:
    if audience is EventAudience.PROGRAM and not seat.manages:
        raise PermissionDenied(_("Only the program's coordinators may invite the whole program."), field="audience")


def create_event(session: Session, settings: Settings, seat: ProgramSeat, body: EventIn) -> Event:
    """A new event; a program-wide one invites (and mails) everyone in the program."""
    if not seat.may_create:
        raise PermissionDenied(_("Only coordinators and mentors may create events."))
    _check_audience(seat, body.audience)
    times = times_of(body)
    now = utcnow()
    event = Event(
        program_id=seat.program.id,
        created_by_id=seat.user.id,
        title=body.title,
        description=body.description,
        starts_at=times.starts_at,
        ends_at=times.ends_at,
        timezone=body.timezone,
        location=body.location,
        online_url=body.online_url,
        capacity=body.capacity,
        audience=body.audience,
        uid=f"event-{uuid.uuid4().hex}@mentorloom",
        sequence=0,
        created_at=now,
        updated_at=now,
    )
    session.add(event)
    session.flush()
    if event.audience is EventAudience.PROGRAM:
        everyone = _program_user_ids(session, event.program_id) - {seat.user.id}
        events_notices.invited(session, settings, event, everyone, seat.user.display_name)
    return event


def lock(session: Session, event: Event) -> None:
    """Serialise changes to one event's seats until the transaction ends, then re-read it."""
    lock_row(session, Event.sequence, event.id)
    session.refresh(event)


def _require_open(event: Event) -> None:
    if event.cancelled_at is not None:
        raise Conflict(_("This event was cancelled."))


def update_event(session: Session, settings: Settings, access: Access, body: EventIn) -> Event:
    """Change an event: a higher SEQUENCE, an update to everyone who has it; a raised capacity seats people waiting."""
    _require_edit(access)
    event = access.event
    lock(session, event)
    _require_open(event)
    if body.audience is not event.audience:
        _check_audience(access.seat, body.audience)
    times = times_of(body)
    widened = body.audience is EventAudience.PROGRAM and event.audience is not EventAudience.PROGRAM
    narrowed = body.audience is EventAudience.INVITED and event.audience is EventAudience.PROGRAM
    before = _calendar_people(session, event)
    if narrowed:  # who answered was invited then and stays invited: may still change the answer, give a seat back
        _keep_answered_invited(session, event, access.user.id)
    event.title, event.description = body.title, body.description
    event.starts_at, event.ends_at, event.timezone = times.starts_at, times.ends_at, body.timezone
    event.location, event.online_url = body.location, body.online_url
    event.capacity, event.audience = body.capacity, body.audience
    event.sequence += 1
    event.updated_at = utcnow()
    session.flush()
    by = access.user.display_name
    events_notices.updated(session, settings, event, before - {access.user.id}, by)
    if widened:
        newcomers = _program_user_ids(session, event.program_id) - before - {access.user.id}
        events_notices.invited(session, settings, event, newcomers, by)
    fill_seats(session, settings, event)
    return event


def _keep_answered_invited(session: Session, event: Event, by: int) -> None:
    answered = set(session.scalars(select(Rsvp.user_id).where(Rsvp.event_id == event.id)))
    known = set(session.scalars(select(EventInvitation.user_id).where(EventInvitation.event_id == event.id)))
    members = answered & _program_user_ids(session, event.program_id)
    for user_id in sorted(members - known):
        session.add(EventInvitation(event_id=event.id, user_id=user_id, invited_by_id=by))


def cancel_event(session: Session, settings: Settings, access: Access) -> Event:
    """Cancel: METHOD:CANCEL to everyone invited or who said yes or maybe; nobody waits any more."""
    _require_edit(access)
    event = access.event
    lock(session, event)
    _require_open(event)
    people = _calendar_people(session, event, with_no=True)  # a "no" may still have the mailed invitation
    event.cancelled_at = event.updated_at = utcnow()
    event.sequence += 1
    session.flush()
    events_notices.cancelled(session, settings, event, people - {access.user.id}, access.user.display_name)
    return event


def _program_user_ids(session: Session, program_id: int) -> set[int]:
    return set(session.scalars(select(Membership.user_id).where(Membership.program_id == program_id)))


def _calendar_people(session: Session, event: Event, *, with_no: bool = False) -> set[int]:
    """Who has the event in their calendar: invited (everyone, for a program-wide event) or answered yes/maybe;
    not those who said no (unless `with_no`)."""
    people = set(session.scalars(select(EventInvitation.user_id).where(EventInvitation.event_id == event.id)))
    if event.audience is EventAudience.PROGRAM:
        people |= _program_user_ids(session, event.program_id)
    answers = session.execute(select(Rsvp.user_id, Rsvp.answer).where(Rsvp.event_id == event.id)).all()
    said_no = {user_id for user_id, reply in answers if reply is RsvpAnswer.NO}
    people |= {user_id for user_id, _reply in answers}
    return people if with_no else people - said_no


# --- invitations ---------------------------------------------------------------------------------------------


def _my_mentorships(session: Session, seat: ProgramSeat) -> Select[Mentorship]:
    assert seat.membership is not None
    return select(Mentorship).where(
        Mentorship.program_id == seat.program.id,
        Mentorship.mentor_id == seat.membership.id,
        Mentorship.status.in_(LIVE_PAIRS),
    )


@dataclass(frozen=True)
class Invitable:
    """Whom the caller may invite: people (membership, name, role) and pairs (mentorship, mentor, mentee)."""

    people: list[tuple[Membership, str]]
    pairs: list[tuple[Mentorship, str, str]]
    whole_program: bool


def invitable(session: Session, access: Access) -> Invitable:
    """Coordinators: everyone and every pair of the program; a mentor: their own mentees (and those pairs)."""
    _require_edit(access)
    seat = access.seat
    if seat.manages:
        members = session.scalars(
            select(Membership)
            .where(Membership.program_id == seat.program.id)
            .options(joinedload(Membership.user))
            .order_by(Membership.role, Membership.id)
        ).all()
        pairs_query = select(Mentorship).where(
            Mentorship.program_id == seat.program.id, Mentorship.status.in_(LIVE_PAIRS)
        )
    else:
        pairs_query = _my_mentorships(session, seat)
        members = []
    pairs = session.scalars(
        pairs_query.options(
            joinedload(Mentorship.mentor).joinedload(Membership.user),
            joinedload(Mentorship.mentee).joinedload(Membership.user),
        ).order_by(Mentorship.id)
    ).all()
    if not seat.manages:
        members = [p.mentee for p in pairs]
    return Invitable(
        people=[(m, m.user.display_name) for m in members if m.user_id != access.user.id],
        pairs=[(p, p.mentor.user.display_name, p.mentee.user.display_name) for p in pairs],
        whole_program=seat.manages,
    )


def invite(session: Session, settings: Settings, access: Access, body: InviteIn) -> int:
    """Invite people, pairs (both people) or (coordinators) the whole program; each new guest gets a mail."""
    _require_edit(access)
    event = access.event
    seat = access.seat
    lock(session, event)  # two invitations at once (a double click, two coordinators) insert each guest once
    _require_open(event)
    if event.ends_at < utcnow():
        raise Conflict(_("This event is over."))
    if body.whole_program:
        _check_audience(seat, EventAudience.PROGRAM)
    if not (body.membership_ids or body.mentorship_ids or body.whole_program):
        raise ValidationFailed(_("Choose whom to invite."), field="membership_ids")
    user_ids: set[int] = set()
    if body.membership_ids:
        wanted = set(body.membership_ids)
        found = {
            m.id: m.user_id
            for m in session.scalars(
                select(Membership).where(Membership.id.in_(wanted), Membership.program_id == event.program_id)
            )
        }
        if wanted - set(found):
            raise NotFound(_("Participant not found."), field="membership_ids")
        if not seat.manages:
            mine = {m.mentee_id for m in session.scalars(_my_mentorships(session, seat))}
            if wanted - mine:
                raise PermissionDenied(_("You may invite only your own mentees."), field="membership_ids")
        user_ids |= set(found.values())
    if body.mentorship_ids:
        wanted = set(body.mentorship_ids)
        pairs_query = select(Mentorship).where(Mentorship.id.in_(wanted), Mentorship.program_id == event.program_id)
        pairs = {p.id: p for p in session.scalars(pairs_query)}
        if wanted - set(pairs):
            raise NotFound(_("Mentorship not found."), field="mentorship_ids")
        if not seat.manages:
            assert seat.membership is not None
            if any(p.mentor_id != seat.membership.id or p.status not in LIVE_PAIRS for p in pairs.values()):
                raise PermissionDenied(_("You may invite only your own mentees."), field="mentorship_ids")
        membership_ids = {i for p in pairs.values() for i in (p.mentor_id, p.mentee_id)}
        user_ids |= set(session.scalars(select(Membership.user_id).where(Membership.id.in_(membership_ids))))
    before = _calendar_people(session, event, with_no=True)
    if body.whole_program and event.audience is not EventAudience.PROGRAM:
        event.audience = EventAudience.PROGRAM
        event.updated_at = utcnow()
        user_ids |= _program_user_ids(session, event.program_id)
    user_ids.discard(access.user.id)
    if event.created_by_id is not None:
        user_ids.discard(event.created_by_id)
    known = set(session.scalars(select(EventInvitation.user_id).where(EventInvitation.event_id == event.id)))
    if event.audience is EventAudience.INVITED:  # a program-wide event invites everyone by its audience
        for user_id in sorted(user_ids - known):
            session.add(EventInvitation(event_id=event.id, user_id=user_id, invited_by_id=access.user.id))
    session.flush()
    return events_notices.invited(session, settings, event, user_ids - before, access.user.display_name)


# --- answers and seats ----------------------------------------------------------------------------------------


def _seated(session: Session, event_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Rsvp)
            .where(Rsvp.event_id == event_id, Rsvp.answer == RsvpAnswer.YES, Rsvp.waiting_since.is_(None))
        )
        or 0
    )


def _waiting(session: Session, event_id: int) -> Select[Rsvp]:
    return (
        select(Rsvp)
        .where(Rsvp.event_id == event_id, Rsvp.answer == RsvpAnswer.YES, Rsvp.waiting_since.is_not(None))
        .order_by(Rsvp.waiting_since, Rsvp.id)
    )


def _next_in_line(session: Session, event_id: int) -> datetime:
    """Now, or just after the last person waiting: the line stays in the order people joined it."""
    now = utcnow()
    last = session.scalar(
        select(func.max(Rsvp.waiting_since)).where(Rsvp.event_id == event_id, Rsvp.answer == RsvpAnswer.YES)
    )
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=now.tzinfo)
    return max(now, last + timedelta(microseconds=1)) if last is not None else now


def answer(session: Session, settings: Settings, access: Access, reply: RsvpAnswer) -> Rsvp:
    """Record the caller's answer; a yes takes a free seat or joins the waiting list, a freed seat is passed on."""
    if not access.may_answer:
        raise NotFound(_("Event not found."))
    event = access.event
    lock(session, event)
    _require_open(event)
    if event.ends_at < utcnow():
        raise Conflict(_("This event is over."))
    user_id = access.user.id
    mine = session.scalar(select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.user_id == user_id))
    now = utcnow()
    if mine is not None and mine.answer is reply:
        return mine
    had_seat = mine is not None and mine.answer is RsvpAnswer.YES and mine.waiting_since is None
    waiting_since = None
    if reply is RsvpAnswer.YES:  # counted before this answer is written (it holds no seat yet)
        full = event.capacity is not None and _seated(session, event.id) >= event.capacity
        waiting_since = _next_in_line(session, event.id) if full else None
    if mine is None:
        mine = Rsvp(event_id=event.id, user_id=user_id, answer=reply)
        session.add(mine)
    mine.answer, mine.answered_at, mine.waiting_since = reply, now, waiting_since
    session.flush()
    if had_seat:
        fill_seats(session, settings, event)
    return mine


def fill_seats(session: Session, settings: Settings, event: Event) -> list[Rsvp]:
    """Give free seats to the people waiting, first come first served; each is told. The caller holds the lock."""
    if event.cancelled_at is not None:
        return []
    query = _waiting(session, event.id)
    if event.capacity is not None:
        free = event.capacity - _seated(session, event.id)
        if free <= 0:
            return []
        query = query.limit(free)
    promoted = list(session.scalars(query))
    for rsvp in promoted:
        waited_since = rsvp.waiting_since
        assert waited_since is not None
        rsvp.waiting_since = None
        session.flush()
        events_notices.seat_freed(session, settings, event, rsvp.user_id, waited_since)
    return promoted


# --- what a reader sees -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    yes: int
    waiting: int
    maybe: int
    no: int
    invited: int
    seats_left: int | None


def counts(session: Session, event: Event) -> Counts:
    rows = session.execute(
        select(Rsvp.answer, Rsvp.waiting_since.is_not(None), func.count())
        .where(Rsvp.event_id == event.id)
        .group_by(Rsvp.answer, Rsvp.waiting_since.is_not(None))
    ).all()
    tally: dict[tuple[RsvpAnswer, bool], int] = {(a, bool(w)): n for a, w, n in rows}
    yes = tally.get((RsvpAnswer.YES, False), 0)
    if event.audience is EventAudience.PROGRAM:
        invited = (
            session.scalar(
                select(func.count()).select_from(Membership).where(Membership.program_id == event.program_id)
            )
            or 0
        )
    else:
        invited = (
            session.scalar(
                select(func.count()).select_from(EventInvitation).where(EventInvitation.event_id == event.id)
            )
            or 0
        )
    return Counts(
        yes=yes,
        waiting=tally.get((RsvpAnswer.YES, True), 0),
        maybe=sum(n for (a, _w), n in tally.items() if a is RsvpAnswer.MAYBE),
        no=sum(n for (a, _w), n in tally.items() if a is RsvpAnswer.NO),
        invited=invited,
        seats_left=None if event.capacity is None else max(0, event.capacity - yes),
    )


@dataclass(frozen=True)
class MyAnswer:
    rsvp: Rsvp | None
    position: int | None  # on the waiting list, 1 = next

    @property
    def seated(self) -> bool:
        return self.rsvp is not None and self.rsvp.answer is RsvpAnswer.YES and self.rsvp.waiting_since is None


def my_answer(session: Session, event: Event, user: User) -> MyAnswer:
    rsvp = session.scalar(select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.user_id == user.id))
    if rsvp is None or rsvp.answer is not RsvpAnswer.YES or rsvp.waiting_since is None:
        return MyAnswer(rsvp, None)
    ahead = (
        session.scalar(
            select(func.count())
            .select_from(Rsvp)
            .where(
                Rsvp.event_id == event.id,
                Rsvp.answer == RsvpAnswer.YES,
                Rsvp.waiting_since.is_not(None),
                or_(
                    Rsvp.waiting_since < rsvp.waiting_since,
                    and_(Rsvp.waiting_since == rsvp.waiting_since, Rsvp.id < rsvp.id),
                ),
            )
        )
        or 0
    )
    return MyAnswer(rsvp, ahead + 1)


@dataclass(frozen=True)
class Guest:
    membership_id: int | None
    name: str
    answer: RsvpAnswer | None
    waiting_position: int | None


def guests(session: Session, access: Access) -> list[Guest]:
    """Who answered (seated, then waiting in order, maybe, no) and who was invited without answering: for
    coordinators and the event's creator only."""
    _require_edit(access)
    event = access.event
    members = {
        m.user_id: m
        for m in session.scalars(
            select(Membership).where(Membership.program_id == event.program_id).options(joinedload(Membership.user))
        )
    }
    rows = list(session.scalars(select(Rsvp).where(Rsvp.event_id == event.id)))
    seated = sorted((r for r in rows if r.answer is RsvpAnswer.YES and r.waiting_since is None), key=lambda r: r.id)
    waiting = list(session.scalars(_waiting(session, event.id)))
    others = sorted((r for r in rows if r.answer is not RsvpAnswer.YES), key=lambda r: (r.answer != "maybe", r.id))
    result: list[Guest] = []

    def add(user_id: int, reply: RsvpAnswer | None, position: int | None = None) -> None:
        member = members.get(user_id)
        name = member.user.display_name if member else _("A former participant")
        result.append(Guest(member.id if member else None, name, reply, position))

    for r in seated:
        add(r.user_id, r.answer)
    for n, r in enumerate(waiting, start=1):
        add(r.user_id, r.answer, n)
    for r in others:
        add(r.user_id, r.answer)
    answered = {r.user_id for r in rows}
    invited = session.scalars(
        select(EventInvitation.user_id).where(EventInvitation.event_id == event.id).order_by(EventInvitation.id)
    )
    for user_id in invited:
        if user_id not in answered:
            add(user_id, None)
    return result
