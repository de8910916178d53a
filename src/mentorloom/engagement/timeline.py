"""The pair's timeline: meetings, milestones, kudos, reflections, resources, events, goal changes and agreement
versions in one list, newest first, filterable by kind and paginated.

It is read from each domain's own tables, never copied into a table of its own, so a change anywhere (a
reflection made private, an event cancelled) shows at once and nothing can drift. Only the two people of the
pair read it (coordinators get 403, as for meetings): it holds their own words. Each source filters what the
reader may see in its query: a reflection only when shared or the reader's own, a kudos only of this pair,
an event only when one of the two made it or the reader said yes, and the reader may see it.

A pair has at most a few hundred entries over years, so every source is read whole and the page cut in
Python; that keeps one ordering across sources without a UNION of differently shaped tables.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mentorloom.db import as_utc, utcnow
from mentorloom.engagement import milestones
from mentorloom.engagement.models import (
    Event,
    EventAudience,
    EventInvitation,
    Kudos,
    Milestone,
    Reflection,
    ReflectionVisibility,
    Resource,
    Rsvp,
    RsvpAnswer,
)
from mentorloom.i18n import gettext as _
from mentorloom.meetings.models import Meeting, MeetingStatus
from mentorloom.mentorships import goals, queries
from mentorloom.mentorships.access import Seat
from mentorloom.mentorships.models import Agreement, GoalStatus

PER_PAGE = 20
MAX_PER_PAGE = 100


class EntryKind(enum.StrEnum):
    MEETING = "meeting"
    MILESTONE = "milestone"
    KUDOS = "kudos"
    REFLECTION = "reflection"
    RESOURCE = "resource"
    EVENT = "event"
    GOAL = "goal"
    AGREEMENT = "agreement"


@dataclass(frozen=True)
class Entry:
    """One line of the timeline; `title` and `detail` are plain text (escaped where shown)."""

    key: str  # unique within the timeline, e.g. "meeting:12"
    at: datetime
    kind: EntryKind
    title: str
    detail: str = ""
    by: str | None = None
    link: str = ""  # a page of the app, or for a resource the shared http(s) URL (`external`)
    external: bool = False
    private: bool = False  # only the reader sees it (their own private reflection)


@dataclass(frozen=True)
class TimelinePage:
    entries: list[Entry]
    total: int
    page: int
    pages: int
    per_page: int
    kinds: frozenset[EntryKind]


def pair_path(seat: Seat) -> str:
    return f"/programs/{seat.program.id}/mentorships/{seat.mentorship.id}"


def timeline(
    session: Session,
    seat: Seat,
    *,
    kinds: Iterable[EntryKind] = (),
    page: int = 1,
    per_page: int = PER_PAGE,
    now: datetime | None = None,
) -> TimelinePage:
    """One page of the reader's timeline of their pair; `kinds` empty means every kind.

    A page past the end is an empty page (the API's way; pages clamp before calling).
    """
    seat.require_pair()
    wanted = frozenset(kinds) or frozenset(EntryKind)
    now = now or utcnow()
    entries: list[Entry] = []
    for kind in EntryKind:
        if kind in wanted:
            entries.extend(SOURCES[kind](session, seat, now))
    entries.sort(key=lambda e: (as_utc(e.at), e.key), reverse=True)
    per_page = min(max(1, per_page), MAX_PER_PAGE)
    pages = max(1, math.ceil(len(entries) / per_page))
    start = (max(1, page) - 1) * per_page
    return TimelinePage(entries[start : start + per_page], len(entries), max(1, page), pages, per_page, wanted)


# --- the sources ---------------------------------------------------------------------------------------------


def _meetings(session: Session, seat: Seat, now: datetime) -> list[Entry]:
    """Meetings that took place or were missed (what is planned lives on the meetings page)."""
    rows = session.scalars(
        select(Meeting).where(
            Meeting.mentorship_id == seat.mentorship.id,
            Meeting.status.in_((MeetingStatus.HELD, MeetingStatus.MISSED)),
            Meeting.starts_at <= now,
        )
    )
    titles = {MeetingStatus.HELD: _("Meeting held"), MeetingStatus.MISSED: _("Meeting missed")}
    return [
        Entry(
            f"meeting:{m.id}",
            m.starts_at,
            EntryKind.MEETING,
            titles[m.status],
            link=f"{pair_path(seat)}/meetings/{m.id}",
        )
        for m in rows
    ]


def _milestones(session: Session, seat: Seat, now: datetime) -> list[Entry]:
    rows = session.scalars(
        select(Milestone).where(Milestone.mentorship_id == seat.mentorship.id, Milestone.reached_at.is_not(None))
    )
    names = queries.names(seat.mentorship)
    return [
        Entry(
            f"milestone:{m.id}",
            m.reached_at,
            EntryKind.MILESTONE,
            milestones.display_title(m),
            m.note,
            by=names.get(m.reached_by_id),
            link=f"{pair_path(seat)}/milestones",
        )
        for m in rows
        if m.reached_at is not None
    ]


def _kudos(session: Session, seat: Seat, now: datetime) -> list[Entry]:
    rows = session.scalars(select(Kudos).where(Kudos.mentorship_id == seat.mentorship.id)).all()
    names = queries.names(seat.mentorship, session, {k.author_id for k in rows})
    entries = []
    for kudos in rows:
        author = names.get(kudos.author_id) or _("a former participant")
        title = (
            _("Kudos from %(name)s", name=author)
            if kudos.from_side is not None
            else _("Kudos from the program coordination (%(name)s)", name=author)
        )
        entries.append(
            Entry(
                f"kudos:{kudos.id}",
                kudos.created_at,
                EntryKind.KUDOS,
                title,
                kudos.text,
                link=f"{pair_path(seat)}/kudos",
            )
        )
    return entries


def _reflections(session: Session, seat: Seat, now: datetime) -> list[Entry]:
    """Shared reflections, and the reader's own private ones (marked: nobody else sees them)."""
    rows = session.scalars(
        select(Reflection).where(
            Reflection.mentorship_id == seat.mentorship.id,
            or_(Reflection.visibility == ReflectionVisibility.PARTNER, Reflection.author_id == seat.user.id),
        )
    )
    names = queries.names(seat.mentorship)
    return [
        Entry(
            f"reflection:{r.id}",
            r.created_at,
            EntryKind.REFLECTION,
            r.challenge,
            r.learned,
            by=names.get(r.author_id),
            link=f"{pair_path(seat)}/reflections",
            private=r.visibility is ReflectionVisibility.PRIVATE,
        )
        for r in rows
    ]


def _resources(session: Session, seat: Seat, now: datetime) -> list[Entry]:
    rows = session.scalars(select(Resource).where(Resource.mentorship_id == seat.mentorship.id))
    names = queries.names(seat.mentorship)
    return [
        Entry(
            f"resource:{r.id}",
            r.created_at,
            EntryKind.RESOURCE,
            r.title,
            r.why,
            by=names.get(r.shared_by_id),
            link=r.url,
            external=True,
        )
        for r in rows
    ]


def _events(session: Session, seat: Seat, now: datetime) -> list[Entry]:
    """Events one of the two made, or that the reader said yes to (the partner's own answers stay theirs); only
    those the reader may see at all: a mentor's event for another of their mentees stays off this pair's timeline."""
    pair = (seat.mentorship.mentor.user_id, seat.mentorship.mentee.user_id)
    said_yes = select(Rsvp.event_id).where(Rsvp.user_id == seat.user.id, Rsvp.answer == RsvpAnswer.YES)
    invited = select(EventInvitation.event_id).where(EventInvitation.user_id == seat.user.id)
    answered = select(Rsvp.event_id).where(Rsvp.user_id == seat.user.id)
    readable = or_(  # as `events.event_access` decides for someone who does not manage the program
        Event.audience == EventAudience.PROGRAM,
        Event.created_by_id == seat.user.id,
        Event.id.in_(invited),
        Event.id.in_(answered),
    )
    rows = session.scalars(
        select(Event).where(
            Event.program_id == seat.program.id,
            Event.cancelled_at.is_(None),
            or_(Event.created_by_id.in_(pair), Event.id.in_(said_yes)),
            readable,
        )
    )
    return [
        Entry(
            f"event:{e.id}",
            e.starts_at,
            EntryKind.EVENT,
            e.title,
            e.location,
            link=f"/programs/{seat.program.id}/events/{e.id}",
        )
        for e in rows
    ]


def _goals(session: Session, seat: Seat, now: datetime) -> list[Entry]:
    """Goals added, revised (with the reason) and their status changes, from the agreement's own history."""
    phrases: dict[str, Callable[[goals.TimelineEvent], str]] = {
        "added": lambda ev: _("Goal added: %(title)s", title=ev.title),
        "revised": lambda ev: _("Goal changed: %(title)s", title=ev.title),
        "status": lambda ev: _status_phrase(ev),
    }
    return [
        Entry(
            f"goal:{ev.kind}:{ev.goal_key}:{i}",
            ev.at,
            EntryKind.GOAL,
            phrases[ev.kind](ev),
            ev.reason,
            by=ev.by,
            link=f"{pair_path(seat)}#goal-{ev.goal_key}",
        )
        for i, ev in enumerate(goals.timeline(session, seat.mentorship))
        if ev.kind in phrases
    ]


def _status_phrase(ev: goals.TimelineEvent) -> str:
    if ev.status is GoalStatus.ACHIEVED:
        return _("Goal achieved: %(title)s", title=ev.title)
    if ev.status is GoalStatus.DROPPED:
        return _("Goal dropped: %(title)s", title=ev.title)
    return _("Goal under way: %(title)s", title=ev.title)


def _agreements(session: Session, seat: Seat, now: datetime) -> list[Entry]:
    """Each agreement version at the moment the second person confirmed it."""
    rows = session.scalars(
        select(Agreement).where(
            Agreement.mentorship_id == seat.mentorship.id,
            Agreement.confirmed_by_mentor_at.is_not(None),
            Agreement.confirmed_by_mentee_at.is_not(None),
        )
    )
    entries = []
    for a in rows:
        assert a.confirmed_by_mentor_at is not None and a.confirmed_by_mentee_at is not None
        entries.append(
            Entry(
                f"agreement:{a.id}",
                max(as_utc(a.confirmed_by_mentor_at), as_utc(a.confirmed_by_mentee_at)),
                EntryKind.AGREEMENT,
                _("Agreement confirmed (cycle %(cycle)d, version %(version)d)", cycle=a.cycle, version=a.version),
                a.note,
                link=f"{pair_path(seat)}/agreement/versions",
            )
        )
    return entries


SOURCES: dict[EntryKind, Callable[[Session, Seat, datetime], list[Entry]]] = {
    EntryKind.MEETING: _meetings,
    EntryKind.MILESTONE: _milestones,
    EntryKind.KUDOS: _kudos,
    EntryKind.REFLECTION: _reflections,
    EntryKind.RESOURCE: _resources,
    EntryKind.EVENT: _events,
    EntryKind.GOAL: _goals,
    EntryKind.AGREEMENT: _agreements,
}
