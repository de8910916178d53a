"""The whole REST API from its OpenAPI document, as three kinds of caller: every response as documented.

The callers are a coordinator of the seeded program, the mentee of its seeded pair and an instance admin who is no
member (tests/edge/fuzzing.py); path ids are pinned to the seeded ones. Bounded so `make test` stays quick: a few
hypothesis cases per operation and caller (valid and invalid; seeded, so the same every run), and per backend
schemathesis' unsupported-method probes for every URL (405 with an `Allow` naming exactly the documented methods).
`make fuzz` (tests/edge/fuzz_long.py) runs the same checks with many more cases and the coverage phase. The checks
are schemathesis' own (`CHECKS`); a failure names the check, the request and the response.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from tests.edge.fuzzing import CHECKS, ROLES, caller, coverage, fuzz, load_schema

EXAMPLES_PER_OPERATION = 2


@pytest.fixture()
def fuzz_app(app: FastAPI) -> FastAPI:
    app.state.settings.api_rate_limit = "100000/minute"  # the run itself is a burst from one token
    return app


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_every_response_is_documented(role: str, fuzz_app: FastAPI, db_session: Session) -> None:
    tally = fuzz(fuzz_app, caller(db_session, role), examples=EXAMPLES_PER_OPERATION)
    assert tally.cases >= tally.operations, "generation stopped early"
    assert not tally.statuses[401], "the caller lost its token during the run, so most cases tested nothing"
    assert not tally.failures, f"{dict(tally.failures)}\n\n{tally.report()}"


@pytest.mark.slow
def test_unsupported_methods_answer_405_with_allow(fuzz_app: FastAPI, db_session: Session) -> None:
    tally = coverage(fuzz_app, caller(db_session, "coordinator"), methods_only=True)
    assert tally.cases >= tally.operations, "no unsupported-method probes were generated"
    assert not tally.failures, f"{dict(tally.failures)}\n\n{tally.report()}"


def test_problems_are_documented_as_the_type_they_are_sent_as(app: FastAPI) -> None:
    """Without this the checks had no schema to hold an error body to (it sat under application/json)."""
    content = app.openapi()["paths"]["/api/v1/me"]["get"]["responses"]["404"]["content"]
    assert content == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def test_refusals_carry_their_documented_headers(fuzz_app: FastAPI, db_session: Session) -> None:
    """401 with `WWW-Authenticate`, 429 with `Retry-After`: the runs above never see them (their callers are valid)."""
    case = load_schema(fuzz_app)["/api/v1/me"]["GET"].Case()
    anonymous = case.call()
    assert anonymous.status_code == 401
    case.validate_response(anonymous, checks=CHECKS)
    fuzz_app.state.settings.api_rate_limit = "1/minute"
    headers = caller(db_session, "mentee").headers
    case.call(headers=headers)
    limited = case.call(headers=headers)
    assert limited.status_code == 429
    case.validate_response(limited, checks=CHECKS, headers=headers)
