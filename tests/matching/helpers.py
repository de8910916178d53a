"""Building small programs with real profiles for matching tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

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


def coordinator(session: Session, program: Program) -> dict[str, str]:
    user = make_user(session, name="Coordinator")
    add_member(session, program, user, Role.COORDINATOR)
    return make_token(session, user)
