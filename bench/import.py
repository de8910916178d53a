"""Benchmark the participant CSV import: a realistic 10,000-row file into a fresh database.

    .venv/bin/python bench/import.py [--rows 10000] [--postgres]

Prints a table (not a test). Target: 10,000 rows in under 10 s on SQLite. Phases: parsing
only; the first import (everyone created); a re-import of the same people as a German-Excel file
(semicolons, BOM: nothing changes); a revised file where every profile changed (the update
path); and the export.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from mentorloom import migrate
from mentorloom.db import Database
from mentorloom.profiles.csv_format import COLUMNS, parse_participants
from mentorloom.profiles.importer import export_participants, import_participants
from mentorloom.programs.models import Program

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TARGET_SECONDS = 10.0

FIRST_NAMES = [
    "Jürgen", "Björn", "Sören", "Jörg", "Özlem", "Ümit", "Käthe", "Günther", "Anna", "Lena", "Maximilian",
    "Sophie", "Lukas", "Marie", "Felix", "Hannah", "Matthias", "Jana", "Zoë", "Renée",
    "Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Emily", "Charlotte", "Siobhán",
]  # fmt: skip
LAST_NAMES = [
    "Müller", "Schröder", "Böhm", "Weiß", "Groß", "Köhler", "Schäfer", "Krüger", "Hoffmann", "Schmidt",
    "Fischer", "Wagner", "Becker", "Çelik", "Smith", "Jones", "Taylor", "Brown", "O'Connor", "Walsh",
]  # fmt: skip
DEPARTMENTS = ["Vertrieb", "Forschung & Entwicklung", "Personal", "Finance", "Customer Success", "IT-Betrieb", "Legal"]
TIMEZONES = ["Europe/Berlin", "Europe/Vienna", "Europe/Zurich", "Europe/London", "America/New_York", "Asia/Kolkata"]
LANGUAGES = ["de", "en", "fr", "es", "tr", "pl", "it"]
VALUES = ["growth", "honesty", "Work-life balance", "Wachstum", "autonomy", "Zusammenarbeit", "impact", "learning",
          "fairness", "Nachhaltigkeit", "creativity", "security", "leadership", "Vielfalt", "recognition"]  # fmt: skip
SKILLS = [
    "Verhandlungsführung", "Python", "Public speaking", "Projektmanagement", "Führung", "Data analysis",
    "Konfliktlösung", "Stakeholder management", "Präsentieren", "SQL", "Budgetplanung", "Coaching",
    "Zeitmanagement", "UX research", "Cloud architecture", "Changemanagement", "Storytelling", "Recruiting",
    "Rhetorik", "Agile Methoden", "Machine learning", "Controlling", "Arbeitsrecht", "Networking",
]  # fmt: skip
INTERESTS = [
    "Klettern", "Fotografie", "Open Source", "Jazz", "Kochen", "Radfahren", "Schach", "Gärtnern", "Reisen",
    "Podcasts", "Marathon", "Ehrenamt", "Brettspiele", "Segeln", "Science fiction", "Yoga", "Imkerei",
]  # fmt: skip
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Mo", "Di", "Mi", "Do", "Fr"]
BIO_SENTENCES = [
    "Ich arbeite seit zehn Jahren im Vertrieb; davor war ich in der Forschung.",
    'Mein Motto: "Fragen kostet nichts".',
    "I enjoy helping people find their feet, especially in their first year.",
    "Schwerpunkte: Führung, Verhandlung und – wenn Zeit bleibt – Open Source.",
    "Parent of two, weekend cyclist, terrible at chess.",
]


def ascii_name(name: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
    return "".join(c for c in name.translate(table).lower() if c.isascii() and c.isalnum())


def generate_rows(count: int, *, revision: int = 0, seed: int = 7) -> list[dict[str, str]]:
    """Participants as a coordinator's spreadsheet would hold them; a revision changes every profile."""
    rng = random.Random(seed)
    managers = [f"manager{i}@example.org" for i in range(60)]
    rows = []
    for i in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        mentor = rng.random() < 0.35
        top = 5 if mentor else 3
        skills = rng.sample(SKILLS, rng.randint(2, 5))
        slots = [f"{rng.choice(DAYS)} {h:02d}:00-{h + rng.randint(1, 3):02d}:30" for h in rng.sample(range(8, 18), 2)]
        bio = " ".join(rng.sample(BIO_SENTENCES, rng.randint(1, 3)))
        if rng.random() < 0.2:
            bio = bio.replace(". ", ".\n", 1)
        weights = [min(rng.randint(1, top) + revision, top) for _ in skills]
        rows.append(
            {
                "email": f"{ascii_name(first)}.{ascii_name(last)}.{i}@example.org",
                "name": f"{first} {last}",
                "role": rng.choice(["Mentorin", "mentor"]) if mentor else "Mentee",
                "department": rng.choice(DEPARTMENTS),
                "line_manager_email": rng.choice(managers),
                "timezone": rng.choice(TIMEZONES),
                "languages": "|".join(rng.sample(LANGUAGES, rng.randint(1, 3))),
                "values": "|".join(dict.fromkeys(rng.sample(VALUES, rng.randint(3, 5)))),
                "values_note": "Ehrlichkeit ist mir wichtig, auch wenn's unbequem ist." if rng.random() < 0.3 else "",
                "interests": "|".join(rng.sample(INTERESTS, rng.randint(1, 4))),
                "expertise": "|".join(f"{s}:{w}" for s, w in zip(skills, weights, strict=True)) if mentor else "",
                "wanted_skills": "" if mentor else "|".join(f"{s}:{w}" for s, w in zip(skills, weights, strict=True)),
                "capacity": str(rng.randint(1, 3)) if mentor else "",
                "availability": "|".join(slots),
                "bio": bio + (f" (Stand {revision})" if revision else ""),
            }
        )
    return rows


def to_csv(rows: list[dict[str, str]], *, delimiter: str = ",", bom: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


def timed(action: Callable[[], Any]) -> tuple[Any, tuple[float, float]]:
    """The result, wall-clock seconds and this process's CPU seconds (steadier on a busy machine)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = action()
    return result, (time.perf_counter() - start, time.process_time() - cpu)


def run_backend(label: str, url: str, files: dict[str, bytes], rows: int) -> list[tuple[str, ...]]:
    migrate.upgrade(url)
    db = Database(url)
    try:
        with db.session() as session:
            program = Program(name="Benchmark", settings={})
            session.add(program)
            session.flush()
            program_id = program.id
        results = []
        for phase, key in (("first import", "comma"), ("re-import, ; + BOM", "semicolon"), ("update", "revised")):

            def work(data: bytes = files[key]) -> Any:
                with db.session() as session:
                    return import_participants(session, program_id, data)

            summary, seconds = timed(work)
            outcome = f"{summary.created}/{summary.updated}/{summary.unchanged}"
            results.append(_line(label, phase, rows, seconds, outcome))

        def export() -> str:
            with db.session() as session:
                return export_participants(session, program_id)

        exported, seconds = timed(export)
        results.append(_line(label, "export", exported.count("\r\n") - 1, seconds, "-"))
        return results
    finally:
        db.dispose()


def _line(backend: str, phase: str, rows: int, seconds: tuple[float, float], outcome: str) -> tuple[str, ...]:
    wall, cpu = seconds
    return backend, phase, f"{rows:,}", f"{wall:.2f}", f"{cpu:.2f}", f"{rows / wall:,.0f}", outcome


@contextmanager
def throwaway_postgres() -> Iterator[str]:
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


def print_table(lines: list[tuple[str, ...]]) -> None:
    header = ("backend", "phase", "rows", "seconds", "cpu s", "rows/s", "created/updated/unchanged")
    widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(len(header))]
    for line in [header, tuple("-" * w for w in widths), *lines]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--postgres", action="store_true", help="also run against a throwaway PostgreSQL database")
    args = parser.parse_args()

    original = generate_rows(args.rows)
    files = {
        "comma": to_csv(original),
        "semicolon": to_csv(original, delimiter=";", bom=True),
        "revised": to_csv(generate_rows(args.rows, revision=1)),
    }
    print(f"CSV: {args.rows:,} rows, {len(files['comma']) / 1e6:.1f} MB")
    parsed, seconds = timed(lambda: parse_participants(files["comma"]))
    lines = [_line("-", "parse only", len(parsed), seconds, "-")]
    with tempfile.TemporaryDirectory() as tmp:
        lines += run_backend("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", files, args.rows)
    if args.postgres:
        with throwaway_postgres() as url:
            lines += run_backend("postgresql", url, files, args.rows)
    print_table(lines)
    slowest = max(float(line[3]) for line in lines if line[0] == "sqlite" and line[1] != "export")
    verdict = "OK" if slowest < TARGET_SECONDS else "TOO SLOW"
    print(f"\nslowest SQLite import: {slowest:.2f} s (target < {TARGET_SECONDS:.0f} s): {verdict}")
    print("cpu s = this process only (for SQLite that is all of the work; PostgreSQL works in its own process)")


if __name__ == "__main__":
    main()
