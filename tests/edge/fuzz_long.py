"""`make fuzz`: the long schemathesis run over the whole /api/v1 (not part of `make test`).

    .venv/bin/python -m tests.edge.fuzz_long

The same checks as tests/edge/test_schemathesis.py, with many more cases. For each backend (a throwaway SQLite file
and a throwaway PostgreSQL database at 127.0.0.1:5432, both migrated, dropped afterwards) and each caller
(coordinator, mentee of a pair, instance admin): `MENTORLOOM_FUZZ_EXAMPLES` hypothesis cases per operation (default
10). Then schemathesis' coverage phase (boundaries, wrong types, missing fields, unsupported methods) as the callers
in `MENTORLOOM_FUZZ_COVERAGE` (default `coordinator`; `none` skips it) on the backends in
`MENTORLOOM_FUZZ_COVERAGE_ON` (default `postgresql`, the stricter database), at most
`MENTORLOOM_FUZZ_COVERAGE_CAP` cases per operation and scenario (default 0: all). `MENTORLOOM_FUZZ_BACKENDS` picks
backends (default `sqlite,postgresql`), `MENTORLOOM_FUZZ_SEED` other cases (default 0: the same every run).

Prints a table (operations, cases, failures by check, duration) and the first failure of each operation and check;
exits 1 when a check failed. `positive_data_acceptance` (schema-valid input answered 422) is counted, not failed on.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from mentorloom import migrate
from mentorloom.app import create_app
from mentorloom.config import Settings
from mentorloom.db import Database
from mentorloom.jobs import JobQueue
from tests.edge.fuzzing import ADVISORY, CHECKS, ROLES, Tally, caller, coverage, fuzz

PG_ADMIN_URL = os.environ.get("MENTORLOOM_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
EXAMPLES = int(os.environ.get("MENTORLOOM_FUZZ_EXAMPLES", "10"))
COVERAGE = [r for r in os.environ.get("MENTORLOOM_FUZZ_COVERAGE", "coordinator").split(",") if r and r != "none"]
BACKENDS = os.environ.get("MENTORLOOM_FUZZ_BACKENDS", "sqlite,postgresql").split(",")
COVERAGE_ON = os.environ.get("MENTORLOOM_FUZZ_COVERAGE_ON", "postgresql").split(",")
COVERAGE_CAP = int(os.environ.get("MENTORLOOM_FUZZ_COVERAGE_CAP", "0"))
SEED = os.environ.get("MENTORLOOM_FUZZ_SEED", "0")
SHOWN_FAILURES = 40


@contextmanager
def database_url(backend: str, tmp: Path) -> Iterator[str]:
    """A migrated, empty database of `backend`, dropped afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'fuzz.db'}"
        migrate.upgrade(url)
        yield url
        return
    name = f"mentorloom_fuzz_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        migrate.upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_backend(backend: str) -> list[tuple[str, str, str, Tally]]:
    """Every caller's fuzzing run, then the coverage phase, against one fresh database."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp, database_url(backend, Path(tmp)) as url:
        settings = Settings(
            var_dir=Path(tmp) / "var",
            database_url=url,
            secret_key="fuzz",
            jobs_immediate=True,
            base_url="http://testserver",
            text_encoder="tfidf",
            api_rate_limit="1000000/minute",  # the run is one burst per token
        )
        database = Database(settings.sqlalchemy_url)
        app = create_app(settings, database=database, jobs=JobQueue(settings, database, immediate=True))
        with Session(database.engine, expire_on_commit=False) as session:
            targets = {role: caller(session, role) for role in ROLES}
            session.commit()
        for role in ROLES:
            tally = fuzz(app, targets[role], examples=EXAMPLES, advisory=True, salt=SEED)
            rows.append((backend, role, f"fuzz x{EXAMPLES}", tally))
            print_row(*rows[-1])
        for role in COVERAGE if backend in COVERAGE_ON else []:
            tally = coverage(app, targets[role], methods_only=False, advisory=True, per_scenario=COVERAGE_CAP)
            rows.append((backend, role, "coverage" + (f" (≤{COVERAGE_CAP})" if COVERAGE_CAP else ""), tally))
            print_row(*rows[-1])
        database.dispose()
    return rows


HEADER = (
    "| backend | caller | phase | operations | cases | failures by check | schema-valid input refused "
    "| answered 401 | seconds |"
)


def _failures(tally: Tally) -> str:
    counts = {name: n for name, n in tally.failures.items() if name not in {c.__name__ for c in ADVISORY}}
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items())) or "none"


def print_row(backend: str, role: str, phase: str, tally: Tally) -> None:
    advisory = sum(tally.failures[c.__name__] for c in ADVISORY)
    print(
        f"| {backend} | {role} | {phase} | {tally.operations} | {tally.cases} | {_failures(tally)} | {advisory} "
        f"| {tally.statuses[401]} | {tally.seconds:.0f} |",
        flush=True,
    )


def main() -> int:
    started = time.perf_counter()
    print(f"checks: {', '.join(c.__name__ for c in CHECKS)}; counted only: {', '.join(c.__name__ for c in ADVISORY)}")
    print(HEADER)
    print("|" + "---|" * HEADER.count(" | ") + "---|")
    total = Tally()
    for backend in BACKENDS:
        for *_, tally in run_backend(backend):
            total.add(tally)
    print_row("all", "all", "all", total)
    print(f"\n{total.cases} cases in {time.perf_counter() - started:.0f} s")
    advisory = {c.__name__ for c in ADVISORY}
    failing = {key: found for key, found in total.examples.items() if key[1] not in advisory}
    for (operation, check), found in sorted(failing.items())[:SHOWN_FAILURES]:
        print(f"\n[{check}] {operation}\n{found}")
    refused = sorted(operation for operation, check in total.examples if check in advisory)
    if refused:
        print(f"\nschema-valid input refused (422) by {len(refused)} operations: " + ", ".join(refused))
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
