"""The demo program that `make run` loads once: a coordinator, mentors and mentees with profiles, one live pair
(demo_pair) with a review open for Sophie, later pairs whose review answers are released (demo_reviews), and
their meetings: the live pair's ten monthly ones and the next, and a later pair that is overdue (demo_meetings),
and what happens between meetings: milestones, kudos, a reflection, links, a program event, messages
(demo_engagement)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.accounts.security import hash_password
from mentorloom.accounts.service import create_admin, get_or_create_user
from mentorloom.config import Settings
from mentorloom.demo_engagement import load_engagement
from mentorloom.demo_meetings import load_meetings
from mentorloom.demo_pair import load_pair
from mentorloom.demo_reviews import load_reviews
from mentorloom.health import service as health
from mentorloom.profiles.schemas import ProfileIn
from mentorloom.profiles.service import get_profile, update_profile
from mentorloom.programs.models import Cadence, Membership, Program, Role
from mentorloom.programs.schemas import ProgramIn
from mentorloom.programs.service import add_member, create_program

DEMO_PROGRAM = "Mentoring Programme 2027 (demo)"
DEMO_PASSWORD = "mentorloom-demo"
ADMIN = ("admin@demo.mentorloom.org", "Ada Admin")
COORDINATOR = ("coordinator@demo.mentorloom.org", "Clara Koordinatorin")
MENTORS: list[dict[str, Any]] = [
    dict(
        email="mentor@demo.mentorloom.org",
        name="Jürgen Weiß",
        department="Sales",
        languages=["de", "en"],
        timezone="Europe/Berlin",
        values=["autonomy", "family", "fairness"],
        interests=["Bergwandern", "Jazz"],
        expertise=[("Verhandlungsführung", 5), ("Leadership", 4)],
        capacity=2,
        bio="Seit 20 Jahren im Vertrieb; ich helfe gern beim Verhandeln und beim ersten Führungsjob.",
    ),
    dict(
        email="priya@demo.mentorloom.org",
        name="Priya Raman",
        department="Engineering",
        languages=["en"],
        timezone="Europe/London",
        values=["growth", "learning", "creativity"],
        interests=["Running", "Jazz"],
        expertise=[("Python", 5), ("Public speaking", 3)],
        capacity=3,
        bio="Engineering lead who loves helping people grow into senior technical roles and give great talks.",
    ),
    dict(
        email="lukas@demo.mentorloom.org",
        name="Lukas Öztürk",
        department="Finance",
        languages=["de", "en", "tr"],
        timezone="Europe/Berlin",
        values=["security", "responsibility", "family"],
        interests=["Fußball"],
        expertise=[("Controlling", 4), ("Verhandlungsführung", 3)],
        capacity=2,
        bio="Controller mit Herz für Zahlen und Menschen. Ich begleite Berufseinsteiger.",
    ),
]
MENTEES: list[dict[str, Any]] = [
    dict(
        email="mentee@demo.mentorloom.org",
        name="Sophie Müller",
        department="Marketing",
        languages=["de", "en"],
        timezone="Europe/Berlin",
        values=["autonomy", "family", "growth"],
        interests=["Jazz", "Bergwandern"],
        wanted=[("Verhandlungsführung", 1), ("Leadership", 2)],
        bio="Ich möchte sicherer verhandeln und mich auf meine erste Teamleitung vorbereiten.",
    ),
    dict(
        email="tom@demo.mentorloom.org",
        name="Tom Becker",
        department="Engineering",
        languages=["en", "de"],
        timezone="Europe/Berlin",
        values=["learning", "creativity"],
        interests=["Running"],
        wanted=[("Python", 1), ("Public speaking", 2)],
        bio="Junior developer who wants to become a confident speaker and a better Python engineer.",
    ),
    dict(
        email="amira@demo.mentorloom.org",
        name="Amira Haddad",
        department="Finance",
        languages=["en", "ar"],
        timezone="Asia/Dubai",
        values=["security", "fairness"],
        interests=["Reading"],
        wanted=[("Controlling", 1)],
        bio="Finance graduate, eager to learn controlling from an experienced mentor.",
    ),
]


def demo_logins() -> dict[str, Any]:
    accounts = [("admin", ADMIN[0]), ("coordinator", COORDINATOR[0])]
    accounts += [("mentor", m["email"]) for m in MENTORS] + [("mentee", m["email"]) for m in MENTEES]
    return {"password": DEMO_PASSWORD, "accounts": accounts}


DEMO_LOGINS = demo_logins()


def load_demo(session: Session, settings: Settings | None = None) -> int | None:
    """Create the demo data unless it exists; the new program's id, or None when it was there already."""
    if session.scalar(select(Program.id).where(Program.name == DEMO_PROGRAM)) is not None:
        return None
    create_admin(session, email=ADMIN[0], display_name=ADMIN[1], password=DEMO_PASSWORD)
    coordinator = _person(session, *COORDINATOR)
    program = create_program(
        session,
        ProgramIn(
            name=DEMO_PROGRAM,
            language="de",
            default_cadence=Cadence.BIWEEKLY,
            duration_months=12,
            description="Ein Jahr Mentoring für Nachwuchskräfte: klare Ziele, regelmäßiger Austausch, "
            "Erfolge feiern. / A year of mentoring for early-career staff.",
        ),
        coordinator=coordinator,
    )
    people = {spec["email"]: _participant(session, program, Role.MENTOR, spec) for spec in MENTORS}
    people |= {spec["email"]: _participant(session, program, Role.MENTEE, spec) for spec in MENTEES}
    pair = load_pair(session, program, coordinator, people)
    later = load_reviews(session, program, coordinator, pair, _participant)
    load_meetings(pair, later)
    load_engagement(session, settings or Settings(), pair, coordinator, later)
    session.flush()
    health.recompute_program(session, program)  # the dashboard shows scores right away, not after the night
    return program.id


def _person(session: Session, email: str, name: str) -> Any:
    user = get_or_create_user(session, email=email, display_name=name)
    user.password_hash = hash_password(DEMO_PASSWORD)
    return user


def _participant(session: Session, program: Program, role: Role, spec: dict[str, Any]) -> Membership:
    membership = add_member(session, program, _person(session, spec["email"], spec["name"]), role)
    data = ProfileIn.model_validate(
        dict(
            name=spec["name"],
            bio=spec["bio"],
            values=spec["values"],
            languages=spec["languages"],
            timezone=spec["timezone"],
            department=spec["department"],
            interests=spec["interests"],
            capacity=spec.get("capacity", 0),
            availability=[{"day": 1, "start": "09:00", "end": "12:00"}, {"day": 3, "start": "14:00", "end": "17:00"}],
            expertise=[{"skill": s, "level": n} for s, n in spec.get("expertise", [])],
            wanted_skills=[{"skill": s, "priority": n} for s, n in spec.get("wanted", [])],
        )
    )
    update_profile(session, get_profile(session, membership), data)
    return membership
