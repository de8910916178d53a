"""Matching from files: round trip, modes, and validation errors that name file, line and column."""

from __future__ import annotations

import csv
import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mentorloom.errors import MentorloomError
from mentorloom.matching.file_tables import WHITESPACE
from mentorloom.matching.filematch import FileMatchError, read_problem, run_file_match

PAIRS = """mentee_id,mentor_id,score
a,x,10
a,y,3
b,x,9
b,z,1
c,x,8
c,y,7
d,q,5
"""
CAPACITIES = """mentor_id,capacity
x,1
y,1
z,2
q,0
"""


def _write(
    tmp_path: Path, pairs: str = PAIRS, capacities: str = CAPACITIES, encoding: str = "utf-8"
) -> tuple[Path, Path]:
    p, c = tmp_path / "pairs.csv", tmp_path / "capacities.csv"
    p.write_text(pairs, encoding=encoding)
    c.write_text(capacities, encoding=encoding)
    return p, c


def _read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_round_trip_optimal(tmp_path: Path) -> None:
    p, c = _write(tmp_path)
    out = tmp_path / "matches.csv"
    summary = run_file_match(p, c, out, "optimal")
    rows = _read(out)
    assert rows[0] == ["mentee_id", "mentor_id", "score"]
    # everyone but d (only mentor q, capacity 0) can be matched; the best such total is a-x + b-z + c-y = 18
    assert rows[1:] == [["a", "x", "10"], ["b", "z", "1"], ["c", "y", "7"], ["d", "", ""]]
    assert summary["mode"] == "optimal"
    assert summary["total_score"] == 18
    assert (summary["matched"], summary["unmatched"]) == (3, 1)
    assert set(summary) == {"mode", "total_score", "matched", "unmatched", "blocking_pairs", "seconds"}


def test_stable_mode_has_no_blocking_pairs(tmp_path: Path) -> None:
    p, c = _write(tmp_path)
    out = tmp_path / "matches.csv"
    summary = run_file_match(p, c, out, "stable")
    assert summary["blocking_pairs"] == 0
    assert {r[0]: r[1] for r in _read(out)[1:]} == {"a": "x", "b": "z", "c": "y", "d": ""}


def test_total_score_mode_leaves_negative_pairs_unmatched(tmp_path: Path) -> None:
    p, c = _write(tmp_path, "mentee_id,mentor_id,score\na,x,-2\nb,x,4\n", "mentor_id,capacity\nx,2\n")
    out = tmp_path / "m.csv"
    assert run_file_match(p, c, out, "total_score")["matched"] == 1
    assert run_file_match(p, c, out, "optimal")["matched"] == 2


def test_bom_semicolons_and_decimal_comma(tmp_path: Path) -> None:
    pairs = "\ufeffmentee_id;mentor_id;score\nÄnne;x;2,5\nBo;x;1.5\n"
    p, c = _write(tmp_path, pairs, "\ufeffmentor_id;capacity\nx;1\n")
    out = tmp_path / "matches.csv"
    summary = run_file_match(p, c, out, "optimal")
    assert summary["total_score"] == 2.5
    assert _read(out)[1:] == [["Änne", "x", "2.5"], ["Bo", "", ""]]


def test_every_mentee_of_pairs_is_listed_once(tmp_path: Path) -> None:
    lines = ["mentee_id,mentor_id,score"] + [
        f"e{i},m{j},{(i * 7 + j * 3) % 11}" for i, j in itertools.product(range(30), range(6))
    ]
    caps = "mentor_id,capacity\n" + "".join(f"m{j},{j % 3 + 1}\n" for j in range(6))
    p, c = _write(tmp_path, "\n".join(lines) + "\n", caps)
    out = tmp_path / "matches.csv"
    summary = run_file_match(p, c, out, "optimal")
    rows = _read(out)[1:]
    assert [r[0] for r in rows] == [f"e{i}" for i in range(30)]
    assert summary["matched"] == sum(j % 3 + 1 for j in range(6))
    used = [r[1] for r in rows if r[1]]
    assert all(used.count(f"m{j}") <= j % 3 + 1 for j in range(6))


ERRORS = [
    ("mentee_id,mentor,score\na,x,1\n", CAPACITIES, 'pairs.csv, line 1: missing column "mentor_id"'),
    (
        "mentee_id,mentor_id,score\na,x,1\na,w,2\n",
        CAPACITIES,
        'pairs.csv, line 3, column "mentor_id": unknown mentor "w"',
    ),
    (
        "mentee_id,mentor_id,score\na,x,1\nb,x,2\na,x,3\n",
        CAPACITIES,
        'pairs.csv, line 4: duplicate pair "a", "x" (first on line 2)',
    ),
    (
        "mentee_id,mentor_id,score\na,x,1\n\nb,x,abc\n",
        CAPACITIES,
        'pairs.csv, line 4, column "score": "abc" is not a number',
    ),
    (
        "mentee_id,mentor_id,score\na,x,NaN\n",
        CAPACITIES,
        'pairs.csv, line 2, column "score": "NaN" is not a finite number',
    ),
    (
        "mentee_id,mentor_id,score\na,x,inf\n",
        CAPACITIES,
        'pairs.csv, line 2, column "score": "inf" is not a finite number',
    ),
    (
        "mentee_id,mentor_id,score\na,x,1e999\n",
        CAPACITIES,
        'pairs.csv, line 2, column "score": "1e999" is not a finite number',
    ),
    ("mentee_id,mentor_id,score\na,x\n", CAPACITIES, "pairs.csv, line 2: expected 3 fields, found 2"),
    ("mentee_id,mentor_id,score\n,x,1\n", CAPACITIES, 'pairs.csv, line 2, column "mentee_id": empty value'),
    ("", CAPACITIES, "pairs.csv, line 1: empty file"),
    (
        PAIRS,
        "mentor_id,capacity\nx,1\ny,-1\n",
        'capacities.csv, line 3, column "capacity": "-1" is not a non-negative integer',
    ),
    (
        PAIRS,
        "mentor_id,capacity\nx,1.5\n",
        'capacities.csv, line 2, column "capacity": "1.5" is not a non-negative integer',
    ),
    (
        PAIRS,
        "mentor_id,capacity\nx,1\ny,2\nx,3\n",
        'capacities.csv, line 4, column "mentor_id": duplicate mentor "x" (first on line 2)',
    ),
    (PAIRS, "mentor,capacity\nx,1\n", 'capacities.csv, line 1: missing column "mentor_id"'),
    # added with the columnar reader: each is found by a vectorised check, then located exactly
    (
        "mentee_id,mentor_id,score\na,x,1\nb\x00,x,2\n",
        CAPACITIES,
        'pairs.csv, line 3, column "mentee_id": contains a NUL byte',
    ),
    ("mentee_id,mentor_id,score\x00\na,x,1\n", CAPACITIES, "pairs.csv, line 1: the header contains a NUL byte"),
    ("mentee_id,mentor_id,score\na,x,1,2\n", CAPACITIES, "pairs.csv, line 2: expected 3 fields, found 4"),
    # every row is split before any value is checked, so a field count error wins over an earlier bad value
    ("mentee_id,mentor_id,score\na,x,abc\nb,x\n", CAPACITIES, "pairs.csv, line 3: expected 3 fields, found 2"),
    ('mentee_id,mentor_id,score\n"a",x,abc\nb,x\n', CAPACITIES, "pairs.csv, line 3: expected 3 fields, found 2"),
    (
        "mentee_id,mentor_id,score\na,x,1\nb,y, 2 x\n",
        CAPACITIES,
        'pairs.csv, line 3, column "score": "2 x" is not a number',
    ),
    (
        'mentee_id,mentor_id,score\na,x,1\n"a","x",2\n',
        CAPACITIES,
        'pairs.csv, line 3: duplicate pair "a", "x" (first on line 2)',
    ),
    # a row's rules run in the order they always did: the mentee, the mentor, then the score
    ("mentee_id,mentor_id,score\n,w,abc\n", CAPACITIES, 'pairs.csv, line 2, column "mentee_id": empty value'),
    ("mentee_id,mentor_id,score\na,w,abc\n", CAPACITIES, 'pairs.csv, line 2, column "mentor_id": unknown mentor'),
    ("   \n", CAPACITIES, "pairs.csv, line 1: empty file"),
    (PAIRS, "mentor_id,capacity\n", 'pairs.csv, line 2, column "mentor_id": unknown mentor "x"'),
    (PAIRS, "mentor_id;capacity\nx;1\ny;\n", 'capacities.csv, line 3, column "capacity": empty value'),
    (PAIRS, "mentor_id,capacity\nx,1\ny,-1\nz\n", "capacities.csv, line 4: expected 2 fields, found 1"),
]


@pytest.mark.parametrize(("pairs", "capacities", "message"), ERRORS)
def test_errors_name_line_and_column_and_write_nothing(
    tmp_path: Path, pairs: str, capacities: str, message: str
) -> None:
    p, c = _write(tmp_path, pairs, capacities)
    out = tmp_path / "matches.csv"
    with pytest.raises(FileMatchError) as info:
        run_file_match(p, c, out, "optimal")
    assert str(info.value).startswith(message)
    assert isinstance(info.value, MentorloomError)
    assert not out.exists()
    assert set(tmp_path.iterdir()) == {p, c}  # no temp file left behind either


def test_not_utf8_and_unknown_mode(tmp_path: Path) -> None:
    p, c = _write(tmp_path)
    with pytest.raises(FileMatchError, match="unknown mode"):
        run_file_match(p, c, tmp_path / "out.csv", "greedy")
    p.write_bytes("mentee_id,mentor_id,score\nm\xe9,x,1\n".encode("latin-1"))
    with pytest.raises(FileMatchError, match=r"pairs\.csv: not valid UTF-8"):
        read_problem(p, c)
    assert not (tmp_path / "out.csv").exists()


def test_quoted_multiline_field_keeps_line_numbers(tmp_path: Path) -> None:
    pairs = 'mentee_id,mentor_id,score\n"a\nb",x,1\nc,x,oops\n'
    p, c = _write(tmp_path, pairs)
    with pytest.raises(FileMatchError, match=r'^pairs\.csv, line 4, column "score"'):
        run_file_match(p, c, tmp_path / "m.csv")


def test_header_only_files_match_nobody(tmp_path: Path) -> None:
    p, c = _write(tmp_path, "mentee_id,mentor_id,score\n", "mentor_id,capacity\r\n")
    out = tmp_path / "matches.csv"
    summary = run_file_match(p, c, out, "optimal")
    assert (summary["matched"], summary["unmatched"], summary["total_score"]) == (0, 0, 0)
    assert _read(out) == [["mentee_id", "mentor_id", "score"]]


def _big_pairs(rows: int, *, quoted: bool = False) -> list[str]:
    """``rows`` data lines: 40 mentors for each mentee, mentors m0..m1999."""
    q = '"' if quoted else ""
    lines = ["mentee_id,mentor_id,score"]
    lines += [f"{q}e{k // 40}{q},m{(k * 7) % 2000},{(k * 37) % 1000 / 10}" for k in range(rows)]
    return lines


BIG_CAPACITIES = "mentor_id,capacity\n" + "".join(f"m{j},3\n" for j in range(2000))


@pytest.mark.parametrize(
    ("quoted", "bad_line", "message"),
    [
        (False, "e1;m1;2", "line 150000: expected 3 fields, found 1"),
        (False, "e3749,m17,x1", 'line 150000, column "score": "x1" is not a number'),
        (False, "e3749,m99999,1", 'line 150000, column "mentor_id": unknown mentor "m99999" (not in capacities.csv)'),
        (True, "e0,m0,1", 'line 150000: duplicate pair "e0", "m0" (first on line 2)'),
    ],
)
def test_a_bad_row_deep_in_a_big_file_names_its_line(tmp_path: Path, quoted: bool, bad_line: str, message: str) -> None:
    """Arrow's reader (plain) or Python's (quoted) reads the file; the bad row is then located exactly."""
    lines = _big_pairs(200_000, quoted=quoted)
    lines[149_999] = bad_line  # list index 149,999 is line 150,000 (the header is line 1)
    lines[160_000] = "e4000,m1,abc"  # a later bad row must not be the one reported
    p, c = _write(tmp_path, "\n".join(lines) + "\n", BIG_CAPACITIES)
    out = tmp_path / "matches.csv"
    with pytest.raises(FileMatchError) as info:
        run_file_match(p, c, out, "optimal")
    assert str(info.value).startswith(f"pairs.csv, {message}")
    assert not out.exists()


def test_quoted_and_plain_files_give_the_same_matches(tmp_path: Path) -> None:
    """Plain files go through Arrow's reader, files with quotes through Python's csv: the same problem either way."""
    plain, quoted = _big_pairs(4_000), _big_pairs(4_000, quoted=True)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    pa_, ca = _write(tmp_path / "a", "\n".join(plain) + "\n", BIG_CAPACITIES)
    pb, cb = _write(tmp_path / "b", "\r\n".join(quoted), BIG_CAPACITIES)
    for mode in ("optimal", "stable"):
        first = run_file_match(pa_, ca, tmp_path / "a" / "m.csv", mode)
        second = run_file_match(pb, cb, tmp_path / "b" / "m.csv", mode)
        assert {k: v for k, v in first.items() if k != "seconds"} == {k: v for k, v in second.items() if k != "seconds"}
        assert (tmp_path / "a" / "m.csv").read_bytes() == (tmp_path / "b" / "m.csv").read_bytes()


def test_fields_are_stripped_of_what_str_strip_removes(tmp_path: Path) -> None:
    assert set(WHITESPACE) == {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    pairs = "mentee_id,mentor_id,score\n\u3000a\xa0,x\u2028,\u2009٣\n"  # Arabic-Indic 3, as Python's float() reads it
    p, c = _write(tmp_path, pairs)
    out = tmp_path / "matches.csv"
    assert run_file_match(p, c, out, "optimal")["total_score"] == 3
    assert _read(out)[1:] == [["a", "x", "٣"]]


def test_match_csv_pairs_starts_without_scipy_pandas_or_the_database(tmp_path: Path) -> None:
    """The pairs path imports what it uses: no scipy (exact oracle, scorer), no pandas, no SQLAlchemy."""
    p, c = _write(tmp_path)
    out = tmp_path / "matches.csv"
    cmd = [sys.executable, "-X", "importtime", "-m", "mentorloom", "match-csv"]
    done = subprocess.run(
        [*cmd, "--pairs", str(p), "--capacities", str(c), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    heavy = {name for name in imported if name.split(".")[0] in {"scipy", "pandas", "sqlalchemy", "sklearn"}}
    assert not heavy
    assert json.loads(done.stdout)["matched"] == 3
