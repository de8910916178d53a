"""A person's own data (GDPR Art. 15 and 20) as one JSON document with stable keys.

It holds what the person may read in the app: their account, profiles, the mentorships they are one of the two
people of with everything of the pair, their own private items (private notes, feedback, reflections, review
answers, fit check, pulses), the match offers they were asked about, their notifications, mails and the audit
events they caused. tests/privacy/test_export_coverage.py fails for a new table of a person's data that is neither
exported here nor listed there with the reason it is left out. It never holds the partner's private items, the
coordinators' notes or health scores of a pair, another person's e-mail address, nor any password or token hash.
`FORMAT_VERSION` changes whenever a key is renamed or removed.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import ApiToken, User
from mentorloom.audit.models import AuditEvent
from mentorloom.db import utcnow
from mentorloom.engagement.models import Event as ProgramEvent
from mentorloom.engagement.models import (
    EventInvitation,
    Kudos,
    Message,
    Milestone,
    PairEngagementSettings,
    Reflection,
    ReflectionVisibility,
    Resource,
    Rsvp,
)
from mentorloom.health.models import Pulse
from mentorloom.matching.models import MatchPreference, MentorRequest, Proposal, ProposalStatus, Response
from mentorloom.meetings.models import (
    ActionItem,
    CalendarFeed,
    FeedbackVisibility,
    Meeting,
    MeetingFeedback,
    MeetingSeries,
    PrivateNote,
)
from mentorloom.mentorships.models import (
    Agreement,
    FitCheckAnswer,
    Goal,
    GoalProgress,
    GoalRevision,
    Mentorship,
    MentorshipTransition,
    Retrospective,
    ReviewSubmission,
    Side,
)
from mentorloom.notifications.models import Notification, NotificationPreference, OutboxMail
from mentorloom.privacy.scrub import person_pairs
from mentorloom.profiles.importer import PROFILE_FIELDS
from mentorloom.profiles.models import Profile
from mentorloom.programs.models import Membership

FORMAT = "mentorloom-personal-data"
FORMAT_VERSION = 1


def plain(value: Any) -> Any:
    """JSON-ready: dates as ISO 8601 text, enums as their stored value."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def row(obj: object, fields: Iterable[str]) -> dict[str, Any]:
    return {name: plain(getattr(obj, name)) for name in fields}


def rows(objects: Iterable[object], fields: Iterable[str]) -> list[dict[str, Any]]:
    names = tuple(fields)
    return [row(obj, names) for obj in objects]


def collect(session: Session, user: User) -> dict[str, Any]:
    """Everything about `user` they may read, as plain JSON data with the documented keys."""
    memberships = list(session.scalars(select(Membership).where(Membership.user_id == user.id).order_by(Membership.id)))
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": plain(utcnow()),
        "account": _account(session, user),
        "memberships": [_membership(session, m) for m in memberships],
        "mentorships": [_mentorship(session, user, m, side) for m, side in person_pairs(session, user.id)],
        "mentor_requests": _requests(session, [m.id for m in memberships]),
        "avoid_list": _avoid_list(session, [m.id for m in memberships]),
        "match_offers": _offers(session, [m.id for m in memberships]),
        "events": _events(session, user),
        "library_resources": rows(
            session.scalars(select(Resource).where(Resource.shared_by_id == user.id, Resource.mentorship_id.is_(None))),
            ("id", "program_id", "url", "title", "why", "language", "created_at"),
        ),
        "notifications": _notifications(session, user),
        "mails": rows(
            session.scalars(select(OutboxMail).where(OutboxMail.to_address == user.email).order_by(OutboxMail.id)),
            ("id", "template", "subject", "state", "created_at", "sent_at"),
        ),
        "audit_events": rows(
            session.scalars(select(AuditEvent).where(AuditEvent.actor_user_id == user.id).order_by(AuditEvent.id)),
            ("id", "at", "action", "target_type", "target_id", "program_id", "origin", "detail"),
        ),
    }


def _account(session: Session, user: User) -> dict[str, Any]:
    account = row(user, ("id", "email", "display_name", "is_admin", "is_active", "locale", "created_at"))
    account["last_login_at"] = plain(user.last_login_at)
    tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    # names and prefixes only: the hashes open nothing, but they are ours to keep, not the person's data
    account["api_tokens"] = rows(tokens, ("name", "prefix", "created_at", "last_used_at", "revoked_at"))
    feed = session.get(CalendarFeed, user.id)
    account["calendar_feed"] = row(feed, ("created_at", "last_used_at")) if feed else None
    return account


def _membership(session: Session, membership: Membership) -> dict[str, Any]:
    out = row(membership, ("id", "program_id", "role", "created_at"))
    out["program_name"] = membership.program.name
    profile = session.get(Profile, membership.id)
    if profile is not None:
        # the fields a participant file carries, so an export can be read next to an import
        out["profile"] = row(profile, (*PROFILE_FIELDS, "updated_at"))
        out["profile"]["skills"] = [
            {"skill": s.tag.label, "kind": s.kind.value, "weight": s.weight} for s in profile.skills
        ]
        out["profile"]["interests"] = [i.tag.label for i in profile.interests]
    return out


def _mentorship(session: Session, user: User, mentorship: Mentorship, side: Side) -> dict[str, Any]:
    pair = mentorship.id
    partner = mentorship.mentee if side is Side.MENTOR else mentorship.mentor
    out = row(
        mentorship,
        (
            "id",
            "program_id",
            "status",
            "source",
            "created_at",
            "started_at",
            "ended_at",
            "end_reason",
            "closure_reason",
            "cycle",
            "planned_end_on",
            "anonymised_at",
        ),
    )
    out["my_side"] = side.value
    out["partner_name"] = partner.user.display_name  # the name only: the address is the partner's data
    out["transitions"] = rows(
        _of(session, MentorshipTransition, pair),
        ("at", "from_status", "to_status", "action", "reason", "closure_reason"),
    )
    out["agreements"] = _agreements(session, pair)
    out["goal_progress"] = rows(
        _of(session, GoalProgress, pair), ("goal_key", "status", "progress", "note", "created_at")
    )
    out["goal_revisions"] = rows(
        _of(session, GoalRevision, pair), ("goal_key", "reason", "before", "after", "created_at")
    )
    out["fit_check"] = rows(_of(session, FitCheckAnswer, pair, FitCheckAnswer.side == side), ("fits", "answered_at"))
    out["retrospectives"] = rows(
        _of(session, Retrospective, pair),
        ("cycle", "side", "what_worked", "what_we_learned", "what_next", "updated_at"),
    )
    out["reviews"] = _reviews(session, pair, side)
    out["meeting_series"] = rows(
        _of(session, MeetingSeries, pair),
        (
            "cadence",
            "rrule",
            "starts_on",
            "local_time",
            "timezone",
            "until",
            "duration_minutes",
            "format",
            "location",
            "created_at",
            "ended_at",
        ),
    )
    out["meetings"] = _meetings(session, user, pair, side)
    out["action_items"] = rows(
        _of(session, ActionItem, pair), ("title", "owner_side", "due_on", "done_at", "created_at")
    )
    out["reflections"] = rows(
        _of(
            session,
            Reflection,
            pair,
            or_(Reflection.author_side == side, Reflection.visibility == ReflectionVisibility.PARTNER),
        ),
        ("author_side", "challenge", "what_happened", "learned", "next_time", "visibility", "goal_key", "created_at"),
    )
    settings = session.get(PairEngagementSettings, pair)
    # the person's own consent only; the partner's answer is theirs
    out["shares_celebrations"] = bool(settings and getattr(settings, f"{side.value}_shares_celebrations"))
    out["kudos"] = rows(_of(session, Kudos, pair), ("from_side", "text", "shared", "created_at"))
    out["messages"] = _messages(session, pair, side)
    out["milestones"] = rows(_of(session, Milestone, pair), ("title", "note", "target_on", "reached_at", "created_at"))
    out["resources"] = rows(_of(session, Resource, pair), ("url", "title", "why", "language", "created_at"))
    # the pulse is the mentee's own answer; its "stuck" line is addressed to the mentor, who already reads it
    pulses = _of(session, Pulse, pair) if side is Side.MENTEE else []
    out["pulses"] = rows(pulses, ("period", "score", "stuck", "stuck_text", "created_at"))
    return out


def _of(session: Session, model: Any, pair: int, *where: Any) -> list[Any]:
    return list(session.scalars(select(model).where(model.mentorship_id == pair, *where).order_by(model.id)))


def _agreements(session: Session, pair: int) -> list[dict[str, Any]]:
    out = []
    for agreement in _of(session, Agreement, pair):
        doc = row(
            agreement,
            (
                "cycle",
                "version",
                "status",
                "cadence",
                "format",
                "planned_months",
                "mentor_expectations",
                "mentee_expectations",
                "mentor_feedback_style",
                "mentee_feedback_style",
                "mentor_preferred_channel",
                "mentee_preferred_channel",
                "note",
                "created_at",
                "confirmed_by_mentor_at",
                "confirmed_by_mentee_at",
            ),
        )
        doc["goals"] = [
            row(goal, ("key", "title", "description", "success_criteria", "target_date"))
            for goal in session.scalars(select(Goal).where(Goal.agreement_id == agreement.id).order_by(Goal.position))
        ]
        out.append(doc)
    return out


def _reviews(session: Session, pair: int, side: Side) -> list[dict[str, Any]]:
    # the partner's answers only when they shared them, as the pair's review page shows them
    visible = or_(ReviewSubmission.side == side, ReviewSubmission.shared_with_partner.is_(True))
    out = []
    for submission in _of(session, ReviewSubmission, pair, visible):
        doc = row(submission, ("period", "side", "shared_with_partner", "change_suggestion", "submitted_at"))
        doc["answers"] = {answer.statement: answer.score for answer in submission.answers}
        out.append(doc)
    return out


def _meetings(session: Session, user: User, pair: int, side: Side) -> list[dict[str, Any]]:
    out = []
    for meeting in session.scalars(select(Meeting).where(Meeting.mentorship_id == pair).order_by(Meeting.starts_at)):
        doc = row(meeting, ("starts_at", "ends_at", "timezone", "format", "location", "status", "notes"))
        doc["agenda"] = [item.text for item in meeting.agenda]
        note = session.scalar(
            select(PrivateNote).where(PrivateNote.meeting_id == meeting.id, PrivateNote.author_id == user.id)
        )
        doc["my_private_note"] = note.text if note is not None else None
        visible = or_(MeetingFeedback.side == side, MeetingFeedback.visibility == FeedbackVisibility.PARTNER)
        feedback = session.scalars(
            select(MeetingFeedback)
            .where(MeetingFeedback.meeting_id == meeting.id, visible)
            .order_by(MeetingFeedback.id)
        )
        doc["feedback"] = rows(feedback, ("side", "usefulness", "went_well", "to_change", "visibility", "created_at"))
        out.append(doc)
    return out


def _messages(session: Session, pair: int, side: Side) -> list[dict[str, Any]]:
    # a message its author deleted is gone for both: its text is empty in the database too
    query = select(Message).where(Message.mentorship_id == pair, Message.deleted_at.is_(None)).order_by(Message.id)
    return [
        {**row(message, ("author_side", "body", "created_at", "edited_at")), "mine": message.author_side is side}
        for message in session.scalars(query)
    ]


def _requests(session: Session, membership_ids: list[int]) -> list[dict[str, Any]]:
    query = select(MentorRequest).where(
        or_(MentorRequest.mentee_id.in_(membership_ids), MentorRequest.mentor_id.in_(membership_ids))
    )
    out = []
    for request in session.scalars(query.order_by(MentorRequest.id)):
        doc = row(request, ("program_id", "status", "message", "response_note", "created_at", "responded_at"))
        doc["my_side"] = Side.MENTEE.value if request.mentee_id in membership_ids else Side.MENTOR.value
        out.append(doc)
    return out


def _avoid_list(session: Session, membership_ids: list[int]) -> list[dict[str, Any]]:
    query = select(MatchPreference).where(MatchPreference.owner_id.in_(membership_ids)).order_by(MatchPreference.id)
    out = []
    for preference in session.scalars(query):
        target = session.get_one(Membership, preference.target_id)
        doc = row(preference, ("program_id", "kind", "created_at"))
        out.append(doc | {"person": target.user.display_name})
    return out


# Offers are the proposals the two people were asked about; drafts, rejected and unmatched ones are the
# coordination's working material and were never shown to them.
_SHOWN_OFFERS = (ProposalStatus.OFFERED, ProposalStatus.ACCEPTED, ProposalStatus.DECLINED)


def _offers(session: Session, membership_ids: list[int]) -> list[dict[str, Any]]:
    query = select(Proposal).where(
        Proposal.status.in_(_SHOWN_OFFERS),
        or_(Proposal.mentee_id.in_(membership_ids), Proposal.mentor_id.in_(membership_ids)),
    )
    out = []
    for offer in session.scalars(query.order_by(Proposal.id)):
        side = Side.MENTEE if offer.mentee_id in membership_ids else Side.MENTOR
        other = offer.mentor if side is Side.MENTEE else offer.mentee
        mine = getattr(offer, f"{side.value}_response")
        doc = row(offer, ("program_id", "status", "responded_at"))
        doc |= {"my_side": side.value, "my_answer": plain(mine), "person": other.user.display_name if other else None}
        # the reason is the words of whoever declined: the person's own only when they declined
        doc["decline_reason"] = offer.decline_reason if mine is Response.DECLINED else ""
        out.append(doc)
    return out


def _events(session: Session, user: User) -> list[dict[str, Any]]:
    invited = select(EventInvitation.event_id).where(EventInvitation.user_id == user.id)
    answered = select(Rsvp.event_id).where(Rsvp.user_id == user.id)
    query = select(ProgramEvent).where(or_(ProgramEvent.id.in_(invited), ProgramEvent.id.in_(answered)))
    out = []
    for event in session.scalars(query.order_by(ProgramEvent.starts_at)):
        doc = row(event, ("program_id", "title", "starts_at", "ends_at", "location", "cancelled_at"))
        rsvp = session.scalar(select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.user_id == user.id))
        doc["my_answer"] = plain(rsvp.answer) if rsvp is not None else None
        out.append(doc)
    return out


def _notifications(session: Session, user: User) -> dict[str, Any]:
    entries = session.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))
    preferences = session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    return {
        "entries": rows(entries, ("kind", "program_id", "context", "link", "created_at", "read_at")),
        "preferences": {p.kind: p.mode.value for p in preferences},
    }
