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
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from mentorloom.matching.arrow_numpy import from_ints, to_bools, to_floats, to_ints
from mentorloom.matching.engine.blocking import blocking_pairs
from mentorloom.matching.engine.candidates import Candidates, candidate_order
from mentorloom.matching.file_tables import FileMatchError, Table, fail, read_table

if TYPE_CHECKING:
    from mentorloom.matching.engine.features import FloatArray, IntArray

PAIRS_COLUMNS = ("mentee_id", "mentor_id", "score")
CAPACITY_COLUMNS = ("mentor_id", "capacity")
MODES = {"optimal": "max_matched", "max_matched": "max_matched", "total_score": "total_score", "stable": "stable"}
# The rules Python's re applied row by row, in RE2 (Arrow): \p{Nd} is what \d means for Python str patterns.
_DIGITS = r"\p{Nd}"
_NUMBER = rf"^[+-]?({_DIGITS}+(\.{_DIGITS}*)?|\.{_DIGITS}+)([eE][+-]?{_DIGITS}+)?$"
_DECIMAL_COMMA = rf"^[+-]?{_DIGITS}+,{_DIGITS}+$"
_INTEGER = rf"^\+?{_DIGITS}+$"
_NOT_FINITE = r"(?i)^[+-]*(nan|inf|infinity)$"
_T = TypeVar("_T")

__all__ = ["FileMatchError", "FileProblem", "read_capacities", "read_problem", "run_file_match", "solve_problem"]


@dataclass(frozen=True, eq=False)
class FileProblem:
    """A matching problem with external ids: what the pairs mode reads and the profile mode can build too.

    ``score_text[e]`` is how candidate entry ``e``'s score is written back (the input's own spelling).
    """

    mentee_ids: list[str]
    mentor_ids: list[str]
    candidates: Candidates
    capacity: IntArray
    score_text: pa.Array


@dataclass(frozen=True, eq=False)
class _Rule:
    """A check every data row must pass: which rows break it, and the message for one of them."""

    column: str | None
    broken: NDArray[np.bool_]
    message: Callable[[int], str]


@dataclass(frozen=True, eq=False)
class _Capacities:
    ids: pa.Array
    capacity: IntArray


@dataclass(frozen=True, eq=False)
class _Pairs:
    mentee_ids: pa.Array
    mentee: IntArray
    mentor: IntArray
    score: FloatArray
    text: pa.Array


def _first_broken(rules: Sequence[_Rule]) -> int | None:
    """The first row that breaks any rule."""
    return min((int(np.argmax(r.broken)) for r in rules if r.broken.any()), default=None)


def _raise_first(table: Table, rules: Sequence[_Rule]) -> None:
    """Raise for the first row with a wrong field count, else the first row breaking a rule, named by the first
    rule it breaks (a file's rows are split before any value is checked, and a row's rules run in this order).
    """
    if table.stop is not None:
        raise table.stop
    row = _first_broken(rules)
    if row is None:
        return
    rule = next(r for r in rules if r.broken[row])
    raise fail(table.name, table.line(row), rule.message(row), rule.column)


def _read_valid(path: Path, required: Sequence[str], check: Callable[[Table], tuple[list[_Rule], _T]]) -> _T:
    """Read fast and check vectorised; only on a problem read again exactly, up to the bad row, to name its line."""
    table = read_table(path, required)
    rules, parsed = check(table)
    first = _first_broken(rules)
    if table.exact or (first is None and table.stop is None):
        _raise_first(table, rules)
        return parsed
    if table.stop is None and first is not None:  # every row splits: reading up to the bad one is enough
        table = read_table(path, required, exact=True, limit=first + 1)
        rules, parsed = check(table)
        _raise_first(table, rules)
        if not table.truncated:
            return parsed
    # a row with a wrong field count (the fast reader does not know where), or a row the fast checks flagged and
    # the exact reader accepts: the exact reader decides, over the whole file
    table = read_table(path, required, exact=True)
    rules, parsed = check(table)
    _raise_first(table, rules)
    return parsed


def _text(values: pa.Array, row: int) -> str:
    return str(values[row].as_py())


def _empty(table: Table, column: str) -> _Rule:
    filled = to_bools(pc.cast(pc.binary_length(table.column(column)), pa.bool_()))
    return _Rule(column, ~filled, lambda _: "empty value")


def _nul_rules(table: Table) -> list[_Rule]:
    """A NUL byte in any field (Arrow and PostgreSQL would cut the value there): checked first, column by column."""
    if not table.has_nul:
        return []
    return [
        _Rule(h.strip().lower(), to_bools(pc.match_substring(values, "\x00")), lambda _: "contains a NUL byte")
        for h, values in zip(table.header, table.fields, strict=True)
    ]


def _first_of(codes: IntArray) -> IntArray:
    """For every row, the first row with the same code."""
    _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    return np.asarray(first[inverse], dtype=np.int64)


def _numbers(text: pa.Array, ok: pa.Array, convert: type[float] | type[int]) -> NDArray[Any]:
    """The values of the rows that passed their pattern (0 elsewhere), as Python's float() or int() reads them."""
    kind, dtype = (pa.float64(), np.float64) if convert is float else (pa.int64(), np.int64)
    valid = text.filter(ok)
    values: NDArray[Any]
    try:
        cast = pc.cast(valid, kind)
        values = to_floats(cast) if convert is float else to_ints(cast)
    except pa.ArrowInvalid:  # forms Python reads and Arrow does not ("+3" as an integer, digits of other scripts)
        values = np.asarray([convert(s) for s in valid.to_pylist()], dtype=dtype)
    out = np.zeros(len(text), dtype=dtype)
    out[to_bools(ok)] = values
    return out


def _capacity_rules(table: Table) -> tuple[list[_Rule], _Capacities]:
    """Non-negative integer capacities, each mentor once."""
    mentor, raw = table.column("mentor_id"), table.column("capacity")
    first = _first_of(to_ints(pc.dictionary_encode(mentor).indices))
    integer = pc.match_substring_regex(raw, _INTEGER)
    rules = [
        *_nul_rules(table),
        _empty(table, "mentor_id"),
        _Rule(
            "mentor_id",
            first != np.arange(first.size),
            lambda k: f'duplicate mentor "{_text(mentor, k)}" (first on line {table.line(int(first[k]))})',
        ),
        _empty(table, "capacity"),
        _Rule("capacity", ~to_bools(integer), lambda k: f'"{_text(raw, k)}" is not a non-negative integer'),
    ]
    return rules, _Capacities(mentor, _numbers(raw, integer, int))


def read_capacities(path: Path) -> tuple[list[str], IntArray]:
    """Mentor ids in file order and their capacities (non-negative integers, each mentor once)."""
    caps = _read_valid(path, CAPACITY_COLUMNS, _capacity_rules)
    return caps.ids.to_pylist(), caps.capacity


def _pair_rules(table: Table, mentors: _Capacities, capacities_name: str) -> tuple[list[_Rule], _Pairs]:
    """Known mentors, finite scores, each pair once; mentees numbered in order of first appearance."""
    mentee, mentor, raw = (table.column(c) for c in PAIRS_COLUMNS)
    if table.delimiter == ";":  # decimal comma: "3,5" means 3.5
        text = pc.if_else(pc.match_substring_regex(raw, _DECIMAL_COMMA), pc.replace_substring(raw, ",", "."), raw)
    else:
        text = raw
    number = pc.match_substring_regex(text, _NUMBER)
    score = _numbers(text, number, float)
    j = to_ints(pc.index_in(mentor, value_set=mentors.ids))
    codes = pc.dictionary_encode(mentee)
    i = to_ints(codes.indices)
    first = _first_of(i * (len(mentors.ids) + 1) + j + 1)
    rules = [
        *_nul_rules(table),
        _empty(table, "mentee_id"),
        _empty(table, "mentor_id"),
        _Rule("mentor_id", j < 0, lambda k: f'unknown mentor "{_text(mentor, k)}" (not in {capacities_name})'),
        _empty(table, "score"),
        _Rule("score", to_bools(pc.match_substring_regex(text, _NOT_FINITE)), lambda k: _not_finite(raw, k)),
        _Rule("score", ~to_bools(number), lambda k: f'"{_text(raw, k)}" is not a number'),
        _Rule("score", ~np.isfinite(score), lambda k: _not_finite(raw, k)),
        _Rule(
            None,
            first != np.arange(first.size),
            lambda k: (
                f'duplicate pair "{_text(mentee, k)}", "{_text(mentor, k)}" (first on line {table.line(int(first[k]))})'
            ),
        ),
    ]
    return rules, _Pairs(codes.dictionary, i, j, score, text)


def _not_finite(raw: pa.Array, row: int) -> str:
    return f'"{_text(raw, row)}" is not a finite number'


def read_problem(pairs_path: Path, capacities_path: Path) -> FileProblem:
    """Read and validate both files into a :class:`FileProblem`."""
    mentors = _read_valid(capacities_path, CAPACITY_COLUMNS, _capacity_rules)
    pairs = _read_valid(pairs_path, PAIRS_COLUMNS, lambda t: _pair_rules(t, mentors, capacities_path.name))
    n_mentees, n_mentors = len(pairs.mentee_ids), len(mentors.ids)
    # one sort into the candidate order, shared by the lists and the score spellings written back
    order = candidate_order(pairs.mentee, pairs.mentor, pairs.score, n_mentors)
    cands = Candidates.from_pairs(n_mentees, n_mentors, pairs.mentee, pairs.mentor, pairs.score, order=order)
    texts = pairs.text.take(from_ints(order))
    return FileProblem(pairs.mentee_ids.to_pylist(), mentors.ids.to_pylist(), cands, mentors.capacity, texts)


def solve_problem(problem: FileProblem, mode: str) -> tuple[IntArray, dict[str, Any]]:
    """Assignment (mentee → mentor index or -1) and the JSON summary, without touching any file."""
    if mode not in MODES:
        raise FileMatchError(f'unknown mode "{mode}" (use one of {", ".join(MODES)})')
    started = time.perf_counter()
    cands, cap = problem.candidates, problem.capacity
    engine_mode = MODES[mode]
    if engine_mode == "stable":
        from mentorloom.matching.engine.stable import stable_from_candidates

        assignment = stable_from_candidates(cands, cap).assignment
    else:
        from mentorloom.matching.engine.optimal import solve_optimal  # OR-Tools: imported by the mode that uses it

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
    hit = rank > 0
    entry = cands.indptr[:-1][hit] + rank[hit] - 1
    texts = iter(problem.score_text.take(from_ints(entry)).to_pylist())
    rows = [
        [mentee_id, problem.mentor_ids[j], next(texts)] if hit[i] else [mentee_id, "", ""]
        for i, (mentee_id, j) in enumerate(zip(problem.mentee_ids, assignment.tolist(), strict=True))
    ]
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
