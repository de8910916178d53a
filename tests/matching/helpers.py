"""Building small programs with real profiles for matching tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.profiles.schemas import ProfileIn
from mentorloom.profiles.service import get_profile, update_profile
from mentorloom.programs.models import Membership, Program, Role
from mentorloom.programs.service import add_member
from tests.factories import make_token, make_user

WINDOWS = [{"day": 1, "start": "09:00", "end": "12:00"}]


def participant(session: Session, program: Program, role: Role, name: str, **profile: Any) -> Membership:
    """A mentor or mentee with a profile; sensible defaults (German+English, Berlin, shared availability)."""
    user = make_user(session, name=name, email=f"{name.lower().replace(' ', '.')}.{program.id}@example.org")
    membership = add_member(session, program, user, role)
    data = {
        "name": name,
        "languages": ["de", "en"],
        "timezone": "Europe/Berlin",
        "availability": WINDOWS,
        "values": ["growth"],
        **profile,
    }
    if role is Role.MENTOR:
        data.setdefault("capacity", 1)
    update_profile(session, get_profile(session, membership), ProfileIn(**data))
    return membership


def headers_for(session: Session, membership: Membership) -> dict[str, str]:
    return make_token(session, membership.user)


def coordinator_user(session: Session, program: Program, name: str = "Coordinator") -> User:
    user = make_user(session, name=name)
    add_member(session, program, user, Role.COORDINATOR)
    return user


def coordinator(session: Session, program: Program) -> dict[str, str]:
    return make_token(session, coordinator_user(session, program))


def sample_people(session: Session, program: Program) -> dict[str, Membership]:
    """Two mentors, four mentees with a clear best matching, so tests can name who should get whom.

    Sophie fits Anna (shared values, Anna's top skill is Sophie's wish); Tom and Uli want Python, which only
    Bernd (two slots) offers; Zoe speaks only French, so she stays unmatched.
    """
    return {
        "anna": participant(
            session,
            program,
            Role.MENTOR,
            "Anna",
            capacity=1,
            values=["autonomy", "family"],
            expertise=[{"skill": "Negotiation", "level": 5}],
        ),
        "bernd": participant(
            session, program, Role.MENTOR, "Bernd", capacity=2, expertise=[{"skill": "Python", "level": 4}]
        ),
        "sophie": participant(
            session,
            program,
            Role.MENTEE,
            "Sophie",
            values=["autonomy", "family"],
            wanted_skills=[{"skill": "Negotiation", "priority": 1}],
        ),
        "tom": participant(session, program, Role.MENTEE, "Tom", wanted_skills=[{"skill": "Python", "priority": 1}]),
        "uli": participant(session, program, Role.MENTEE, "Uli", wanted_skills=[{"skill": "python", "priority": 2}]),
        "zoe": participant(session, program, Role.MENTEE, "Zoe", languages=["fr"]),  # nobody speaks French
    }
