"""A pair with a confirmed agreement, ready to plan meetings, for the meeting tests."""

from __future__ import annotations

import httpx
from sqlalchemy.orm import Session

from mentorloom.profiles.models import Profile
from tests.mentorships.helpers import Pair, make_pair


async def confirmed_pair(
    client: httpx.AsyncClient,
    session: Session,
    *,
    cadence: str = "weekly",
    mentor_zone: str = "Europe/Berlin",
    mentee_zone: str = "Europe/Berlin",
    started_days_ago: int = 1,
) -> Pair:
    """An active pair whose agreement (one goal, `cadence`) both confirmed; profiles in the given zones."""
    pair = make_pair(session, started_days_ago=started_days_ago, duration_months=24)
    for membership, zone in ((pair.mentor, mentor_zone), (pair.mentee, mentee_zone)):
        profile = session.get(Profile, membership.id)
        if profile is None:
            profile = Profile(membership_id=membership.id)
            session.add(profile)
        profile.timezone = zone
    session.flush()
    goal = await client.post(f"{pair.base}/goals", headers=pair.mentee_h, json={"title": "Give a talk"})
    assert goal.status_code == 201, goal.text
    change = await client.get(f"{pair.base}/agreement", headers=pair.mentor_h)
    lock = change.json()["lock_version"]
    edit = await client.patch(
        f"{pair.base}/agreement", headers=pair.mentor_h, json={"lock_version": lock, "cadence": cadence}
    )
    assert edit.status_code == 200, edit.text
    for headers in (pair.mentor_h, pair.mentee_h):
        lock = (await client.get(f"{pair.base}/agreement", headers=headers)).json()["lock_version"]
        confirmed = await client.post(f"{pair.base}/agreement/confirm", headers=headers, json={"lock_version": lock})
        assert confirmed.status_code == 200, confirmed.text
    return pair
