"""Bulk-load planned pair histories for the health benchmarks (`health_simulation.py`, `health_dashboard.py`).

A `PairPlan` says what happened in one pair, in days before `now`; `load` writes the program, people, mentorships,
agreements with one goal, goal progress, meetings, feedback, messages and reviews. Rows go in with explicit ids
(so meetings and their feedback link up without a round trip), by COPY on PostgreSQL and by executemany on
SQLite; columns a row leaves out get the model's Python-side default, as the ORM would give them.
"""

from __future__ import annotations

import enum
import itertools
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, create_engine, func, insert, select, text
from sqlalchemy.engine import Connection, Engine

from mentorloom.accounts.models import User
from mentorloom.engagement.models import Message
from mentorloom.meetings.models import Meeting, MeetingFeedback
from mentorloom.mentorships.models import (
    Agreement,
    Goal,
    GoalProgress,
    Mentorship,
    ReviewAnswer,
    ReviewSubmission,
)
from mentorloom.mentorships.reviews import STATEMENTS
from mentorloom.programs.models import Membership, Program

BATCH = 5_000
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A fresh PostgreSQL database for one run, dropped afterwards (also when the run fails)."""
    name = f"mentorloom_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class PairPlan:
    kind: str  # what the benchmark planted: "steady", "drift", ...
    started_days: float
    cadence: str  # weekly | biweekly | monthly
    confirmed: bool = True
    meetings: list[tuple[float, int | None]] = field(default_factory=list)  # (days ago, mentee's usefulness)
    not_held: list[float] = field(default_factory=list)  # scheduled or cancelled meetings, days ago
    messages: list[float] = field(default_factory=list)  # days ago
    reviews: list[tuple[int, int | None, int | None]] = field(default_factory=list)  # (round, mentor, mentee)
    progress: int | None = None  # the goal's latest percentage, if any entry
    private_feedback: bool = False  # the mentee keeps the feedback private (left out of the score)


def _value(v: Any) -> Any:
    return v.value if isinstance(v, enum.Enum) else v


def _complete(table: Table, rows: list[dict[str, Any]]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Every column a row leaves out gets the model's default (what the ORM would insert)."""
    present = set(rows[0])
    fill: dict[str, Any] = {}
    for column in table.columns:
        if column.key in present:
            continue
        default = column.default
        if default is not None and getattr(default, "is_scalar", False):
            fill[column.key] = default.arg  # type: ignore[attr-defined]
        elif default is not None and getattr(default, "is_callable", False):
            fill[column.key] = default.arg(None)  # type: ignore[attr-defined]
        elif column.server_default is not None or column.primary_key:
            continue
        elif column.nullable:
            fill[column.key] = None
        else:
            raise ValueError(f"{table.name}.{column.key} needs a value")
    names = [*rows[0], *fill]
    return names, [tuple(_value(v) for v in (*row.values(), *fill.values())) for row in rows]


def bulk(conn: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    """Insert rows (all with the same keys) fast: COPY on PostgreSQL, executemany on SQLite."""
    count = 0
    for chunk in _chunks(rows, BATCH):
        names, values = _complete(table, chunk)
        if conn.dialect.name == "postgresql":
            raw = conn.connection.driver_connection
            with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:  # type: ignore[union-attr]
                for row in values:
                    copy.write_row(row)
        else:
            conn.execute(insert(table), [dict(zip(names, row, strict=True)) for row in values])
        count += len(chunk)
    return count


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    it = iter(rows)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def _next_id(conn: Connection, table: Table) -> int:
    return int(conn.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1


def _reset_sequences(conn: Connection, tables: Iterable[Table]) -> None:
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        conn.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT max(id) FROM {table.name}))")
        )


@dataclass
class Loaded:
    program_id: int
    mentorship_ids: list[int]  # in the order of the plans
    coordinator_id: int
    rows: dict[str, int]


def load(engine: Engine, plans: list[PairPlan], now: datetime, *, settings: dict[str, Any] | None = None) -> Loaded:
    """Write one program with a pair per plan (and a coordinator) in one transaction."""
    t = {
        m.__tablename__: m.__table__
        for m in (
            User,
            Membership,
            Mentorship,
            Agreement,
            Goal,
            GoalProgress,
            Meeting,
            MeetingFeedback,
            Message,
            ReviewSubmission,
            ReviewAnswer,
        )
    }
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        program_id = conn.execute(
            insert(Program.__table__).values(
                name="Health benchmark", settings=settings or {}, default_cadence="monthly", duration_months=24
            )
        ).inserted_primary_key[0]
        ids = {name: _next_id(conn, table) for name, table in t.items()}
        n = len(plans)
        user0, member0, pair0 = ids["users"], ids["memberships"], ids["mentorships"]
        coordinator_id = user0 + 2 * n
        counts["users"] = bulk(
            conn,
            t["users"],
            (
                {"id": user0 + i, "email": f"bench{program_id}-{user0 + i}@example.org", "display_name": name}
                for i, name in ((i, f"{'Mentor' if i % 2 == 0 else 'Mentee'} {i // 2 + 1}") for i in range(2 * n))
            ),
        )
        bulk(
            conn,
            t["users"],
            [{"id": coordinator_id, "email": f"coord{program_id}@example.org", "display_name": "Coordinator"}],
        )
        bulk(
            conn,
            t["memberships"],
            (
                {"id": member0 + i, "program_id": program_id, "user_id": user0 + i, "role": role}
                for i, role in ((i, "mentor" if i % 2 == 0 else "mentee") for i in range(2 * n))
            ),
        )
        bulk(
            conn,
            t["memberships"],
            [{"id": member0 + 2 * n, "program_id": program_id, "user_id": coordinator_id, "role": "coordinator"}],
        )
        starts = [now - timedelta(days=p.started_days) for p in plans]
        counts["mentorships"] = bulk(
            conn,
            t["mentorships"],
            (
                {
                    "id": pair0 + i,
                    "program_id": program_id,
                    "mentor_id": member0 + 2 * i,
                    "mentee_id": member0 + 2 * i + 1,
                    "status": "active",
                    "source": "matching",
                    "created_at": starts[i],
                    "started_at": starts[i],
                    "cycle": 1,
                    "cycle_started_at": starts[i],
                    "planned_end_on": (starts[i] + timedelta(days=730)).date(),
                }
                for i in range(n)
            ),
        )
        agreement0, goal0 = ids["agreements"], ids["goals"]
        bulk(
            conn,
            t["agreements"],
            (
                {
                    "id": agreement0 + i,
                    "mentorship_id": pair0 + i,
                    "cycle": 1,
                    "version": 1,
                    "status": "confirmed" if p.confirmed else "draft",
                    "cadence": p.cadence,
                    "planned_months": 24,
                    "created_at": starts[i],
                    "updated_at": starts[i],
                }
                for i, p in enumerate(plans)
            ),
        )
        bulk(
            conn,
            t["goals"],
            (
                {
                    "id": goal0 + i,
                    "agreement_id": agreement0 + i,
                    "mentorship_id": pair0 + i,
                    "key": "g1",
                    "title": "Lead a project review",
                    "target_date": None,
                }
                for i in range(n)
            ),
        )
        counts["goal_progress"] = bulk(
            conn,
            t["goal_progress"],
            (
                {
                    "mentorship_id": pair0 + i,
                    "goal_key": "g1",
                    "status": "in_progress",
                    "progress": p.progress,
                    "created_at": now - timedelta(days=min(10, p.started_days)),
                }
                for i, p in enumerate(plans)
                if p.progress is not None
            ),
        )
        meeting0 = ids["meetings"]
        meeting_rows: list[dict[str, Any]] = []
        feedback_rows: list[dict[str, Any]] = []
        for i, p in enumerate(plans):
            for days, usefulness in p.meetings:
                mid = meeting0 + len(meeting_rows)
                meeting_rows.append(_meeting(mid, pair0 + i, program_id, now - timedelta(days=days), "held"))
                if usefulness is not None:
                    feedback_rows.append(
                        {
                            "meeting_id": mid,
                            "mentorship_id": pair0 + i,
                            "program_id": program_id,
                            "side": "mentee",
                            "usefulness": usefulness,
                            "visibility": "private" if p.private_feedback else "partner",
                            "created_at": now - timedelta(days=days),
                        }
                    )
            for days in p.not_held:
                mid = meeting0 + len(meeting_rows)
                status = "scheduled" if days < 0 else "cancelled"
                meeting_rows.append(_meeting(mid, pair0 + i, program_id, now - timedelta(days=days), status))
        counts["meetings"] = bulk(conn, t["meetings"], meeting_rows)
        counts["meeting_feedback"] = bulk(conn, t["meeting_feedback"], feedback_rows)
        del meeting_rows, feedback_rows
        counts["pair_messages"] = bulk(
            conn,
            t["pair_messages"],
            (
                {
                    "mentorship_id": pair0 + i,
                    "program_id": program_id,
                    "author_side": "mentee" if k % 2 else "mentor",
                    "body": "Thanks, see you then!",
                    "created_at": now - timedelta(days=days),
                }
                for i, p in enumerate(plans)
                for k, days in enumerate(p.messages)
            ),
        )
        submissions, answers = _reviews(plans, pair0, program_id, ids["review_submissions"], starts)
        counts["review_submissions"] = bulk(conn, t["review_submissions"], submissions)
        counts["review_answers"] = bulk(conn, t["review_answers"], answers)
        _reset_sequences(conn, t.values())
        _reset_sequences(conn, [Program.__table__])
    return Loaded(program_id, [pair0 + i for i in range(len(plans))], coordinator_id, counts)


def _meeting(mid: int, pair: int, program_id: int, at: datetime, status: str) -> dict[str, Any]:
    return {
        "id": mid,
        "mentorship_id": pair,
        "program_id": program_id,
        "starts_at": at,
        "ends_at": at + timedelta(hours=1),
        "timezone": "Europe/Berlin",
        "format": "video",
        "status": status,
        "uid": f"bench-{mid}@mentorloom",
    }


def _reviews(
    plans: list[PairPlan], pair0: int, program_id: int, first_id: int, starts: list[datetime]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    submissions: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    for i, p in enumerate(plans):
        for period, mentor, mentee in p.reviews:
            for side, score in (("mentor", mentor), ("mentee", mentee)):
                if score is None:
                    continue
                sid = first_id + len(submissions)
                submitted = starts[i] + timedelta(weeks=12 * period, days=3)
                submissions.append(
                    {
                        "id": sid,
                        "mentorship_id": pair0 + i,
                        "program_id": program_id,
                        "period": period,
                        "side": side,
                        "shared_with_partner": True,
                        "submitted_at": submitted,
                    }
                )
                answers.extend({"submission_id": sid, "statement": key, "score": score} for key in STATEMENTS)
    return submissions, answers
