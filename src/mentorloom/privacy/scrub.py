"""Blanking free texts: one person's own words (erasure) or all words of one mentorship (retention).

What stays is what programs count: rows, dates, states, sides and numbers (ratings, scores, progress). What goes
is what people wrote. Rows whose only content is a person's words are deleted (private notes, agenda items,
avoid-lists); every other row keeps its place with its texts emptied, so counts over rows never change.

Both functions flush nothing themselves beyond bulk UPDATE/DELETE statements; the caller commits.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, delete, func, or_, select, text, update
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User, erased_label
from mentorloom.engagement.models import Kudos, Message, Milestone, Reflection, Resource
from mentorloom.engagement.resources import search_text, tags_of
from mentorloom.health.models import CoordinatorNote, Pulse
from mentorloom.i18n import gettext as _
from mentorloom.matching.models import MatchPreference, MentorRequest, Proposal, Response
from mentorloom.meetings.models import (
    ActionItem,
    AgendaItem,
    Meeting,
    MeetingFeedback,
    MeetingSeries,
    PairMeetingSettings,
    PrivateNote,
)
from mentorloom.mentorships.models import (
    Agreement,
    Goal,
    GoalProgress,
    GoalRevision,
    Mentorship,
    MentorshipTransition,
    Retrospective,
    ReviewSubmission,
    Side,
)
from mentorloom.notifications.models import Notification, OutboxMail
from mentorloom.profiles.models import ImportJob, Profile, ProfileInterest, ProfileSkill
from mentorloom.programs.models import Membership

GOAL_TEXTS = ("title", "description", "success_criteria", "skills")


# --- one person's words ------------------------------------------------------------------------------------


def person_pairs(session: Session, user_id: int) -> list[tuple[Mentorship, Side]]:
    """Every mentorship the person is one of the two people of, with their side."""
    mine = select(Membership.id).where(Membership.user_id == user_id)
    rows = session.scalars(
        select(Mentorship).where(or_(Mentorship.mentor_id.in_(mine), Mentorship.mentee_id.in_(mine)))
    ).all()
    owned = set(session.scalars(mine))
    return [(m, Side.MENTOR if m.mentor_id in owned else Side.MENTEE) for m in rows]


def scrub_person(session: Session, user_id: int) -> None:
    """Blank everything this person wrote; the partner's and the coordinators' own words stay untouched."""
    _scrub_profiles(session, user_id)
    _forget_as_line_manager(session, user_id)
    for mentorship, side in person_pairs(session, user_id):
        _scrub_side(session, mentorship, side)
    _scrub_authored(session, user_id)
    _scrub_matching(session, user_id)
    _scrub_import_errors(session, user_id)


def _scrub_profiles(session: Session, user_id: int) -> None:
    memberships = select(Membership.id).where(Membership.user_id == user_id)
    session.execute(delete(ProfileSkill).where(ProfileSkill.profile_id.in_(memberships)))
    session.execute(delete(ProfileInterest).where(ProfileInterest.profile_id.in_(memberships)))
    for profile in session.scalars(select(Profile).where(Profile.membership_id.in_(memberships))):
        # through the ORM so the profile's version moves on: an edit form still open elsewhere gets a conflict
        profile.bio, profile.values, profile.values_note, profile.languages = "", [], "", []
        profile.availability, profile.department, profile.line_manager_email = [], "", ""
        profile.embedding, profile.embedding_model, profile.embedding_source = None, "", ""
    session.flush()


def _forget_as_line_manager(session: Session, user_id: int) -> None:
    """Other people's profiles that name this person as their line manager lose the address (any case, any
    program): it is the erased person's personal data. Called before the account is renamed, so the address
    read here is still the old one.

    Blanked rather than replaced by the neutral address erased-N@erased.invalid: that address is refused by
    the profile form and the CSV import (a reserved domain), so the other person could no longer save their
    profile, and a coordinator's CSV export would carry it into the next import. Matching loses nothing: the
    erased person is no candidate any more (matching.inputs), and their own line manager is blanked above, so
    the management chain through them kept no one away from anyone after the erasure either way.
    """
    address = session.scalar(select(User.email).where(User.id == user_id))
    if not address:
        return
    named = select(Profile).where(func.lower(Profile.line_manager_email) == address.strip().lower())
    for profile in session.scalars(named):
        profile.line_manager_email = ""  # through the ORM: the profile's version moves on, like _scrub_profiles
    session.flush()


def _scrub_side(session: Session, mentorship: Mentorship, side: Side) -> None:
    """The texts that belong to one side of a pair rather than to an author id."""
    pair = mentorship.id
    session.execute(
        update(Agreement)
        .where(Agreement.mentorship_id == pair)
        .values({f"{side.value}_expectations": "", f"{side.value}_feedback_style": ""})
    )
    session.execute(
        update(Retrospective)
        .where(Retrospective.mentorship_id == pair, Retrospective.side == side)
        .values(what_worked="", what_we_learned="", what_next="")
    )
    session.execute(
        update(ReviewSubmission)
        .where(ReviewSubmission.mentorship_id == pair, ReviewSubmission.side == side)
        .values(change_suggestion="")
    )
    session.execute(
        update(MeetingFeedback)
        .where(MeetingFeedback.mentorship_id == pair, MeetingFeedback.side == side)
        .values(went_well="", to_change="")
    )
    if side is Side.MENTEE:  # the pulse is the mentee's
        session.execute(update(Pulse).where(Pulse.mentorship_id == pair).values(stuck_text=""))


def _scrub_authored(session: Session, user_id: int) -> None:
    """Texts with an author column: blank them where this person is the author."""
    blank: list[tuple[Any, Any, dict[str, Any]]] = [
        (Agreement, Agreement.created_by_id, {"note": ""}),
        (GoalProgress, GoalProgress.author_id, {"note": ""}),
        (GoalRevision, GoalRevision.author_id, {"reason": ""}),
        (MentorshipTransition, MentorshipTransition.by_user_id, {"reason": ""}),
        (Reflection, Reflection.author_id, {"challenge": "", "what_happened": "", "learned": "", "next_time": ""}),
        (Kudos, Kudos.author_id, {"text": "", "shared": False}),
        # kept as rows (and not marked deleted): the pair's message counts stay what they were
        (Message, Message.author_id, {"body": ""}),
        (Milestone, Milestone.reached_by_id, {"note": ""}),
        (CoordinatorNote, CoordinatorNote.author_id, {"text": ""}),
    ]
    for model, author, values in blank:
        session.execute(update(model).where(author == user_id).values(values))
    _blank_why(session, Resource.shared_by_id == user_id, Resource.mentorship_id.is_not(None))
    session.execute(delete(AgendaItem).where(AgendaItem.author_id == user_id))
    session.execute(delete(PrivateNote).where(PrivateNote.author_id == user_id))


def _scrub_matching(session: Session, user_id: int) -> None:
    memberships = select(Membership.id).where(Membership.user_id == user_id)
    session.execute(delete(MatchPreference).where(MatchPreference.owner_id.in_(memberships)))
    session.execute(update(MentorRequest).where(MentorRequest.mentee_id.in_(memberships)).values(message=""))
    session.execute(update(MentorRequest).where(MentorRequest.mentor_id.in_(memberships)).values(response_note=""))
    # the reason is the words of whoever declined: only this person's own "no" loses it
    for side, column in (("mentee", Proposal.mentee_id), ("mentor", Proposal.mentor_id)):
        response = getattr(Proposal, f"{side}_response")
        session.execute(
            update(Proposal).where(column.in_(memberships), response == Response.DECLINED).values(decline_reason="")
        )


def _blank_why(session: Session, *where: ColumnElement[bool]) -> None:
    """Blank why links were shared, in the search text the full-text index reads as well (SQLite's FTS5 table
    follows it by trigger, PostgreSQL's index is over the column): the words were still found there."""
    changed = False
    for resource in session.scalars(select(Resource).where(*where)):
        changed = changed or bool(resource.why)
        _forget_in_contexts(session, resource.program_id, resource.why)
        resource.why = ""
        resource.search_text = search_text(resource.title, "", tags_of(session, resource), resource.url)
    session.flush()
    if changed and session.get_bind().dialect.name == "sqlite":
        # FTS5 only marks the old words deleted; they stay readable in its shadow table until segments merge
        session.execute(text("INSERT INTO resources_fts(resources_fts) VALUES ('optimize')"))


def _forget_in_contexts(session: Session, program_id: int, words: str) -> None:
    """The partner's notice and mail of a shared link ("resource_shared") carry its why: blank it there too."""
    if not words:
        return
    stored = json.dumps(words)[1:-1]  # as the JSON column holds it (ASCII-escaped)
    models: tuple[Any, ...] = (Notification, OutboxMail)
    for model in models:
        query = select(model).where(
            model.program_id == program_id, cast(model.context, Text).contains(stored, autoescape=True)
        )
        for row in session.scalars(query):
            row.context = _without(row.context, words)


def _without(value: Any, words: str) -> Any:
    if isinstance(value, dict):
        return {key: _without(item, words) for key, item in value.items()}
    if isinstance(value, list):
        return [_without(item, words) for item in value]
    return "" if value == words else value


def _scrub_import_errors(session: Session, user_id: int) -> None:
    """A failed participant import keeps its error list for the coordination, and a message may quote the
    person ("... is a coordinator of this program", "The e-mail address ... also appears on line 7"): their
    address and name become the neutral label there."""
    user = session.get_one(User, user_id)
    label = erased_label(user_id)
    for needle in (user.email, user.display_name):
        if not needle:
            continue
        stored = json.dumps(needle)[1:-1].lower()  # as the JSON column holds it; addresses in files vary in case
        query = select(ImportJob).where(func.lower(cast(ImportJob.errors, Text)).contains(stored, autoescape=True))
        for job in session.scalars(query):
            job.errors = [{**error, "message": _unquoted(error.get("message"), needle, label)} for error in job.errors]
    session.flush()


def _unquoted(message: Any, needle: str, label: str) -> Any:
    """Every occurrence of `needle` (any case) in `message` that is not part of a longer word becomes `label`."""
    if not isinstance(message, str):
        return message
    return re.sub(rf"(?<!\w){re.escape(needle)}(?!\w)", label, message, flags=re.IGNORECASE)


# --- all words of one mentorship (retention) -----------------------------------------------------------------


def scrub_mentorship(session: Session, mentorship: Mentorship, now: datetime) -> None:
    """Blank every free text of the pair, whoever wrote it; dates, states, sides and numbers stay."""
    pair = mentorship.id
    mentorship.end_reason = mentorship.closure_reason.value if mentorship.closure_reason else ""
    mentorship.anonymised_at = now
    for side in Side:
        _scrub_side(session, mentorship, side)
    session.execute(update(Agreement).where(Agreement.mentorship_id == pair).values(note=""))
    _scrub_goals(session, pair)
    same_pair: list[tuple[Any, dict[str, Any]]] = [
        (GoalProgress, {"note": ""}),
        (MentorshipTransition, {"reason": ""}),
        (Reflection, {"challenge": "", "what_happened": "", "learned": "", "next_time": ""}),
        (Kudos, {"text": "", "shared": False}),
        (Message, {"body": ""}),
        (Milestone, {"note": ""}),
        (CoordinatorNote, {"text": ""}),
        (ActionItem, {"title": ""}),
        (MeetingSeries, {"location": ""}),
        (Meeting, {"notes": "", "location": ""}),
        (PairMeetingSettings, {"video_link": ""}),
    ]
    for model, values in same_pair:
        session.execute(update(model).where(model.mentorship_id == pair).values(values))
    _blank_why(session, Resource.mentorship_id == pair)
    # milestones the pair named themselves; automatic ones carry the program's own wording
    session.execute(
        update(Milestone).where(Milestone.mentorship_id == pair, Milestone.code.is_(None)).values(title=_("Milestone"))
    )
    meetings = select(Meeting.id).where(Meeting.mentorship_id == pair)
    session.execute(delete(AgendaItem).where(AgendaItem.meeting_id.in_(meetings)))
    session.execute(delete(PrivateNote).where(PrivateNote.meeting_id.in_(meetings)))
    session.flush()


def _scrub_goals(session: Session, pair: int) -> None:
    for goal in session.scalars(select(Goal).where(Goal.mentorship_id == pair)):
        goal.title = _("Goal %(n)d", n=goal.position + 1)
        goal.description, goal.success_criteria = "", ""
    for revision in session.scalars(select(GoalRevision).where(GoalRevision.mentorship_id == pair)):
        revision.reason = ""
        revision.before = _without_texts(revision.before)
        revision.after = _without_texts(revision.after)
    session.flush()


def _without_texts(snapshot: dict[str, Any]) -> dict[str, Any]:
    # the target date stays (dates are kept); the goal's words do not, but their keys do (readers use .get)
    return {key: ([] if key == "skills" else "") if key in GOAL_TEXTS else value for key, value in snapshot.items()}
