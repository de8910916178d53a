"""Programs with matched pairs whose histories are planted: how long each lasted, how it ended, and the
criterion scores it had when matched. Engine-free: the rows are written directly."""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.db import utcnow
from mentorloom.matching.engine import CRITERIA
from mentorloom.matching.models import MatchScore
from mentorloom.mentorships.models import Mentorship, MentorshipSource, MentorshipStatus
from mentorloom.programs.models import Membership, Program, Role
from tests.factories import make_program

Outcome = Literal["ended_early", "completed", "active"]
_seq = itertools.count(1)


@dataclass(frozen=True)
class Planted:
    days: float
    outcome: Outcome
    criteria: dict[str, float]


def simulate(
    pairs: int, *, seed: int, log_hazard: dict[str, float], early_share: float = 0.35, months: int = 12
) -> list[Planted]:
    """Pairs started over the last 18 months; early ending with a hazard of exp(sum beta * score) per pair;
    a pair reaching `months` is completed, one younger than that and not ended is still running."""
    rng = random.Random(seed)
    length = months * 30.44
    base = -math.log(1 - early_share) / length  # so that about `early_share` of average pairs end early
    out = []
    for _n in range(pairs):
        criteria = {c: round(rng.random(), 4) for c in CRITERIA}
        hazard = base * math.exp(sum(log_hazard.get(c, 0.0) * (criteria[c] - 0.5) for c in CRITERIA))
        ends_after = rng.expovariate(hazard)
        age = rng.uniform(10, 18 * 30.44)
        if ends_after < min(age, length):
            out.append(Planted(ends_after, "ended_early", criteria))
        elif age >= length:
            out.append(Planted(length, "completed", criteria))
        else:
            out.append(Planted(age, "active", criteria))
    return out


def fixed(events: int, censored: int, *, seed: int = 1) -> list[Planted]:
    """Exactly `events` early endings and `censored` completed pairs, scores at random."""
    rng = random.Random(seed)

    def scores() -> dict[str, float]:
        return {c: round(rng.random(), 4) for c in CRITERIA}

    return [Planted(rng.uniform(20, 300), "ended_early", scores()) for _n in range(events)] + [
        Planted(365.0, "completed", scores()) for _n in range(censored)
    ]


def add_pairs(session: Session, program: Program, planted: list[Planted], now: datetime | None = None) -> None:
    """One mentor and one mentee per pair; each pair with its match score and planted history."""
    now = now or utcnow()
    n = next(_seq)
    users = [User(email=f"ev{n}.{k}@example.org", display_name=f"Person {k}") for k in range(len(planted) * 2)]
    session.add_all(users)
    session.flush()
    mentors = [Membership(program_id=program.id, user_id=u.id, role=Role.MENTOR) for u in users[: len(planted)]]
    mentees = [Membership(program_id=program.id, user_id=u.id, role=Role.MENTEE) for u in users[len(planted) :]]
    session.add_all(mentors + mentees)
    session.flush()
    status = {
        "ended_early": MentorshipStatus.ENDED_EARLY,
        "completed": MentorshipStatus.COMPLETED,
        "active": MentorshipStatus.ACTIVE,
    }
    ships = []
    for p, mentor, mentee in zip(planted, mentors, mentees, strict=True):
        started = now - timedelta(days=p.days if p.outcome == "active" else p.days + 5)
        ended = None if p.outcome == "active" else started + timedelta(days=p.days)
        ships.append(
            Mentorship(
                program_id=program.id,
                mentor_id=mentor.id,
                mentee_id=mentee.id,
                status=status[p.outcome],
                source=MentorshipSource.MATCHING,
                started_at=started,
                ended_at=ended,
            )
        )
    session.add_all(ships)
    session.flush()
    session.add_all(
        MatchScore(mentorship_id=m.id, program_id=program.id, score=60.0, criteria=p.criteria, weights={})
        for m, p in zip(ships, planted, strict=True)
    )
    session.flush()


def planted_program(session: Session, planted: list[Planted], **program: str) -> Program:
    made = make_program(session, **program)
    add_pairs(session, made, planted)
    return made


# A protective effect of shared values strong enough to show at this size with any seed worth keeping.
PROTECTIVE_VALUES = {"values": -3.0}
