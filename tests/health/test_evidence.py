"""The evidence on matching criteria, on both databases: nothing numeric below 30 early endings; a planted protective
effect of shared values is found (hazard ratio below 1, interval excluding 1) and its suggestion raises the values
weight by at most 0.10 with the sum kept; applying writes the settings and a WeightChange; a stale page or body is
refused (409) with a way on; coordinators only; the page in German."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.errors import Conflict
from mentorloom.health import evidence
from mentorloom.health.models import WeightChange
from mentorloom.matching.engine import CRITERIA
from mentorloom.matching.match_scores import current_weights
from mentorloom.mentorships.models import MentorshipStatus
from mentorloom.programs.models import Program
from tests.factories import make_program, make_token, make_user
from tests.health.builders_evidence import PROTECTIVE_VALUES, add_pairs, fixed, planted_program, simulate
from tests.matching.helpers import coordinator_user
from tests.meetings.page_helpers import browser
from tests.mentorships.helpers import make_pair

pytestmark = pytest.mark.anyio

DEFAULTS = {"values": 0.30, "text": 0.25, "expertise": 0.20, "interests": 0.15, "time": 0.10, "preference": 0.30}


def protective_program(session: Session) -> Program:
    """200 matched pairs whose early endings fall with shared values (log hazard −3 per unit score)."""
    return planted_program(session, simulate(200, seed=0, log_hazard=PROTECTIVE_VALUES))


def criteria_sum(weights: dict[str, float]) -> float:
    return sum(weights[c] for c in CRITERIA)


def hidden_weights(html: str) -> dict[str, str]:
    """The apply form's hidden fields, e.g. {"before.values": "0.3", "after.values": "0.4"}."""
    found = re.findall(r'name="(before|after)\.(\w+)" value="([^"]*)"', html)
    return {f"{side}.{key}": value for side, key, value in found}


# --- the analysis on the database -------------------------------------------------------------------------------


def test_below_the_minimum_nothing_is_fitted(db_session: Session) -> None:
    program = planted_program(db_session, fixed(evidence.MIN_EVENTS - 1, 40))
    found = evidence.evidence_for(db_session, program)
    assert (found.status, found.pairs, found.events) == ("not_enough", 69, 29)
    assert found.effects == [] and found.after == {} and not found.changes
    with pytest.raises(Conflict, match="no weight change"):
        evidence.apply_suggestion(db_session, program, make_user(db_session), current_weights(program))
    add_pairs(db_session, program, fixed(1, 0, seed=2))
    assert evidence.evidence_for(db_session, program).status == "enough"  # the 30th early ending


def test_the_data_counts_matched_started_pairs_with_their_observed_time(db_session: Session) -> None:
    program = planted_program(db_session, fixed(2, 1))
    make_pair(db_session, program=program, started_days_ago=50)  # made by hand: no match-time scores
    rows = evidence.pair_rows(db_session, program)
    assert len(rows) == 3 and sum(r.ended_early for r in rows) == 2
    assert [r.days for r in rows if not r.ended_early] == [pytest.approx(365.0)]  # completed: censored at its end
    # a pair still under way is observed until now
    add_pairs(db_session, program, simulate(1, seed=3, log_hazard={}, early_share=0.0001, months=600))
    newest = evidence.pair_rows(db_session, program)[-1]
    assert not newest.ended_early and newest.days < 18 * 30.44 + 1


def test_a_planted_protective_effect_of_shared_values_is_found(db_session: Session) -> None:
    program = protective_program(db_session)
    found = evidence.evidence_for(db_session, program)
    assert found.status == "enough" and found.pairs == 200 and found.events >= evidence.MIN_EVENTS
    values = next(e for e in found.effects if e.criterion == "values")
    assert values.hazard_ratio < 1 and values.high < 1 and values.direction == "fewer"
    # planted: exp(−3 × 0.1) ≈ 0.74 per 0.1 more
    assert values.low < 0.741 < values.high or abs(values.hazard_ratio - 0.741) < 0.08
    assert "ended early less often" in evidence.sentence(values)
    assert found.before == DEFAULTS
    assert 0 < found.after["values"] - found.before["values"] <= evidence.MAX_SHIFT + 1e-9
    assert criteria_sum(found.after) == pytest.approx(criteria_sum(found.before))
    assert found.after["preference"] == found.before["preference"] and found.changes


def test_applying_writes_the_settings_and_a_weight_change(db_session: Session) -> None:
    program = protective_program(db_session)
    coord = coordinator_user(db_session, program)
    found = evidence.evidence_for(db_session, program)
    change = evidence.apply_suggestion(db_session, program, coord, found.before, found.after)
    db_session.expire_all()
    assert current_weights(db_session.get(Program, program.id)) == pytest.approx(found.after)
    stored = db_session.scalars(select(WeightChange).where(WeightChange.program_id == program.id)).one()
    assert stored.id == change.id and stored.by_user_id == coord.id
    assert stored.before == pytest.approx(found.before) and stored.after == pytest.approx(found.after)
    assert evidence.last_change(db_session, program).id == change.id  # type: ignore[union-attr]
    waiting = evidence.evidence_for(db_session, program)
    assert waiting.new_events_needed == evidence.NEW_EVENTS_AFTER_CHANGE and not waiting.changes
    assert waiting.after == waiting.before and waiting.effects  # the figures stay, the suggestion waits
    # the same request again is stale: the weights it expects are gone
    with pytest.raises(Conflict, match="changed since this page was shown"):
        evidence.apply_suggestion(db_session, program, coord, found.before, found.after)
    # ten more early endings later the suggestion moves on; one that moved on since the page was shown is refused
    later = utcnow() + timedelta(days=400)
    add_pairs(db_session, program, fixed(evidence.NEW_EVENTS_AFTER_CHANGE, 0, seed=5), now=later)
    now = evidence.evidence_for(db_session, program)
    assert now.new_events_needed == 0 and now.changes
    wrong = {**now.after, "values": now.after["values"] - 0.01}
    with pytest.raises(Conflict, match="evidence changed"):
        evidence.apply_suggestion(db_session, program, coord, now.before, wrong)


# --- the page -----------------------------------------------------------------------------------------------------


async def test_page_below_the_minimum_explains_and_shows_no_figures(app: FastAPI, db_session: Session) -> None:
    program = planted_program(db_session, fixed(12, 20))
    url = f"/programs/{program.id}/health/evidence"
    async with browser(app, db_session, coordinator_user(db_session, program)) as (c, _token):
        page = await c.get(url)
    assert page.status_code == 200
    assert "12 of the 30 early endings needed" in page.text
    assert f'href="/programs/{program.id}/health"' in page.text
    assert "data-not-enough" in page.text and "Shared values" in page.text  # what it will show
    figures = ("data-effects", "data-weights", "data-apply", "Hazard ratio per", "confidence interval</th>", "0.30")
    for figure in figures:
        assert figure not in page.text


async def test_page_shows_effects_and_applies_the_suggestion(app: FastAPI, db_session: Session) -> None:
    program = protective_program(db_session)
    coord = coordinator_user(db_session, program, "Clara Coordinator")
    url = f"/programs/{program.id}/health/evidence"
    async with browser(app, db_session, coord) as (c, token):
        page = await c.get(url)
        assert page.status_code == 200
        assert 'data-criterion="values" data-direction="fewer"' in page.text
        assert "Pairs with more shared values ended early less often" in page.text
        assert "not causes" in page.text and "data-apply" in page.text and "data-last-change" not in page.text
        assert "Apply to the next matching run" in page.text and "Shared values 0.30 → 0.40" in page.text
        form = hidden_weights(page.text)
        assert form["before.values"] == "0.3" and form["after.values"] == "0.4"
        done = await c.post(f"{url}/apply", data={"csrf_token": token, **form})
        assert done.status_code == 303 and done.headers["location"].endswith("/health/evidence#last-change")
        assert "Shared values 0.30 → 0.40" in unquote(done.cookies.get("ml_flash", ""))
        after = await c.get(url)
        assert "The new matching weights are saved" in after.text
        assert "data-last-change" in after.text and "Clara Coordinator" in after.text
        assert f'href="/programs/{program.id}/matching"' in after.text
        # the old page sent again: refused, with the current suggestion to go on from
        stale = await c.post(f"{url}/apply", data={"csrf_token": token, **form})
        assert stale.status_code == 409 and "data-problem" in stale.text
        assert "changed since this page was shown" in stale.text and "data-weights" in stale.text
        # the same figures do not suggest the same step again: the next waits for 10 new early endings
        assert "data-apply" not in stale.text and "10 more early endings" in stale.text
        # numbers that cannot be weights: refused without a change
        bad = await c.post(f"{url}/apply", data={"csrf_token": token, **form, "after.values": "7"})
        assert bad.status_code == 422 and "data-problem" in bad.text
        # without the CSRF token nothing happens
        assert (await c.post(f"{url}/apply", data=form)).status_code == 403
    db_session.expire_all()
    assert len(db_session.scalars(select(WeightChange).where(WeightChange.program_id == program.id)).all()) == 1
    assert current_weights(db_session.get(Program, program.id))["values"] == pytest.approx(0.40)


async def test_page_in_german(app: FastAPI, db_session: Session) -> None:
    program = protective_program(db_session)
    url = f"/programs/{program.id}/health/evidence"
    async with browser(app, db_session, coordinator_user(db_session, program)) as (c, _token):
        page = await c.get(url, headers={"Accept-Language": "de"})
        assert page.status_code == 200 and 'lang="de"' in page.text
        assert "Gemeinsame Werte 0,30 → 0,40" in page.text
        for english in ("Apply to the next matching run", "ended early less often", "Hazard ratio", "not causes"):
            assert english not in page.text
        empty = planted_program(db_session, fixed(3, 3))
        low = await c.get(f"/programs/{empty.id}/health/evidence", headers={"Accept-Language": "de"})
        assert low.status_code == 404  # not this coordinator's program
    async with browser(app, db_session, coordinator_user(db_session, empty, "Dora")) as (c, _token):
        low = await c.get(f"/programs/{empty.id}/health/evidence", headers={"Accept-Language": "de"})
        assert low.status_code == 200 and "3 von 30" in low.text and "early endings" not in low.text


# --- the API and who may use it ---------------------------------------------------------------------------------


async def test_api_reads_and_applies_with_stale_bodies_refused(client, db_session: Session) -> None:  # type: ignore[no-untyped-def]
    program = protective_program(db_session)
    headers = make_token(db_session, coordinator_user(db_session, program))
    api = f"/api/v1/programs/{program.id}/health/evidence"
    data = (await client.get(api, headers=headers)).json()
    assert data["status"] == "enough" and data["pairs"] == 200 and data["minimum"] == 30
    values = next(e for e in data["effects"] if e["criterion"] == "values")
    assert values["hazard_ratio"] < 1 and values["ci_high"] < 1 and values["evidence"]
    assert data["weights_after"]["values"] == pytest.approx(0.4) and data["changes"] and data["last_change"] is None
    body = {"before": data["weights_before"], "after": data["weights_after"]}
    wrong = {"before": {**data["weights_before"], "values": 0.5}, "after": data["weights_after"]}
    refused = await client.post(f"{api}/apply", headers=headers, json=wrong)
    assert refused.status_code == 409 and "changed since" in refused.json()["detail"]
    done = await client.post(f"{api}/apply", headers=headers, json=body)
    assert done.status_code == 200 and done.json()["after"]["values"] == pytest.approx(0.4)
    assert (await client.post(f"{api}/apply", headers=headers, json=body)).status_code == 409
    waiting = (await client.get(api, headers=headers)).json()
    assert waiting["new_early_endings_needed"] == 10 and not waiting["changes"]
    nonsense = {"before": {}, "after": {"x": 2}}
    assert (await client.post(f"{api}/apply", headers=headers, json=nonsense)).status_code == 422
    again = (await client.get(api, headers=headers)).json()
    assert again["weights_before"]["values"] == pytest.approx(0.4)
    assert again["last_change"]["after"]["values"] == pytest.approx(0.4)


async def test_coordinators_only(app: FastAPI, client, db_session: Session) -> None:  # type: ignore[no-untyped-def]
    pair = make_pair(db_session, status=MentorshipStatus.ACTIVE, started_days_ago=30)
    add_pairs(db_session, pair.program, fixed(3, 3))
    url = f"/programs/{pair.program.id}/health/evidence"
    api = f"/api/v1{url}"
    body = {"before": DEFAULTS, "after": DEFAULTS}
    assert (await client.get(api, headers=pair.coord_h)).status_code == 200
    for headers in (pair.mentor_h, pair.mentee_h):
        assert (await client.get(api, headers=headers)).status_code == 403
        assert (await client.post(f"{api}/apply", headers=headers, json=body)).status_code == 403
    outsider = make_pair(db_session)
    assert (await client.get(api, headers=outsider.coord_h)).status_code == 404
    assert (await client.post(f"{api}/apply", headers=outsider.coord_h, json=body)).status_code == 404
    assert (await client.get(api)).status_code == 401
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        assert (await c.get(url)).status_code == 403
        assert (await c.post(f"{url}/apply", data={"csrf_token": token})).status_code == 403
    async with browser(app, db_session, outsider.mentee.user) as (c, token):
        assert (await c.get(url)).status_code == 404
        assert (await c.post(f"{url}/apply", data={"csrf_token": token})).status_code == 404


def test_a_program_without_matched_pairs(db_session: Session) -> None:
    program = make_program(db_session)
    found = evidence.evidence_for(db_session, program, now=utcnow() + timedelta(days=1))
    assert (found.status, found.pairs, found.events, found.median_months) == ("not_enough", 0, 0, None)
