"""Schemathesis over the whole /api/v1 OpenAPI, shared by the bounded test and `make fuzz` (bench/fuzz.py).

Every response is validated by schemathesis' own checks (`CHECKS`): no 5xx, a documented status code, content
type, headers and body schema, invalid input refused, valid input not refused with 4xx other than 401/403/404/409/
429, and 405 answers that carry a correct `Allow` header. Three callers: a coordinator of the seeded program, the
mentee of its seeded pair and an instance admin who is no member; path ids are the seeded ones so generated bodies
reach the code behind the permission and 404 checks.
"""

from __future__ import annotations

import copy
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.drivers import CoverageGenerator
from schemathesis.generation.feedback import NO_FEEDBACK
from schemathesis.generation.meta import CoverageScenario, coverage_scenario
from schemathesis.generation.overrides import Override
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from sqlalchemy.orm import Session

from mentorloom.accounts.service import create_api_token
from tests.factories import make_token, make_user
from tests.matching.helpers import coordinator_user
from tests.mentorships.helpers import make_pair

OPENAPI_URL = "/api/v1/openapi.json"
ROLES = ("coordinator", "mentee", "admin")
# Every response as documented, invalid input refused, 405 with a correct `Allow`: all must pass.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    unsupported_method,
    allow_header_conformance,
]
# Schema-valid input answered 422: where the OpenAPI could say more (a pattern, an enum, a maximum) it should, but
# rules across fields or rows (an end after its start, a mentee of this program, a non-empty CSV) it cannot state.
# Counted by `make fuzz`, not failed on.
ADVISORY = [positive_data_acceptance]


@dataclass
class Target:
    """One caller against one seeded program: its headers and the path ids every case is pinned to."""

    role: str
    headers: dict[str, str]
    path_ids: dict[str, int]


def caller(session: Session, role: str) -> Target:
    """A program with an active pair; the caller is its coordinator, the pair's mentee or an instance admin."""
    pair = make_pair(session)
    if role == "admin":
        user = make_user(session, name="Instance Admin", is_admin=True)
    else:
        user = coordinator_user(session, pair.program) if role == "coordinator" else pair.mentee.user
    # Pinned so the run cannot cut its own branch: generated ids would revoke the caller's token (ids start at 1)
    # or, as admin, erase the callers themselves.
    spare_token, _raw = create_api_token(session, user, "spare")
    bystander = make_user(session, name="Bystander")
    ids = {
        "program_id": pair.program.id,
        "mentorship_id": pair.mentorship.id,
        "token_id": spare_token.id,
        "user_id": bystander.id,
    }
    return Target(role, make_token(session, user), ids)


@dataclass
class Tally:
    """What one run sent and what failed, by check; `examples` keeps the first failure per operation and check."""

    checks: list[Any] = field(default_factory=lambda: list(CHECKS))
    operations: int = 0
    cases: int = 0
    seconds: float = 0.0
    failures: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    examples: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(self, other: Tally) -> None:
        self.operations = max(self.operations, other.operations)
        self.cases += other.cases
        self.seconds += other.seconds
        self.failures.update(other.failures)
        self.statuses.update(other.statuses)
        for key, text in other.examples.items():
            self.examples.setdefault(key, text)

    def report(self) -> str:
        return "\n\n".join(
            f"[{check}] {operation}\n{text}" for (operation, check), text in sorted(self.examples.items())
        )


def _check_name(failure: Failure) -> str:
    names = type(failure).checks
    return names[0] if len(names) == 1 else type(failure).__name__


def _send(case: Any, target: Target, tally: Tally) -> None:
    tally.cases += 1
    try:
        response = case.call(headers=target.headers)
    except Exception as exc:  # the in-process client re-raises what the app did not handle: a 500
        tally.failures["not_a_server_error"] += 1
        text = f"{case.method} {case.formatted_path} raised {type(exc).__name__}: {exc}"
        tally.examples.setdefault((case.operation.label, "not_a_server_error"), text)
        return
    tally.statuses[response.status_code] += 1
    try:
        case.validate_response(response, checks=tally.checks, headers=target.headers)
    except FailureGroup as group:
        for failure in group.exceptions:
            name = _check_name(failure)
            tally.failures[name] += 1
            text = f"{case.method} {case.formatted_path} → {response.status_code}\n{failure}\n{response.text[:500]}"
            tally.examples.setdefault((case.operation.label, name), text)


def _fuzz_operation(operation: Any, target: Target, examples: int, salt: str, tally: Tally) -> None:
    """`examples` hypothesis cases, valid and invalid; seeded by role and operation, so every run sends the same
    ones and the three callers different ones."""
    ids = {name: value for name, value in target.path_ids.items() if name in operation.path_parameters}
    strategy = st.one_of(
        operation.as_strategy(generation_mode=mode, path_parameters=ids)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    )

    @seed(zlib.crc32(f"{salt} {target.role} {operation.label}".encode()))
    @given(case=strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        _send(case, target, tally)

    run()


def _coverage_cases(schema: Any, operation: Any, target: Target) -> Iterator[Any]:
    """Schemathesis' deterministic coverage phase: boundaries, wrong types, missing fields, other methods."""
    ids = {name: str(value) for name, value in target.path_ids.items() if name in operation.path_parameters}
    yield from CoverageGenerator(
        operation=operation,
        generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        generation_config=schema.config.generation_for(operation=operation, phase="coverage"),
        auth_storage=None,
        override=Override(path_parameters=ids),
        feedback=NO_FEEDBACK,
    )


def _negates_a_pinned_id(case: Any, target: Target) -> bool:
    # The pinned id replaced the wrong value, so the request is valid and its 200 no acceptance of invalid data.
    data = case.meta.phase.data if case.meta is not None else None
    location = getattr(data, "parameter_location", None)
    return location == ParameterLocation.PATH and getattr(data, "parameter", None) in target.path_ids


def _paths_and_methods(document: dict[str, Any]) -> dict[str, Any]:
    # Only path parameters and no bodies: its coverage phase is then little more than the unsupported-method
    # probes (405 and `Allow`), which depend on nothing else and are cheap enough for every test run.
    stripped = copy.deepcopy(document)
    for item in stripped["paths"].values():
        for operation in item.values():
            operation.pop("requestBody", None)
            operation["parameters"] = [p for p in operation.get("parameters", []) if p["in"] == "path"]
    return stripped


def load_schema(app: FastAPI, *, methods_only: bool = False) -> Any:
    document = app.openapi()
    schema = schemathesis.openapi.from_dict(_paths_and_methods(document) if methods_only else document)
    schema.app = app
    return schema


def fuzz(app: FastAPI, target: Target, *, examples: int, advisory: bool = False, salt: str = "") -> Tally:
    """Hypothesis cases for every operation, `examples` each; `advisory` adds the ADVISORY checks."""
    tally = Tally(checks=CHECKS + ADVISORY if advisory else list(CHECKS))
    started = time.perf_counter()
    for result in load_schema(app).get_all_operations():
        tally.operations += 1
        _fuzz_operation(result.ok(), target, examples, salt, tally)
    tally.seconds = time.perf_counter() - started
    return tally


def coverage(
    app: FastAPI, target: Target, *, methods_only: bool, advisory: bool = False, per_scenario: int = 0
) -> Tally:
    """The coverage phase for every operation; `methods_only` sends just the unsupported-method probes.

    `per_scenario` caps the cases of one operation and scenario (0: all): a wrong type alone yields dozens per body.
    """
    tally = Tally(checks=CHECKS + ADVISORY if advisory else list(CHECKS))
    started = time.perf_counter()
    schema = load_schema(app, methods_only=methods_only)
    probed: set[tuple[str, bool]] = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        tally.operations += 1
        sent: Counter[str] = Counter()
        for case in _coverage_cases(schema, operation, target):
            scenario = str(coverage_scenario(case))
            if methods_only:
                # per URL one OPTIONS (its `Allow` must list exactly the documented methods) and one other method
                key = (case.formatted_path, case.method == "OPTIONS")
                if scenario != CoverageScenario.UNSPECIFIED_HTTP_METHOD or key in probed:
                    continue
                probed.add(key)
            elif (per_scenario and sent[scenario] >= per_scenario) or _negates_a_pinned_id(case, target):
                continue
            sent[scenario] += 1
            _send(case, target, tally)
    tally.seconds = time.perf_counter() - started
    return tally
