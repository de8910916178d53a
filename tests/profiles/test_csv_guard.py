"""Exported cells cannot start a spreadsheet formula anywhere a spreadsheet might split them."""

from __future__ import annotations

import re

import pytest

from mentorloom.profiles.csv_format import ParticipantRow, parse_participants, write_participants_csv
from mentorloom.programs.models import Role

FORMULA_START = re.compile(r"^[=+\-@]")
ROW = ParticipantRow(
    email="a@example.org",
    name="Ann,@SUM(1+1)",
    role=Role.MENTEE,
    department='Sales;=HYPERLINK("http://evil.example")',
    values_note="first;+1",
    bio="Notes:\n-1+1\n=cmd|' /C calc'!A0\tand\t@now",
)


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_no_piece_of_an_exported_cell_starts_a_formula(delimiter: str) -> None:
    text = write_participants_csv([ROW], delimiter)
    # how a spreadsheet that ignores the quotes (or a paste as text) would split the file
    pieces = re.split(r"[,;\t\r\n]", text)
    assert not [p for p in pieces if FORMULA_START.match(p.lstrip('"'))]


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_guarded_cells_import_unchanged(delimiter: str) -> None:
    assert parse_participants(write_participants_csv([ROW], delimiter).encode()) == [ROW]
