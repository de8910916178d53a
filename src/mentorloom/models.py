"""Imports every domain's models so metadata (Alembic, tests) sees all tables."""

from mentorloom.accounts.models import ApiToken, User, UserSession
from mentorloom.db import Base
from mentorloom.jobs.models import Job
from mentorloom.matching.models import MatchPreference, MatchRun, MentorRequest, Proposal
from mentorloom.meetings.models import (
    ActionItem,
    AgendaItem,
    CalendarFeed,
    Meeting,
    MeetingFeedback,
    MeetingSeries,
    PairMeetingSettings,
    PrivateNote,
)
from mentorloom.mentorships.models import (
    Agreement,
    FitCheckAnswer,
    Goal,
    GoalProgress,
    GoalRevision,
    GoalSkill,
    Mentorship,
    MentorshipTransition,
    Retrospective,
    ReviewAnswer,
    ReviewSubmission,
)
from mentorloom.notifications.models import Notification, NotificationPreference, OutboxMail
from mentorloom.profiles.models import ImportJob, Profile, ProfileInterest, ProfileSkill, Tag
from mentorloom.programs.models import Membership, Program

__all__ = [
    "ActionItem",
    "AgendaItem",
    "Agreement",
    "ApiToken",
    "Base",
    "CalendarFeed",
    "FitCheckAnswer",
    "Goal",
    "GoalProgress",
    "GoalRevision",
    "GoalSkill",
    "ImportJob",
    "Job",
    "MatchPreference",
    "MatchRun",
    "Meeting",
    "MeetingFeedback",
    "MeetingSeries",
    "Membership",
    "MentorRequest",
    "Mentorship",
    "MentorshipTransition",
    "Notification",
    "NotificationPreference",
    "OutboxMail",
    "PairMeetingSettings",
    "PrivateNote",
    "Profile",
    "ProfileInterest",
    "ProfileSkill",
    "Program",
    "Proposal",
    "Retrospective",
    "ReviewAnswer",
    "ReviewSubmission",
    "Tag",
    "User",
    "UserSession",
]
