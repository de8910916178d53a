"""The export is complete by construction: every table holding a person's data is exported or left out on purpose.

A table is "a person's data" when one of its columns is a foreign key to users, memberships or mentorships (the
person, their place in a program, the pair they are one of). Each such table is either in EXPORTED, with where its
rows appear in `collect()`'s JSON (checked with a distinctive value from a real row of the person), or in EXCLUDED
with the reason. A new model with such a key and neither entry fails here, naming the table.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

import mentorloom.models  # noqa: F401  (every model registered on Base.metadata)
from mentorloom.accounts.service import create_api_token
from mentorloom.audit.models import AuditAction
from mentorloom.audit.service import record
from mentorloom.db import Base, utcnow
from mentorloom.engagement.models import (
    Event,
    EventInvitation,
    Milestone,
    PairEngagementSettings,
    Resource,
    Rsvp,
    RsvpAnswer,
)
from mentorloom.matching.models import (
    MatchPreference,
    MatchRun,
    MentorRequest,
    PreferenceKind,
    Proposal,
    ProposalStatus,
    Response,
)
from mentorloom.meetings.models import ActionItem, CalendarFeed, MeetingSeries
from mentorloom.mentorships.models import (
    FitCheckAnswer,
    GoalRevision,
    MeetingFormat,
    MentorshipStatus,
    MentorshipTransition,
    Side,
)
from mentorloom.notifications.models import DeliveryMode, Notification, NotificationPreference
from mentorloom.privacy.export import collect
from mentorloom.profiles.models import Profile
from mentorloom.programs.models import Cadence, Role
from tests.factories import make_membership, make_token, make_user
from tests.privacy.helpers import World, build_world
from tests.privacy.test_export import unzip

pytestmark = pytest.mark.anyio

# A foreign key to one of these makes a table a person's data.
PERSON_TABLES = ("users", "memberships", "mentorships")

# table -> where its rows appear in collect()'s JSON ("*" walks a list); a table shown in two places has both.
EXPORTED: dict[str, tuple[str, ...]] = {
    "users": ("account",),
    "api_tokens": ("account.api_tokens",),  # name and prefix, never the hash
    "calendar_feeds": ("account.calendar_feed",),  # dates only, never the hash
    "memberships": ("memberships",),
    "profiles": ("memberships.*.profile",),
    "mentorships": ("mentorships",),
    "mentorship_transitions": ("mentorships.*.transitions",),
    "agreements": ("mentorships.*.agreements",),
    "goals": ("mentorships.*.agreements.*.goals",),
    "goal_progress": ("mentorships.*.goal_progress",),
    "goal_revisions": ("mentorships.*.goal_revisions",),
    "fit_check_answers": ("mentorships.*.fit_check",),  # the person's own side only
    "retrospectives": ("mentorships.*.retrospectives",),
    "review_submissions": ("mentorships.*.reviews",),  # the partner's only when shared
    "meeting_series": ("mentorships.*.meeting_series",),
    "meetings": ("mentorships.*.meetings",),
    "meeting_agenda_items": ("mentorships.*.meetings.*.agenda",),
    "meeting_private_notes": ("mentorships.*.meetings.*.my_private_note",),  # the person's own only
    "meeting_feedback": ("mentorships.*.meetings.*.feedback",),  # the partner's only when shared
    "meeting_action_items": ("mentorships.*.action_items",),
    "reflections": ("mentorships.*.reflections",),  # the partner's only when shared
    "kudos": ("mentorships.*.kudos",),
    "pair_messages": ("mentorships.*.messages",),
    "milestones": ("mentorships.*.milestones",),
    "resources": ("mentorships.*.resources", "library_resources"),
    "health_pulses": ("mentorships.*.pulses",),  # the mentee's own answers
    "pair_engagement_settings": ("mentorships.*.shares_celebrations",),  # the person's own consent only
    "mentor_requests": ("mentor_requests",),
    "match_preferences": ("avoid_list",),  # the person's own list; being on someone else's list is theirs
    "proposals": ("match_offers",),  # only offers shown to the person, see EXCLUDED for the rest
    "event_invitations": ("events",),
    "event_rsvps": ("events",),
    "notifications": ("notifications.entries",),
    "notification_preferences": ("notifications.preferences",),
    "audit_events": ("audit_events",),  # the events the person caused
}

# table -> why it is not in the export. Each reason is a decision: review it when the table changes.
EXCLUDED: dict[str, str] = {
    "user_sessions": "secrets: only session token hashes and expiry; sign-ins are in the exported audit events",
    "pair_meeting_settings": "secret: the unguessable video room name opens the pair's room; the link is in mails",
    "pair_message_cursors": "bookkeeping: ids of the last message read and mailed, no content of the person's",
    "events": "created_by_id is the organising coordinator's work record; invitees get the event via "
    "event_invitations and event_rsvps",
    "health_notes": "coordination notes about a pair: never exported, not to the pair nor to their author",
    "health_nudges": "a coordinator's nudge of a pair; the nudge mail itself is in the pair's exported mails",
    "health_weight_changes": "program matching weights a coordinator applied: program settings, in the audit log",
    "health_inactivity_warnings": "bookkeeping of the warning mail before an automatic end; the mail is exported",
    "pair_health": "the coordination's health score of a pair, never shown to the pair",
    "match_scores": "the coordination's evidence figures per placed pair (criteria scores), never shown to the pair",
    "match_runs": "a coordinator's matching run: program working material; offers from it are in match_offers",
    "import_jobs": "a coordinator's upload of participant files: other people's data",
}
# proposals appear only in part: drafts, locked, rejected and unmatched ones are the coordination's working
# material and never shown to the person; offered, accepted and declined ones are exported as match_offers.

_seq = itertools.count(1)


def person_tables() -> dict[str, list[str]]:
    """Every table with a foreign key to a person table -> those columns ("table.column")."""
    found: dict[str, list[str]] = {}
    for table in Base.metadata.sorted_tables:
        keys = [
            f"{column.name} -> {key.column.table.name}"
            for column in table.columns
            for key in column.foreign_keys
            if key.column.table.name in PERSON_TABLES
        ]
        if keys or table.name in PERSON_TABLES:
            found[table.name] = keys
    return found


def test_every_table_of_a_persons_data_is_exported_or_excluded_with_a_reason() -> None:
    tables = person_tables()
    unclassified = {name: keys for name, keys in tables.items() if name not in EXPORTED and name not in EXCLUDED}
    assert not unclassified, (
        "tables holding a person's data that the export neither covers nor excludes (add them to "
        f"privacy/export.py and EXPORTED, or to EXCLUDED with the reason): {unclassified}"
    )
    assert not set(EXPORTED) & set(EXCLUDED), "a table is both exported and excluded"
    stale = (set(EXPORTED) | set(EXCLUDED)) - set(tables)
    assert not stale, f"entries for tables that no longer exist or hold no person's data: {sorted(stale)}"
    assert all(len(reason) > 20 for reason in EXCLUDED.values()), "every exclusion says why"


async def test_every_exported_table_shows_a_row_of_the_person_where_mapped(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    world = build_world(db_session)
    markers = _rows_of_the_mentee(db_session, world)
    expected = {(table, path) for table, paths in EXPORTED.items() for path in paths}
    assert set(markers) == expected, "each EXPORTED place needs a row in _rows_of_the_mentee"
    response = await client.get("/api/v1/me/export", headers=make_token(db_session, world.mentee))
    assert response.status_code == 200, response.text
    files = unzip(response.content)
    data = json.loads(files["mentorloom-data.json"])
    missing = [
        f"{table}: {marker!r} not under {path!r}"
        for (table, path), marker in sorted(markers.items())
        if marker not in json.dumps(pick(data, path), default=str)
    ]
    assert not missing, missing
    # the readable page shows every text too (dates and flags it writes in words)
    texts = [m for m in markers.values() if m.startswith(("COVER", "MARK")) or "@" in m]
    assert [m for m in texts if m not in files["mentorloom-data.html"]] == []


def pick(data: Any, path: str) -> list[Any]:
    """The values at a dotted path; "*" goes into every item of a list (a missing key yields nothing)."""
    found = [data]
    for step in path.split("."):
        if step == "*":
            found = [item for value in found if isinstance(value, list) for item in value]
        else:
            found = [value[step] for value in found if isinstance(value, dict) and step in value]
    return found


def _mark(kind: str) -> str:
    return f"COVER{next(_seq)}x{kind}"


def _day(n: int) -> datetime:
    """A distinctive moment for rows without text: the year is the marker."""
    return datetime(1970 + n, 3, 4, 5, 6, 7, tzinfo=UTC)


def _built(world: World, kind: str) -> str:
    """The marker build_world gave the mentee's (or the pair's) words of one kind."""
    [marker] = [m for m in world.markers if f"x{kind}x" in m and ("xmenteex" in m or "xpairx" in m)]
    return marker


def _rows_of_the_mentee(session: Session, world: World) -> dict[tuple[str, str], str]:
    """One row of the mentee's in every exported table, each with a value to find in the export."""
    ms, user, program = world.mentorship, world.mentee, world.pair.program
    mentee, mentor = world.pair.mentee, world.pair.mentor
    out: dict[tuple[str, str], str] = {}

    def put(table: str, path: str, marker: str) -> str:
        out[(table, path)] = marker
        return marker

    put("users", "account", user.email)
    mentee.created_at = _day(1)
    put("memberships", "memberships", _day(1).isoformat())
    profile = session.get(Profile, mentee.id) or Profile(membership_id=mentee.id)
    profile.bio = put("profiles", "memberships.*.profile", _mark("bio"))
    session.add(profile)
    ms.end_reason = put("mentorships", "mentorships", _mark("endreason"))
    for table, path, kind in (
        ("agreements", "mentorships.*.agreements", "expect"),
        ("goals", "mentorships.*.agreements.*.goals", "goal"),
        ("goal_progress", "mentorships.*.goal_progress", "progress"),
        ("retrospectives", "mentorships.*.retrospectives", "retro"),
        ("review_submissions", "mentorships.*.reviews", "review"),
        ("meetings", "mentorships.*.meetings", "sharednotes"),
        ("meeting_agenda_items", "mentorships.*.meetings.*.agenda", "agenda"),
        ("meeting_private_notes", "mentorships.*.meetings.*.my_private_note", "privatenote"),
        ("meeting_feedback", "mentorships.*.meetings.*.feedback", "feedback"),
        ("reflections", "mentorships.*.reflections", "reflection"),
        ("kudos", "mentorships.*.kudos", "kudos"),
        ("pair_messages", "mentorships.*.messages", "message"),
        ("health_pulses", "mentorships.*.pulses", "pulse"),
    ):
        put(table, path, _built(world, kind))
    _token, _raw = create_api_token(session, user, put("api_tokens", "account.api_tokens", _mark("token")))
    session.add(CalendarFeed(user_id=user.id, token_hash=_mark("feedhash"), created_at=_day(2)))
    put("calendar_feeds", "account.calendar_feed", _day(2).isoformat())
    session.add_all(
        [
            MentorshipTransition(
                mentorship_id=ms.id,
                from_status=MentorshipStatus.ACTIVE,
                to_status=MentorshipStatus.PAUSED,
                action="pause",
                by_user_id=user.id,
                reason=put("mentorship_transitions", "mentorships.*.transitions", _mark("transition")),
            ),
            GoalRevision(
                mentorship_id=ms.id,
                goal_key="g1",
                agreement_id=_agreement_id(session, ms.id),
                author_id=user.id,
                reason=put("goal_revisions", "mentorships.*.goal_revisions", _mark("revision")),
                before={},
                after={},
            ),
            FitCheckAnswer(mentorship_id=ms.id, side=Side.MENTEE, fits=True, answered_at=_day(3)),
            MeetingSeries(
                mentorship_id=ms.id,
                program_id=program.id,
                cadence=Cadence.MONTHLY,
                rrule="FREQ=MONTHLY;BYDAY=+1TU",
                starts_on=date(2026, 1, 6),
                local_time=time(9, 0),
                timezone="Europe/Berlin",
                until=date(2026, 12, 31),
                duration_minutes=60,
                format=MeetingFormat.VIDEO,
                location=put("meeting_series", "mentorships.*.meeting_series", _mark("series")),
                uid=f"{_mark('series')}@test",
                created_by_id=user.id,
            ),
            ActionItem(
                mentorship_id=ms.id,
                owner_side=Side.MENTEE,
                title=put("meeting_action_items", "mentorships.*.action_items", _mark("action")),
                created_by_id=user.id,
            ),
            Milestone(
                mentorship_id=ms.id,
                program_id=program.id,
                title=put("milestones", "mentorships.*.milestones", _mark("milestone")),
                created_by_id=user.id,
            ),
            Resource(
                program_id=program.id,
                mentorship_id=ms.id,
                url="https://example.org/pair",
                title=put("resources", "mentorships.*.resources", _mark("pairlink")),
                shared_by_id=user.id,
            ),
            Resource(
                program_id=program.id,
                url="https://example.org/library",
                title=put("resources", "library_resources", _mark("librarylink")),
                shared_by_id=user.id,
            ),
            PairEngagementSettings(mentorship_id=ms.id, mentee_shares_celebrations=True),
            NotificationPreference(
                user_id=user.id,
                kind=put("notification_preferences", "notifications.preferences", _mark("kind")),
                mode=DeliveryMode.DAILY,
            ),
            Notification(
                user_id=user.id,
                program_id=program.id,
                kind="test",
                key=_mark("key"),
                link=f"/{put('notifications', 'notifications.entries', _mark('link'))}",
            ),
        ]
    )
    put("fit_check_answers", "mentorships.*.fit_check", _day(3).isoformat())
    put("pair_engagement_settings", "mentorships.*.shares_celebrations", "true")
    session.flush()

    # another mentor of the program, named distinctively: on the avoid list, asked, and offered
    other = make_membership(
        session,
        program=program,
        user=make_user(session, name=put("match_preferences", "avoid_list", _mark("avoided"))),
        role=Role.MENTOR,
    )
    session.add(
        MatchPreference(program_id=program.id, owner_id=mentee.id, target_id=other.id, kind=PreferenceKind.AVOID)
    )
    session.add(
        MentorRequest(
            program_id=program.id,
            mentee_id=mentee.id,
            mentor_id=other.id,
            message=put("mentor_requests", "mentor_requests", _mark("request")),
            expires_at=utcnow() + timedelta(days=7),
        )
    )
    run = MatchRun(program_id=program.id, mode="test", created_by_id=world.coordinator_id or None)
    session.add(run)
    session.flush()
    session.add(
        Proposal(
            run_id=run.id,
            program_id=program.id,
            mentee_id=mentee.id,
            mentor_id=mentor.id,
            status=ProposalStatus.DECLINED,
            mentee_response=Response.DECLINED,
            decline_reason=put("proposals", "match_offers", _mark("declined")),
            responded_at=utcnow(),
        )
    )
    invited = _event(session, program.id, put("event_invitations", "events", _mark("invited")))
    session.add(EventInvitation(event_id=invited, user_id=user.id))
    answered = _event(session, program.id, put("event_rsvps", "events", _mark("answered")))
    session.add(Rsvp(event_id=answered, user_id=user.id, answer=RsvpAnswer.MAYBE))
    record(
        session, AuditAction.SIGN_IN, actor=user, detail={"test": put("audit_events", "audit_events", _mark("audit"))}
    )
    session.flush()
    return out


def _agreement_id(session: Session, mentorship_id: int) -> int:
    from sqlalchemy import select

    from mentorloom.mentorships.models import Agreement

    return session.scalars(select(Agreement.id).where(Agreement.mentorship_id == mentorship_id)).one()


def _event(session: Session, program_id: int, title: str) -> int:
    start = utcnow() + timedelta(days=10)
    event = Event(
        program_id=program_id,
        title=title,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        timezone="Europe/Berlin",
        uid=f"{title}@test",
    )
    session.add(event)
    session.flush()
    return event.id


def test_an_offer_shows_the_decline_reason_only_to_the_one_who_declined(db_session: Session) -> None:
    world = build_world(db_session)
    program, mentee, mentor = world.pair.program, world.pair.mentee, world.pair.mentor
    run = MatchRun(program_id=program.id, mode="test")
    db_session.add(run)
    db_session.flush()
    reason = _mark("mentorsreason")
    db_session.add(
        Proposal(
            run_id=run.id,
            program_id=program.id,
            mentee_id=mentee.id,
            mentor_id=mentor.id,
            status=ProposalStatus.DECLINED,
            mentor_response=Response.DECLINED,
            decline_reason=reason,
            score=0.8123,
        )
    )
    draft = Proposal(run_id=run.id, program_id=program.id, mentee_id=mentee.id, mentor_id=mentor.id, rank=7)
    db_session.add(draft)
    db_session.flush()
    [mentees] = collect(db_session, world.mentee)["match_offers"]
    [mentors] = collect(db_session, world.mentor)["match_offers"]  # the draft is the coordination's, in neither
    assert (mentees["my_side"], mentees["my_answer"], mentees["decline_reason"]) == ("mentee", None, "")
    assert (mentors["my_side"], mentors["my_answer"], mentors["decline_reason"]) == ("mentor", "declined", reason)
    assert mentees["person"] == world.mentor.display_name and "0.8123" not in json.dumps(mentees)
