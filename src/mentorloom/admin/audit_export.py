"""The audit log's filters as read from a page or API request, its rows for display, and its CSV export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom import dates
from mentorloom.accounts.models import User
from mentorloom.audit import queries
from mentorloom.audit.labels import action_label, target_label
from mentorloom.audit.models import AuditAction, AuditEvent
from mentorloom.audit.queries import AuditFilter
from mentorloom.i18n import gettext as _
from mentorloom.profiles.csv_format import escape_formula
from mentorloom.programs.models import Program

# Days outside this range filter nothing away anyway, and year 1 or 9999 would overflow once shifted by a zone.
EARLIEST, LATEST = date(1970, 1, 1), date(9000, 12, 31)


def _clamped(day: date | None) -> date | None:
    return min(max(day, EARLIEST), LATEST) if day is not None else None


CSV_COLUMNS = (
    "id",
    "at_utc",
    "action",
    "actor_user_id",
    "actor_name",
    "target_type",
    "target_id",
    "program_id",
    "program_name",
    "origin",
    "detail",
)


@dataclass
class FilterForm:
    """What the page's filter form sent, as typed (to show it again), and the errors of what was no filter."""

    action: str = ""
    person: str = ""
    program: str = ""
    date_from: str = ""
    date_to: str = ""

    def parse(self) -> tuple[AuditFilter, dict[str, str]]:
        """The filter, in the reader's time zone; a part that cannot be read is left out and named in errors."""
        errors: dict[str, str] = {}
        action = None
        if self.action:
            try:
                action = AuditAction(self.action)
            except ValueError:
                errors["action"] = _("Choose an action from the list.")
        program_id = int(self.program) if self.program.isdigit() and len(self.program) < 10 else None
        if self.program and program_id is None:
            errors["program"] = _("Choose a program from the list.")
        since = _clamped(self._day("date_from", self.date_from, errors))
        until = _clamped(self._day("date_to", self.date_to, errors))
        zone = ZoneInfo(dates.get_timezone())
        return (
            AuditFilter(
                action=action,
                person=self.person.strip()[: queries.PERSON_MAX],
                program_id=program_id,
                since=datetime.combine(since, time.min, zone) if since else None,
                until=datetime.combine(until + timedelta(days=1), time.min, zone) if until else None,
            ),
            errors,
        )

    @staticmethod
    def _day(field: str, text: str, errors: dict[str, str]) -> date | None:
        if not text.strip():
            return None
        try:
            return date.fromisoformat(dates.typed_day(text))
        except ValueError:
            errors[field] = _("Enter a date like %(example)s.", example=dates.date_hint())
            return None

    def query_string(self) -> str:
        from urllib.parse import urlencode

        pairs = {
            "action": self.action,
            "person": self.person,
            "program": self.program,
            "date_from": self.date_from,
            "date_to": self.date_to,
        }
        return urlencode({k: v for k, v in pairs.items() if v})


def utc_day_filter(
    *,
    action: AuditAction | None,
    person: str,
    program_id: int | None,
    date_from: date | None,
    date_to: date | None,
) -> AuditFilter:
    """The API's filter: whole days in UTC, both ends included."""
    date_from, date_to = _clamped(date_from), _clamped(date_to)
    return AuditFilter(
        action=action,
        person=person,
        program_id=program_id,
        since=datetime.combine(date_from, time.min, UTC) if date_from else None,
        until=datetime.combine(date_to + timedelta(days=1), time.min, UTC) if date_to else None,
    )


@dataclass(frozen=True)
class Row:
    event: AuditEvent
    action: str
    actor: str
    target: str
    program: str


def program_names(session: Session) -> dict[int, str]:
    return {pid: name for pid, name in session.execute(select(Program.id, Program.name).order_by(Program.name))}


def rows(session: Session, events: list[AuditEvent], programs: dict[int, str]) -> list[Row]:
    """Events with the names a reader needs (who, what, on what, in which program)."""
    people = queries.people_of(session, events)
    return [_row(e, people, programs) for e in events]


def _row(event: AuditEvent, people: dict[int, User], programs: dict[int, str]) -> Row:
    actor = people.get(event.actor_user_id) if event.actor_user_id is not None else None
    return Row(
        event=event,
        action=action_label(event.action),
        actor=actor.display_name if actor else "",
        target=_target(event, people, programs),
        program=programs.get(event.program_id, "") if event.program_id is not None else "",
    )


def _target(event: AuditEvent, people: dict[int, User], programs: dict[int, str]) -> str:
    if not event.target_type:
        return ""
    if event.target_type == "user" and event.target_id in people:
        return people[event.target_id].display_name
    if event.target_type == "program" and event.target_id in programs:
        return programs[event.target_id]
    label = target_label(event.target_type)
    return f"{label} #{event.target_id}" if event.target_id is not None else label


def to_csv(session: Session, events: Iterable[AuditEvent]) -> str:
    """Every event as one CSV row; cells that a spreadsheet would run as a formula are escaped."""
    programs = program_names(session)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    batch: list[AuditEvent] = []
    for event in events:
        batch.append(event)
        if len(batch) == 500:
            _write(writer, session, batch, programs)
            batch = []
    _write(writer, session, batch, programs)
    return buffer.getvalue()


def _write(writer: Any, session: Session, events: list[AuditEvent], programs: dict[int, str]) -> None:
    people = queries.people_of(session, events)
    for event in events:
        actor = people.get(event.actor_user_id) if event.actor_user_id is not None else None
        cells = (
            event.id,
            event.at.astimezone(UTC).isoformat(),
            event.action,
            event.actor_user_id if event.actor_user_id is not None else "",
            actor.display_name if actor else "",
            event.target_type,
            event.target_id if event.target_id is not None else "",
            event.program_id if event.program_id is not None else "",
            programs.get(event.program_id, "") if event.program_id is not None else "",
            event.origin,
            json.dumps(event.detail, sort_keys=True, ensure_ascii=False),
        )
        writer.writerow([escape_formula(c) if isinstance(c, str) else c for c in cells])
