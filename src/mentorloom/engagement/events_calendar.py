"""iCalendar for events: the invitation attached to a mail (REQUEST / CANCEL) and the events in a personal feed.

An event is one VEVENT whose UID is `Event.uid` and whose SEQUENCE is bumped on every change, so a calendar
program replaces what it has. Times carry the event's TZID with a VTIMEZONE (made by `meetings.calendar`, the
same text the meetings use). An invitation names the organizer and only its own recipient as attendee: who
else comes is for the coordinators and the organizer to see, not for every calendar.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from icalendar import Event as CalendarEvent
from icalendar import vCalAddress, vText
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.config import Settings
from mentorloom.db import utcnow
from mentorloom.engagement.models import Event, EventAudience, EventInvitation, Rsvp, RsvpAnswer
from mentorloom.i18n import gettext as _
from mentorloom.meetings import calendar
from mentorloom.meetings.feed import FeedPart
from mentorloom.programs.models import Membership

FEED_PAST = timedelta(days=365)  # events that ended longer ago stay out of the feed


def event_path(event: Event) -> str:
    return f"/programs/{event.program_id}/events/{event.id}"


def event_url(settings: Settings, event: Event) -> str:
    return f"{settings.base_url.rstrip('/')}{event_path(event)}"


def _local(moment: datetime, timezone: str) -> datetime:
    """Wall-clock time in the event's zone, or UTC when that wall-clock time names another moment (fall-back)."""
    local = moment.astimezone(ZoneInfo(timezone))
    if local.replace(fold=0).astimezone(UTC) != moment:
        return moment.astimezone(UTC)
    return local


def component(
    settings: Settings,
    event: Event,
    stamp: datetime,
    *,
    organizer: calendar.Person | None = None,
    attendee: calendar.Person | None = None,
    status: str = "",
) -> CalendarEvent:
    """The event as one VEVENT, its texts in the current language."""
    page = event_url(settings, event)
    lines = [event.description] if event.description else []
    if event.online_url:
        lines.append(_("Join online: %(url)s", url=event.online_url))
    lines.append(_("Details and your answer: %(url)s", url=page))
    item = CalendarEvent()
    item.add("uid", event.uid)
    item.add("dtstamp", stamp.astimezone(UTC))
    item.add("sequence", event.sequence)
    item.add("summary", event.title)
    item.add("description", "\n\n".join(lines))
    place = event.location or event.online_url
    if place:
        item.add("location", place)
    item.add("url", page)
    item.add("dtstart", _local(event.starts_at, event.timezone))
    item.add("dtend", _local(event.ends_at, event.timezone))
    if organizer is not None:
        address = vCalAddress(f"mailto:{organizer.email}")
        address.params["cn"] = vText(organizer.name)
        item.add("organizer", address)
    if attendee is not None:
        address = vCalAddress(f"mailto:{attendee.email}")
        address.params.update({"cn": vText(attendee.name), "role": "REQ-PARTICIPANT", "rsvp": "FALSE"})
        item.add("attendee", address, encode=False)
    if event.cancelled_at is not None:
        item.add("status", "CANCELLED")
    elif status:
        item.add("status", status)
    return item


def invitation(settings: Settings, event: Event, organizer: User | None, reader: User) -> bytes:
    """METHOD:REQUEST for a planned or changed event, METHOD:CANCEL for a cancelled one, for `reader`."""
    cancelled = event.cancelled_at is not None
    cal = calendar.new_calendar("CANCEL" if cancelled else "REQUEST")
    if organizer is not None:
        by = calendar.Person(organizer.display_name, organizer.email)
    else:  # the organizer's account is gone: the platform sends it
        name, address = parseaddr(settings.mail_from)
        by = calendar.Person(name or "Mentorloom", address)
    cal.add_component(
        component(settings, event, utcnow(), organizer=by, attendee=calendar.Person(reader.display_name, reader.email))
    )
    calendar.add_timezones(cal, [event.timezone], event.starts_at, event.ends_at)
    return calendar.to_bytes(cal)


def download(settings: Settings, event: Event) -> bytes:
    """The event as a plain calendar file (no METHOD) for "add to my calendar"."""
    cal = calendar.new_calendar()
    cal.add_component(component(settings, event, utcnow()))
    calendar.add_timezones(cal, [event.timezone], event.starts_at, event.ends_at)
    return calendar.to_bytes(cal)


def feed_part(session: Session, settings: Settings, user: User) -> FeedPart:
    """The events of the person's feed, in one query: in their programs, invited (one by one or the whole
    program), answered yes or maybe, or their own; not those they said no to. Cancelled ones stay, as
    STATUS:CANCELLED, so calendars that keep them mark them."""
    since = utcnow() - FEED_PAST
    rows = session.execute(
        select(Event, Rsvp.answer, Rsvp.waiting_since)
        .join(Membership, and_(Membership.program_id == Event.program_id, Membership.user_id == user.id))
        .outerjoin(EventInvitation, and_(EventInvitation.event_id == Event.id, EventInvitation.user_id == user.id))
        .outerjoin(Rsvp, and_(Rsvp.event_id == Event.id, Rsvp.user_id == user.id))
        .where(
            Event.ends_at >= since,
            or_(
                Event.audience == EventAudience.PROGRAM,
                EventInvitation.id.is_not(None),
                Rsvp.answer.in_([RsvpAnswer.YES, RsvpAnswer.MAYBE]),
                Event.created_by_id == user.id,
            ),
            or_(Rsvp.answer.is_(None), Rsvp.answer != RsvpAnswer.NO),
        )
        .order_by(Event.starts_at, Event.id)
    ).all()
    if not rows:
        return FeedPart()
    stamp = utcnow()
    events = []
    for event, answer, waiting_since in rows:
        tentative = answer is RsvpAnswer.MAYBE or (answer is RsvpAnswer.YES and waiting_since is not None)
        confirmed = answer is RsvpAnswer.YES and waiting_since is None
        status = "TENTATIVE" if tentative else "CONFIRMED" if confirmed else ""
        events.append(component(settings, event, stamp, status=status))
    return FeedPart(
        events=events,
        zones={event.timezone for event, _a, _w in rows},
        moments=[rows[0][0].starts_at, max(event.ends_at for event, _a, _w in rows)],
    )
