"""Property-based run of the whole REST API from its OpenAPI document: no operation may answer 5xx.

Bounded (a few valid and invalid examples per operation and token, derandomised so CI runs the same
cases every time) so it stays well under a minute for both databases. Each
request goes to a seeded program with a coordinator's and a mentee's token; the program and mentorship
ids in the path are the seeded ones, so generated bodies reach the real code behind the 404 checks.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from sqlalchemy.orm import Session

from tests.mentorships.helpers import make_pair

EXAMPLES_PER_OPERATION = 6


def _server_errors(app: FastAPI, headers: dict[str, str], ids: dict[str, int]) -> list[str]:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        valid_or_not = operation.as_strategy(generation_mode=GenerationMode.POSITIVE) | operation.as_strategy(
            generation_mode=GenerationMode.NEGATIVE
        )

        @given(case=valid_or_not)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            for name, value in ids.items():
                if case.path_parameters and name in case.path_parameters:
                    case.path_parameters[name] = value
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} → {response.status_code}: {response.text[:300]}")

        run()
    return failures


@pytest.mark.slow
@pytest.mark.parametrize("role", ["coordinator", "mentee"])
def test_no_operation_answers_5xx(role: str, app: FastAPI, db_session: Session) -> None:
    app.state.settings.api_rate_limit = "100000/minute"  # the run itself is a burst from one token
    pair = make_pair(db_session)
    headers = pair.coord_h if role == "coordinator" else pair.mentee_h
    ids = {"program_id": pair.program.id, "mentorship_id": pair.mentorship.id}
    failures = _server_errors(app, headers, ids)
    assert not failures, "\n".join(failures)
