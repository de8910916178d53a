"""Property: any sequence of lifecycle actions by anyone keeps the mentorship in a legal state.

A small reference model predicts each outcome; every applied change must be an allowed (from, to) pair
recorded as exactly one transition, and every refused one must leave state and history untouched.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import anyio
import httpx
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.mentorships.lifecycle import ALLOWED
from mentorloom.mentorships.models import Mentorship, MentorshipStatus, MentorshipTransition
from tests.mentorships.helpers import Pair, make_pair

S = MentorshipStatus
ACTORS = ("mentor", "mentee", "coordinator")
ACTIONS = ("accept", "decline", "pause", "resume", "complete", "finish", "renew", "end-early", "retro", "fit-no")


@dataclass
class Model:
    """What the rules say should happen, written independently of the service."""

    status: MentorshipStatus = S.PROPOSED
    accepted: set[str] = field(default_factory=set)
    retros: set[str] = field(default_factory=set)
    cycle: int = 1

    def apply(self, actor: str, action: str) -> bool:
        """Apply the action; True when it is a transition (renewing goes active → active in a new cycle)."""
        pair, s, cycle = actor != "coordinator", self.status, self.cycle
        if action == "accept" and pair and s is S.PROPOSED:
            self.accepted.add(actor)
            if len(self.accepted) == 2:
                self.status = S.ACTIVE
        elif action == "decline" and s is S.PROPOSED:
            self.status = S.DECLINED
        elif action == "pause" and s is S.ACTIVE:
            self.status = S.PAUSED
        elif action == "resume" and s is S.PAUSED:
            self.status = S.ACTIVE
        elif action == "complete" and s in (S.ACTIVE, S.PAUSED):
            self.status = S.COMPLETING
        elif action == "finish" and s is S.COMPLETING and (not pair or len(self.retros) == 2):
            self.status = S.COMPLETED
        elif action == "renew" and pair and s is S.COMPLETING:
            self.status, self.retros, self.cycle = S.ACTIVE, set(), self.cycle + 1
        elif action == "end-early" and s in (S.ACTIVE, S.PAUSED, S.COMPLETING):
            self.status = S.ENDED_EARLY
        elif action == "retro" and pair and s is S.COMPLETING:
            self.retros.add(actor)
        elif action == "fit-no" and pair and s is S.ACTIVE:
            self.status = S.ENDED_EARLY
        return self.status is not s or self.cycle != cycle


async def _act(client: httpx.AsyncClient, pair: Pair, headers: dict[str, str], action: str) -> httpx.Response:
    if action == "retro":
        return await client.put(f"{pair.base}/retrospective", headers=headers, json={"what_worked": "a lot"})
    if action == "fit-no":
        return await client.post(f"{pair.base}/fit-check", headers=headers, json={"fits": False})
    body = {"closure_reason": "other"} if action == "end-early" else {}
    return await client.post(f"{pair.base}/{action}", headers=headers, json=body)


def _recorded(session: Session, pair: Pair) -> tuple[MentorshipStatus, list[tuple[MentorshipStatus, MentorshipStatus]]]:
    # The requests commit savepoints on the test's connection, so the test session reads what they wrote.
    session.expire_all()
    rows = session.scalars(
        select(MentorshipTransition)
        .where(MentorshipTransition.mentorship_id == pair.mentorship.id)
        .order_by(MentorshipTransition.id)
    )
    history = [(t.from_status, t.to_status) for t in rows]
    return session.get_one(Mentorship, pair.mentorship.id).status, history


async def _run(app: FastAPI, session: Session, pair: Pair, steps: list[tuple[str, str]]) -> None:
    headers = {"mentor": pair.mentor_h, "mentee": pair.mentee_h, "coordinator": pair.coord_h}
    model = Model()
    history: list[tuple[MentorshipStatus, MentorshipStatus]] = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        for actor, action in steps:
            before = model.status
            response = await _act(client, pair, headers[actor], action)
            moved = model.apply(actor, action)
            assert response.status_code in (200, 403, 409), response.text
            status, recorded = _recorded(session, pair)
            assert status is model.status, (actor, action, response.text)
            assert recorded[len(history) :] == ([(before, model.status)] if moved else [])
            history = recorded
    assert all(p in ALLOWED for p in history)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(history))  # an unbroken chain


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(ACTORS), st.sampled_from(ACTIONS)), max_size=8))
def test_random_action_sequences_stay_legal_and_recorded(
    app: FastAPI, db_session: Session, steps: list[tuple[str, str]]
) -> None:
    pair = make_pair(db_session, status=S.PROPOSED)
    anyio.run(_run, app, db_session, pair, steps)
