"""Imports every domain's models so metadata (Alembic, tests) sees all tables."""

from mentorloom.accounts.models import ApiToken, User, UserSession
from mentorloom.db import Base
from mentorloom.matching.models import MatchPreference, MatchRun, MentorRequest, Proposal
from mentorloom.mentorships.models import Mentorship
from mentorloom.notifications.models import SentMail
from mentorloom.profiles.models import ImportJob, Profile, ProfileInterest, ProfileSkill, Tag
from mentorloom.programs.models import Membership, Program

__all__ = [
    "ApiToken",
    "Base",
    "ImportJob",
    "MatchPreference",
    "MatchRun",
    "Membership",
    "MentorRequest",
    "Mentorship",
    "Profile",
    "ProfileInterest",
    "ProfileSkill",
    "Program",
    "Proposal",
    "SentMail",
    "Tag",
    "User",
    "UserSession",
]
