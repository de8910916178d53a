"""The personal calendar feed (/ical/<token>.ics) and the calendar attached to invitation mails.

A feed token is a secret URL: only its SHA-256 is stored, so the link is shown once when it is made; making a
new one (rotate) or revoking it stops the old link at once.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from icalendar import Event as CalendarEvent
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from mentorloom.accounts.models import User
from mentorloom.accounts.security import token_digest
from mentorloom.config import Settings
from mentorloom.db import utcnow
from mentorloom.i18n import gettext as _
from mentorloom.meetings import calendar, video
from mentorloom.meetings.models import CalendarFeed, Meeting, MeetingSeries, MeetingStatus
from mentorloom.mentorships.models import MeetingFormat, Mentorship
from mentorloom.programs.models import Membership

USED_PRECISION = timedelta(hours=1)  # calendar programs poll often; note the use at most hourly


def new_token(session: Session, user: User) -> str:
    """Make (or replace) the user's feed token; returns the raw token, which is not kept."""
    raw = secrets.token_urlsafe(32)
    session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    session.add(CalendarFeed(user_id=user.id, token_hash=token_digest(raw)))
    session.flush()
    return raw


def revoke(session: Session, user: User) -> None:
    session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))


def feed_of(session: Session, user: User) -> CalendarFeed | None:
    return session.get(CalendarFeed, user.id)


def user_for_token(session: Session, raw: str) -> User | None:
    if not raw or len(raw) > 100:
        return None
    feed = session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == token_digest(raw)))
    if feed is None:
        return None
    user = session.get(User, feed.user_id)
    if user is None or not user.is_active:
        return None
    now = utcnow()
    if feed.last_used_at is None or now - feed.last_used_at > USED_PRECISION:
        feed.last_used_at = now
    return user


def feed_url(settings: Settings, raw: str) -> str:
    return f"{settings.base_url.rstrip('/')}/ical/{raw}.ics"


# --- what a calendar shows --------------------------------------------------------------------------


def partner_name(mentorship: Mentorship, reader: User) -> str:
    other = mentorship.mentee if mentorship.mentor.user_id == reader.id else mentorship.mentor
    return other.user.display_name


def meeting_page(settings: Settings, mentorship: Mentorship) -> str:
    return f"{settings.base_url.rstrip('/')}/programs/{mentorship.program_id}/mentorships/{mentorship.id}/meetings"


def event_text(
    session: Session,
    settings: Settings,
    mentorship: Mentorship,
    reader: User,
    fmt: MeetingFormat,
    location: str,
    *,
    with_people: bool = False,
) -> calendar.EventText:
    """Summary, description and place of a pair's meeting, in the reader's language (set by the caller)."""
    page = meeting_page(settings, mentorship)
    lines = [_("Your mentoring meeting. Agenda and notes: %(url)s", url=page)]
    place = location
    if fmt is MeetingFormat.VIDEO:
        place = video.video_url(settings, video.pair_settings(session, mentorship))
        lines.insert(0, _("Video call: %(url)s", url=place))
    elif fmt is MeetingFormat.PHONE:
        lines.insert(0, _("Phone call"))
    elif fmt is MeetingFormat.ASYNC:
        lines.insert(0, _("Written check-in: write to each other on the meeting page."))
    people = (mentorship.mentor.user, mentorship.mentee.user)
    return calendar.EventText(
        summary=_("Mentoring: %(name)s", name=partner_name(mentorship, reader)),
        description="\n".join(lines),
        location=place,
        url=page,
        organizer=calendar.Person(people[0].display_name, people[0].email) if with_people else None,
        attendees=tuple(calendar.Person(p.display_name, p.email) for p in people) if with_people else (),
    )


# --- the feed -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedPart:
    """What another package adds to a person's feed: its VEVENTs, the zones they name, their first and last start."""

    events: Sequence[CalendarEvent] = ()
    zones: Collection[str] = ()
    moments: Sequence[datetime] = field(default_factory=tuple)


# Packages above meetings (engagement's events) add to the feed without meetings importing them: each registers
# a function (session, settings, user) -> FeedPart when its views are imported (the app imports them at start).
# By name, so importing a module again replaces its entry. A source should answer with one query.
FeedSource = Callable[[Session, Settings, User], FeedPart]
_sources: dict[str, FeedSource] = {}


def register_feed_source(name: str, source: FeedSource) -> None:
    _sources[name] = source


def feed_sources() -> list[FeedSource]:
    return list(_sources.values())


def mentorships_of(session: Session, user: User) -> list[Mentorship]:
    mentor, mentee = aliased(Membership), aliased(Membership)
    return list(
        session.scalars(
            select(Mentorship)
            .join(mentor, mentor.id == Mentorship.mentor_id)
            .join(mentee, mentee.id == Mentorship.mentee_id)
            .where(or_(mentor.user_id == user.id, mentee.user_id == user.id))
            .options(
                joinedload(Mentorship.mentor).joinedload(Membership.user),
                joinedload(Mentorship.mentee).joinedload(Membership.user),
            )
        )
    )


def build_feed(session: Session, settings: Settings, user: User) -> bytes:
    """All meetings of all the user's mentorships, in every program, as one calendar (and what sources add)."""
    pairs = {m.id: m for m in mentorships_of(session, user)}
    cal = calendar.new_calendar()
    cal.add("x-wr-calname", _("Mentoring"))
    parts = [source(session, settings, user) for source in _sources.values()]
    if not pairs and not any(part.events for part in parts):
        return calendar.to_bytes(cal)
    all_series: list[MeetingSeries] = []
    rows: list[Meeting] = []
    if pairs:
        all_series = list(session.scalars(select(MeetingSeries).where(MeetingSeries.mentorship_id.in_(pairs))))
        rows = list(session.scalars(select(Meeting).where(Meeting.mentorship_id.in_(pairs)).order_by(Meeting.id)))
    by_series: dict[int, list[Meeting]] = defaultdict(list)
    singles: list[Meeting] = []
    for meeting in rows:
        if meeting.series_id is not None:
            by_series[meeting.series_id].append(meeting)
        elif meeting.status is not MeetingStatus.CANCELLED:
            singles.append(meeting)
    stamp = utcnow()
    zones: set[str] = set()
    starts = [m.starts_at for m in rows] or [stamp]
    # The same text for every meeting of a pair in the same format and place: made once, not once per event
    # (each asked the database for the pair's video room).
    texts: dict[tuple[int, MeetingFormat, str], calendar.EventText] = {}

    def text_of(mentorship_id: int, fmt: MeetingFormat, location: str) -> calendar.EventText:
        key = (mentorship_id, fmt, location)
        if key not in texts:
            texts[key] = event_text(session, settings, pairs[mentorship_id], user, fmt, location)
        return texts[key]

    for item in all_series:
        text = text_of(item.mentorship_id, item.format, item.location)
        for event in calendar.series_events(item, by_series[item.id], text, stamp):
            cal.add_component(event)
        zones.add(item.timezone)
    for meeting in singles:
        cal.add_component(
            calendar.single_event(meeting, text_of(meeting.mentorship_id, meeting.format, meeting.location), stamp)
        )
        zones.add(meeting.timezone)
    for part in parts:
        for component in part.events:
            cal.add_component(component)
        zones.update(part.zones)
        starts += list(part.moments)
    calendar.add_timezones(cal, zones, min(starts), max(starts))
    return calendar.to_bytes(cal)


# --- invitations ----------------------------------------------------------------------------------------


def series_invitation(
    session: Session, settings: Settings, item: MeetingSeries, occurrences: Sequence[Meeting], reader: User
) -> bytes:
    """METHOD:REQUEST with the whole series (a replaced series: its shortened rule, a higher SEQUENCE)."""
    mentorship = session.get(Mentorship, item.mentorship_id)
    assert mentorship is not None
    cal = calendar.new_calendar("REQUEST")
    text = event_text(session, settings, mentorship, reader, item.format, item.location, with_people=True)
    for event in calendar.series_events(item, occurrences, text, utcnow()):
        cal.add_component(event)
    starts = [m.starts_at for m in occurrences] or [utcnow()]
    calendar.add_timezones(cal, [item.timezone], min(starts), max(starts))
    return calendar.to_bytes(cal)


def series_cancellation(session: Session, settings: Settings, item: MeetingSeries, reader: User) -> bytes:
    """METHOD:CANCEL of a whole series (none of its meetings is left)."""
    mentorship = session.get(Mentorship, item.mentorship_id)
    assert mentorship is not None
    cal = calendar.new_calendar("CANCEL")
    text = event_text(session, settings, mentorship, reader, item.format, item.location, with_people=True)
    event = calendar.cancelled_series_event(item, text, utcnow())
    cal.add_component(event)
    start = event.decoded("dtstart")
    calendar.add_timezones(cal, [item.timezone], start, start)
    return calendar.to_bytes(cal)


def meeting_invitation(session: Session, settings: Settings, meeting: Meeting, reader: User) -> bytes:
    """One meeting: REQUEST when it is (re)scheduled, CANCEL when it was cancelled."""
    mentorship = session.get(Mentorship, meeting.mentorship_id)
    assert mentorship is not None
    cancelled = meeting.status is MeetingStatus.CANCELLED
    cal = calendar.new_calendar("CANCEL" if cancelled else "REQUEST")
    text = event_text(session, settings, mentorship, reader, meeting.format, meeting.location, with_people=True)
    stamp = utcnow()
    parent = session.get(MeetingSeries, meeting.series_id) if meeting.series_id else None
    event = (
        calendar.occurrence_event(parent, meeting, text, stamp)
        if parent
        else calendar.single_event(meeting, text, stamp)
    )
    if cancelled:
        event.add("status", "CANCELLED")
    cal.add_component(event)
    moments = [meeting.starts_at, meeting.original_start or meeting.starts_at]
    calendar.add_timezones(cal, [parent.timezone if parent else meeting.timezone], min(moments), max(moments))
    return calendar.to_bytes(cal)
