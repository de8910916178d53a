"""Matching from files, no database: ``pairs.csv`` (allowed pairs with scores) + ``capacities.csv`` → ``matches.csv``.

Inputs are UTF-8 with or without BOM, comma- or semicolon-separated (sniffed from the header line; in
semicolon files a decimal comma such as ``3,5`` is accepted). Every problem is reported as a
:class:`FileMatchError` naming file, line and column, and the output file is only written — atomically —
when the whole run succeeded.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mentorloom.errors import MentorloomError
from mentorloom.matching.engine.blocking import blocking_pairs
from mentorloom.matching.engine.candidates import Candidates
from mentorloom.matching.engine.features import IntArray
from mentorloom.matching.engine.optimal import solve_optimal
from mentorloom.matching.engine.stable import stable_from_candidates

PAIRS_COLUMNS = ("mentee_id", "mentor_id", "score")
CAPACITY_COLUMNS = ("mentor_id", "capacity")
MODES = {"optimal": "max_matched", "max_matched": "max_matched", "total_score": "total_score", "stable": "stable"}
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_INTEGER = re.compile(r"\+?\d+")


class FileMatchError(MentorloomError):
    """A pairs or capacities file is malformed; the message names file, line and column."""


@dataclass(frozen=True, eq=False)
class FileProblem:
    """A matching problem with external ids: what the pairs mode reads and the profile mode can build too.

    ``score_text[e]`` is how candidate entry ``e``'s score is written back (the input's own spelling).
    """

    mentee_ids: list[str]
    mentor_ids: list[str]
    candidates: Candidates
    capacity: IntArray
    score_text: list[str]


@dataclass(frozen=True)
class _Table:
    """Rows of one CSV file with the line number each row started on."""

    name: str
    delimiter: str
    columns: dict[str, int]
    rows: list[tuple[int, list[str]]]


def _fail(name: str, line: int, message: str, column: str | None = None) -> FileMatchError:
    """Uniform error text: ``pairs.csv, line 7, column "score": …``."""
    where = f"{name}, line {line}" + (f', column "{column}"' if column else "")
    return FileMatchError(f"{where}: {message}", field=column)


def _read_table(path: Path, required: Sequence[str]) -> _Table:
    """Decode, sniff the separator from the header, check the columns, keep every row with its line number."""
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise FileMatchError(f"{name}: cannot read file ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise FileMatchError(f"{name}: not valid UTF-8 (byte {exc.start})") from exc
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise _fail(name, 1, f"empty file, expected header {','.join(required)}")
    columns = {h.strip().lower(): k for k, h in enumerate(header)}
    for col in required:
        if col not in columns:
            raise _fail(name, 1, f'missing column "{col}" (header is {delimiter.join(header)})')
    return _Table(name, delimiter, columns, list(_rows(reader, len(header), name)))


def _rows(reader: Any, width: int, name: str) -> Iterator[tuple[int, list[str]]]:
    """Data rows (blank lines skipped) with their starting line numbers; wrong field counts are errors."""
    line = reader.line_num
    for row in reader:
        start, line = line + 1, reader.line_num
        if not row or all(not f.strip() for f in row):
            continue
        if len(row) != width:
            raise _fail(name, start, f"expected {width} fields, found {len(row)}")
        yield start, [f.strip() for f in row]


def _field(table: _Table, line: int, row: list[str], column: str) -> str:
    """A non-empty field."""
    value = row[table.columns[column]]
    if not value:
        raise _fail(table.name, line, "empty value", column)
    return value


def _number(table: _Table, line: int, row: list[str], column: str) -> tuple[float, str]:
    """A finite number (decimal comma allowed in semicolon files) and its normalised spelling."""
    raw = _field(table, line, row, column)
    text = raw.replace(",", ".") if table.delimiter == ";" and _DECIMAL_COMMA.fullmatch(raw) else raw
    if text.lower().lstrip("+-") in {"nan", "inf", "infinity"}:
        raise _fail(table.name, line, f'"{raw}" is not a finite number', column)
    if not _NUMBER.fullmatch(text):
        raise _fail(table.name, line, f'"{raw}" is not a number', column)
    value = float(text)
    if not np.isfinite(value):
        raise _fail(table.name, line, f'"{raw}" is not a finite number', column)
    return value, text


def read_capacities(path: Path) -> tuple[list[str], IntArray]:
    """Mentor ids in file order and their capacities (non-negative integers, each mentor once)."""
    table = _read_table(path, CAPACITY_COLUMNS)
    ids: list[str] = []
    caps: list[int] = []
    first_line: dict[str, int] = {}
    for line, row in table.rows:
        mentor = _field(table, line, row, "mentor_id")
        if mentor in first_line:
            raise _fail(
                table.name, line, f'duplicate mentor "{mentor}" (first on line {first_line[mentor]})', "mentor_id"
            )
        raw = _field(table, line, row, "capacity")
        if not _INTEGER.fullmatch(raw):
            raise _fail(table.name, line, f'"{raw}" is not a non-negative integer', "capacity")
        first_line[mentor] = line
        ids.append(mentor)
        caps.append(int(raw))
    return ids, np.asarray(caps, dtype=np.int64)


def read_problem(pairs_path: Path, capacities_path: Path) -> FileProblem:
    """Read and validate both files into a :class:`FileProblem`."""
    mentor_ids, capacity = read_capacities(capacities_path)
    mentor_index = {m: j for j, m in enumerate(mentor_ids)}
    table = _read_table(pairs_path, PAIRS_COLUMNS)
    mentee_index: dict[str, int] = {}
    seen: dict[tuple[int, int], int] = {}
    mentee, mentor, score, texts = [], [], [], []
    for line, row in table.rows:
        me = _field(table, line, row, "mentee_id")
        mo = _field(table, line, row, "mentor_id")
        if mo not in mentor_index:
            raise _fail(table.name, line, f'unknown mentor "{mo}" (not in {capacities_path.name})', "mentor_id")
        value, text = _number(table, line, row, "score")
        i, j = mentee_index.setdefault(me, len(mentee_index)), mentor_index[mo]
        if (i, j) in seen:
            raise _fail(table.name, line, f'duplicate pair "{me}", "{mo}" (first on line {seen[i, j]})')
        seen[i, j] = line
        mentee.append(i)
        mentor.append(j)
        score.append(value)
        texts.append(text)
    return _problem(list(mentee_index), mentor_ids, capacity, (mentee, mentor, score), texts)


def _problem(
    mentee_ids: list[str],
    mentor_ids: list[str],
    capacity: IntArray,
    pairs: tuple[list[int], list[int], list[float]],
    texts: list[str],
) -> FileProblem:
    """Build candidates (complete lists) and keep the score spelling aligned with the candidate order."""
    mentee, mentor, score = (np.asarray(x) for x in pairs)
    mentee, mentor = mentee.astype(np.int64).reshape(-1), mentor.astype(np.int64).reshape(-1)
    score = score.astype(np.float64).reshape(-1)
    cands = Candidates.from_pairs(len(mentee_ids), len(mentor_ids), mentee, mentor, score)
    order = np.lexsort((mentor, -score, mentee))
    return FileProblem(mentee_ids, mentor_ids, cands, capacity, [texts[k] for k in order.tolist()])


def solve_problem(problem: FileProblem, mode: str) -> tuple[IntArray, dict[str, Any]]:
    """Assignment (mentee → mentor index or -1) and the JSON summary, without touching any file."""
    if mode not in MODES:
        raise FileMatchError(f'unknown mode "{mode}" (use one of {", ".join(MODES)})')
    started = time.perf_counter()
    cands, cap = problem.candidates, problem.capacity
    engine_mode = MODES[mode]
    if engine_mode == "stable":
        assignment = stable_from_candidates(cands, cap).assignment
    else:
        assignment = solve_optimal(
            cands, cap, "total_score" if engine_mode == "total_score" else "max_matched"
        ).assignment
    rank = cands.rank_of(assignment)
    hit = rank > 0
    total = float(cands.score[cands.indptr[:-1][hit] + rank[hit] - 1].sum())
    summary = {
        "mode": mode,
        "total_score": round(total, 6),
        "matched": int(hit.sum()),
        "unmatched": int(cands.n_mentees - hit.sum()),
        "blocking_pairs": blocking_pairs(cands, assignment, cap),
        "seconds": round(time.perf_counter() - started, 4),
    }
    return assignment, summary


def write_matches(out_path: Path, problem: FileProblem, assignment: IntArray) -> None:
    """Write ``matches.csv``: one row per mentee, the mentor empty when unmatched."""
    cands = problem.candidates
    rank = cands.rank_of(assignment)
    rows = []
    for i, mentee_id in enumerate(problem.mentee_ids):
        if rank[i] > 0:
            entry = int(cands.indptr[i] + rank[i] - 1)
            rows.append([mentee_id, problem.mentor_ids[int(assignment[i])], problem.score_text[entry]])
        else:
            rows.append([mentee_id, "", ""])
    write_rows_atomically(Path(out_path), rows)


def write_rows_atomically(out_path: Path, rows: Sequence[Sequence[str]]) -> None:
    """Write a matches file atomically: a temp file in the same folder, then ``os.replace`` (no half files)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PAIRS_COLUMNS)
    writer.writerows(rows)
    out_path = Path(out_path)
    fd, tmp = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".tmp", dir=out_path.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(buffer.getvalue())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_file_match(
    pairs_path: Path | str | None,
    capacities_path: Path | str | None,
    out_path: Path | str,
    mode: str = "optimal",
    *,
    problem: FileProblem | None = None,
) -> dict[str, Any]:
    """Read (or take a prebuilt ``problem``), solve, write ``out_path``; returns the JSON summary for the CLI."""
    if problem is None:
        if pairs_path is None or capacities_path is None:
            raise FileMatchError("pairs and capacities files are required")
        problem = read_problem(Path(pairs_path), Path(capacities_path))
    assignment, summary = solve_problem(problem, mode)
    write_matches(Path(out_path), problem, assignment)
    return summary
