"""The participant CSV format: parsing, validation (every problem, with line and column) and writing."""

from __future__ import annotations

import string
import unicodedata
from typing import Any

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mentorloom.errors import ValidationFailed
from mentorloom.profiles import csv_format
from mentorloom.profiles.csv_format import (
    ParticipantRow,
    SkillLevel,
    Slot,
    parse_participants,
    write_participants_csv,
)
from mentorloom.profiles.schemas import ProfileIn
from mentorloom.profiles.vocab import WORK_VALUES, tag_key, tag_label
from mentorloom.programs.models import Role

GOOD = (
    "email,name,role,department,line_manager_email,timezone,languages,values,values_note,interests,"
    "expertise,wanted_skills,capacity,availability,bio\r\n"
    "Anna.Mueller@Example.org,Anna Müller,mentor,Vertrieb,Chef@Example.org,Europe/Berlin,de|EN,"
    "growth|Honesty|Work-life balance,,Klettern|Jazz,Verhandlungsführung:4|Python:3,,2,"
    "Mon 09:00-12:00|Wed 14:00-16:00,Seit 10 Jahren im Vertrieb.\r\n"
    "bob@example.org,Bob Smith,mentee,,,,en,,,jazz,,Python:1|Public speaking:2,,,\r\n"
)


def problems(data: bytes) -> list[tuple[object, object]]:
    with pytest.raises(ValidationFailed) as caught:
        parse_participants(data)
    return [(error["line"], error["column"]) for error in caught.value.errors]


def messages(data: bytes) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        parse_participants(data)
    return [str(error["message"]) for error in caught.value.errors]


def test_parses_a_good_file() -> None:
    anna, bob = parse_participants(GOOD.encode())
    assert anna == ParticipantRow(
        email="anna.mueller@example.org",
        name="Anna Müller",
        role=Role.MENTOR,
        department="Vertrieb",
        line_manager_email="chef@example.org",
        timezone="Europe/Berlin",
        languages=("de", "en"),
        values=("growth", "honesty", "balance"),
        interests=("Klettern", "Jazz"),
        expertise=(SkillLevel("Verhandlungsführung", 4), SkillLevel("Python", 3)),
        capacity=2,
        availability=(Slot(0, "09:00", "12:00"), Slot(2, "14:00", "16:00")),
        bio="Seit 10 Jahren im Vertrieb.",
    )
    assert (anna.line, bob.line) == (2, 3)
    assert bob.role is Role.MENTEE and bob.timezone == "UTC" and bob.capacity == 0
    assert bob.wanted_skills == (SkillLevel("Python", 1), SkillLevel("Public speaking", 2))


def test_semicolons_and_bom_as_written_by_german_excel() -> None:
    text = GOOD.replace(",", ";").replace("Seit 10 Jahren im Vertrieb.", '"Vertrieb; Forschung, Lehre"')
    rows = parse_participants(b"\xef\xbb\xbf" + text.encode())
    assert rows[0].email == "anna.mueller@example.org"  # the BOM is not part of the first column's name
    assert rows[0].bio == "Vertrieb; Forschung, Lehre"
    assert [row.email for row in rows] == [row.email for row in parse_participants(GOOD.encode())]


def test_german_spellings() -> None:
    data = (
        "E-Mail,Name,Role,Values,Availability,Wanted Skills,Capacity\n"
        "a@example.org,A,Mentorin,Wachstum|EHRLICHKEIT,Mo 9:00-12:00|So 10:00-24:00,,\n"
        "b@example.org,B,Koordinatorin,,,,\n"
        "c@example.org,C,Mentee,,Di 08:00-09:30,Führung:1,\n"
    )
    mentor, coordinator, mentee = parse_participants(data.encode())
    assert mentor.role is Role.MENTOR and mentor.capacity == 1  # mentors default to one mentee
    assert mentor.values == ("growth", "honesty")
    assert mentor.availability == (Slot(0, "09:00", "12:00"), Slot(6, "10:00", "24:00"))
    assert coordinator.role is Role.COORDINATOR
    assert mentee.availability == (Slot(1, "08:00", "09:30"),)


def test_german_column_names() -> None:
    data = (
        "E-Mail;Name;Rolle;Abteilung;E-Mail Führungskraft;Zeitzone;Sprachen;Werte;Notiz zu Werten;Interessen;"
        "Expertise;Gewünschte Fähigkeiten;Zahl der Mentees;Verfügbarkeit;Über mich\n"
        "a@example.org;A;Mentorin;Vertrieb;chef@example.org;Europe/Berlin;de;Wachstum;Weil;Jazz;Python:4;;2;"
        "Mo 09:00-12:00;Hallo\n"
    )
    (row,) = parse_participants(data.encode())
    assert row == ParticipantRow(
        email="a@example.org",
        name="A",
        role=Role.MENTOR,
        department="Vertrieb",
        line_manager_email="chef@example.org",
        timezone="Europe/Berlin",
        languages=("de",),
        values=("growth",),
        values_note="Weil",
        interests=("Jazz",),
        expertise=(SkillLevel("Python", 4),),
        capacity=2,
        availability=(Slot(0, "09:00", "12:00"),),
        bio="Hallo",
    )
    assert set(csv_format.GERMAN_COLUMNS) == set(csv_format.COLUMNS)


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("e-mail", "email"),
        ("EMAIL", "email"),
        ("Line Manager Email", "line_manager_email"),
        ("e-mail fuehrungskraft", "line_manager_email"),
        ("E-Mail_Fuhrungskraft", "line_manager_email"),
        ("GEWÜNSCHTE FÄHIGKEITEN", "wanted_skills"),
        ("Kapazität", "capacity"),
        ("Ueber mich", "bio"),
        (unicodedata.normalize("NFD", "Über mich"), "bio"),
    ],
)
def test_column_names_ignore_case_spacing_and_umlaut_spelling(header: str, column: str) -> None:
    # The alias feeds its column: a cell that is no valid value for it is reported under its name.
    bad = {"email": "x", "line_manager_email": "x", "capacity": "x", "wanted_skills": "x", "bio": "x" * 4001}
    cells = {"email": "a@example.org", "name": "A", "role": "mentor", column: bad[column]}
    data = ",".join(header if name == column else name for name in cells) + "\n" + ",".join(cells.values()) + "\n"
    assert problems(data.encode()) == [(2, column)]


def test_a_bad_header_and_bad_rows_are_reported_in_one_pass() -> None:
    data = (
        "email,name,colour,timezone,timezone,capacity\n"
        "not-an-address,A,red,Mars/Base,UTC,x\n"
        "b@example.org,,blue,UTC,UTC,1\n"
    )
    assert problems(data.encode()) == [
        (1, "colour"),
        (1, "timezone"),
        (1, "role"),
        (2, "email"),
        (2, "timezone"),
        (2, "capacity"),
        (3, "name"),
    ]
    text = " ".join(messages(data.encode()))
    assert "colour" in text and "twice" in text and '"role"' in text


def test_every_problem_is_reported_with_line_and_column() -> None:
    data = (
        "email,name,role,timezone,languages,values,expertise,wanted_skills,capacity,availability\n"
        "not-an-address,,boss,Mars/Base,xx,greed,,,,\n"
        "ok@example.org,Fine,mentor,UTC,de,growth,Python:3,,2,Mon 09:00-10:00\n"
        "m@example.org,M,mentor,UTC,de,,Python:9|Go,,-1,Tue 12:00-11:00\n"
        "e@example.org,E,mentee,UTC,de,,Python:2,Python:4,3,Funday 10:00-11:00\n"
    )
    assert problems(data.encode()) == [
        (2, "email"),
        (2, "name"),
        (2, "role"),
        (2, "timezone"),
        (2, "languages"),
        (2, "values"),
        (4, "expertise"),
        (4, "capacity"),
        (4, "availability"),
        (5, "wanted_skills"),
        (5, "availability"),
    ]


def test_role_rules_are_checked_once_the_cells_are_valid() -> None:
    data = (
        "email,name,role,expertise,wanted_skills,capacity\n"
        "e@example.org,E,mentee,Python:2,Python:1,3\n"
        "m@example.org,M,mentor,Python:2,Python:1,\n"
        "c@example.org,C,coordinator,Python:2,Python:1,\n"
    )
    # Coordinators get no profile, so their profile columns are not held against them.
    assert problems(data.encode()) == [(2, "capacity"), (2, "expertise"), (3, "wanted_skills")]


def test_duplicate_address_names_both_lines_even_in_other_case() -> None:
    data = "email,name,role,capacity\na@example.org,A,mentee,\nb@example.org,B,mentee,5\nA@EXAMPLE.ORG,A2,mentee,\n"
    with pytest.raises(ValidationFailed) as caught:
        parse_participants(data.encode())
    duplicate = caught.value.errors[-1]
    assert (duplicate["line"], duplicate["column"]) == (4, "email")
    assert "line 2" in str(duplicate["message"])
    assert [(error["line"], error["column"]) for error in caught.value.errors] == [(3, "capacity"), (4, "email")]


def test_quoted_newlines_keep_line_numbers_right() -> None:
    data = (
        "email,name,role,bio\r\n"
        'a@example.org,A,mentee,"first line\r\nsecond line\r\n\r\nfourth line"\r\n'
        "b@example.org,B,mentee,fine\r\n"
        "bad,C,mentee,\r\n"
        '"d@example.org","D\nwith a break",Mentee,"x"\n'
        "also bad,E,mentee,\n"
    )
    assert problems(data.encode()) == [(7, "email"), (10, "email")]
    good = data.replace("bad,", "c@example.org,", 1).replace("also bad,", "e@example.org,")
    rows = parse_participants(good.encode())
    assert [row.line for row in rows] == [2, 6, 7, 8, 10]
    assert rows[0].bio == "first line\nsecond line\n\nfourth line"
    assert rows[3].name == "D with a break"  # single-line fields fold line breaks


def test_latin1_file_is_rejected_with_a_clear_message() -> None:
    data = "email,name,role\na@example.org,Jörg Weiß,mentor\n".encode("cp1252")
    with pytest.raises(ValidationFailed) as caught:
        parse_participants(data)
    assert [(e["line"], e["column"]) for e in caught.value.errors] == [(2, None)]
    assert "UTF-8" in str(caught.value.errors[0]["message"])


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", [(1, None)]),
        (b"\xef\xbb\xbf\r\n  \r\n", [(1, None)]),
        (b"email,name,role\r\n", [(2, None)]),
        (b"email;name;role\n;;\n", [(2, None)]),
        (b"name,colour,role,colour\n", [(1, "colour"), (1, "colour"), (1, "email")]),
        (b"email,name,role,\n", [(1, None)]),
        (b"email,name,role\na@example.org,A\n", [(2, None)]),
        (b'email,name,role\na@example.org,"A,mentee\n', [(2, None)]),
    ],
    ids=["empty", "blank", "header only", "blank rows", "columns", "unnamed", "field count", "open quote"],
)
def test_file_level_problems(data: bytes, expected: list[tuple[object, object]]) -> None:
    assert problems(data) == expected


def test_unknown_and_missing_columns_are_named() -> None:
    text = " ".join(messages(b"name,colour,role\n"))
    assert "colour" in text and '"email"' in text


@pytest.mark.parametrize(
    ("column", "limit"),
    [("name", 120), ("department", 120), ("values_note", 500), ("bio", 4000), ("interests", 80)],
)
def test_text_length_limits(column: str, limit: int) -> None:
    def file(length: int) -> bytes:
        cells = {"email": "a@example.org", "name": "Name", "role": "mentee", column: "x" * (length - 1) + "ä"}
        return (",".join(cells) + "\n" + ",".join(cells.values()) + "\n").encode()

    parse_participants(file(limit))
    assert problems(file(limit + 1)) == [(2, column)]


def test_tag_key_may_not_outgrow_the_column() -> None:
    # casefold() turns ß into ss: 50 characters of label become a 100-character key.
    assert problems(f"email,name,role,interests\na@example.org,A,mentee,{'ß' * 50}\n".encode()) == [(2, "interests")]


def test_capacity_rules() -> None:
    def capacity(role: str, value: str) -> int:
        return parse_participants(f"email,name,role,capacity\na@example.org,A,{role},{value}\n".encode())[0].capacity

    assert (capacity("mentor", ""), capacity("mentor", "0"), capacity("mentor", "20")) == (1, 0, 20)
    assert capacity("mentee", "0") == 0
    for role, value in [("mentor", "21"), ("mentor", "-1"), ("mentor", "1.5"), ("mentor", "²"), ("mentee", "1")]:
        assert problems(f"email,name,role,capacity\na@example.org,A,{role},{value}\n".encode()) == [(2, "capacity")]


def test_list_limits() -> None:
    values = "|".join(list(WORK_VALUES)[:11])
    assert problems(f"email,name,role,values\na@example.org,A,mentee,{values}\n".encode()) == [(2, "values")]


def test_limits_match_the_profile_form() -> None:
    """An imported profile must be one the profile form can save again."""
    fields = ProfileIn.model_fields

    def bound(name: str, attribute: str) -> Any:
        return next(getattr(m, attribute) for m in fields[name].metadata if hasattr(m, attribute))

    assert {name: bound(name, "max_length") for name in csv_format.LIST_LIMITS} == csv_format.LIST_LIMITS
    assert {name: bound(name, "max_length") for name in csv_format.TEXT_LIMITS} == csv_format.TEXT_LIMITS
    assert bound("capacity", "le") == csv_format.MAX_CAPACITY


def test_spreadsheet_formulas_are_disarmed_on_export_and_restored_on_import() -> None:
    row = ParticipantRow(email="a@example.org", name="=HYPERLINK(1)", role=Role.MENTEE, bio="-- '=not me")
    text = write_participants_csv([row])
    assert "'=HYPERLINK(1)" in text
    assert parse_participants(text.encode()) == [row]


def test_writer_rejects_other_delimiters() -> None:
    with pytest.raises(ValueError, match="delimiter"):
        write_participants_csv([], delimiter="\t")


# --- properties

_LETTERS = string.ascii_letters + string.digits + "äöüÄÖÜßéèçñøåÆ" + "e\u0301a\u0308"
_PUNCTUATION = " ,;\"'|:=+-@()&/.#"
_KEYS = list(WORK_VALUES)


def _single_line(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _multi_line(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


single_line = st.text(alphabet=_LETTERS + _PUNCTUATION, max_size=30).map(_single_line)
multi_line = st.text(alphabet=_LETTERS + _PUNCTUATION + "\n", max_size=80).map(_multi_line)
labels = st.text(alphabet=_LETTERS + _PUNCTUATION.replace("|", ""), min_size=1, max_size=20).map(tag_label).filter(bool)
emails = st.from_regex(r"[a-z0-9]{1,8}([._+-][a-z0-9]{1,8})?@(example\.org|b\u00fccher\.de)", fullmatch=True)


@st.composite
def slots(draw: st.DrawFn) -> Slot:
    start, end = sorted(draw(st.lists(st.integers(0, 24 * 60), min_size=2, max_size=2, unique=True)))
    return Slot(draw(st.integers(0, 6)), f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}")


def skill_levels(low: int, high: int) -> st.SearchStrategy[tuple[SkillLevel, ...]]:
    pairs = st.lists(st.tuples(labels, st.integers(low, high)), max_size=4, unique_by=lambda p: tag_key(p[0]))
    return pairs.map(lambda items: tuple(SkillLevel(label, weight) for label, weight in items))


@st.composite
def participants(draw: st.DrawFn) -> ParticipantRow:
    role = draw(st.sampled_from(Role))
    return ParticipantRow(
        email=draw(emails),
        name=draw(single_line.filter(bool)),
        role=role,
        department=draw(single_line),
        line_manager_email=draw(st.one_of(st.just(""), emails)),
        timezone=draw(st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"])),
        languages=tuple(draw(st.lists(st.sampled_from(["de", "en", "fr", "tr"]), unique=True))),
        values=tuple(draw(st.lists(st.sampled_from(_KEYS), max_size=10, unique=True))),
        values_note=draw(multi_line),
        interests=tuple(draw(st.lists(labels, max_size=4, unique_by=tag_key))),
        expertise=draw(skill_levels(1, 5)) if role is not Role.MENTEE else (),
        wanted_skills=draw(skill_levels(1, 3)) if role is not Role.MENTOR else (),
        capacity=draw(st.integers(0, 20)) if role is Role.MENTOR else 0,
        availability=tuple(draw(st.lists(slots(), max_size=3, unique=True))),
        bio=draw(multi_line),
    )


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(participants(), min_size=1, max_size=5, unique_by=lambda row: row.email), st.sampled_from(",;"))
def test_write_then_parse_round_trips(rows: list[ParticipantRow], delimiter: str) -> None:
    assert parse_participants(write_participants_csv(rows, delimiter).encode()) == rows


whitespace = st.text(alphabet=" \t\n\u00a0", min_size=1, max_size=3)


@given(st.text(alphabet=_LETTERS + " -", min_size=1, max_size=30), whitespace, whitespace)
def test_tag_key_is_idempotent_and_ignores_case_spacing_and_unicode_form(text: str, before: str, between: str) -> None:
    key = tag_key(text)
    assert tag_key(key) == key
    assert tag_key(text.upper()) == tag_key(text.lower()) == tag_key(text.casefold())
    assert tag_key(unicodedata.normalize("NFD", text)) == key == tag_key(unicodedata.normalize("NFC", text))
    assert tag_key(before + text.replace(" ", between) + before) == key


@given(st.one_of(st.emails(), emails, st.from_regex(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,70}@[A-Za-z0-9.-]{1,20}")))
@example("a" * 65 + "@example.org")
@example("x" * 30 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + "." + "e" * 46 + ".org")
@example("Anna.Müller@Example.ORG")
@example("a..b@example.org")
@example("a@localhost")
@example("a@example.test")
@example("a@münchen.de")
@example("a@xn--mnchen-3ya.de")
def test_fast_email_path_agrees_with_email_validator(address: str) -> None:
    try:
        expected: str | None = validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        expected = None
    try:
        actual: str | None = csv_format._email(address)
    except csv_format._CellError:
        actual = None
    assert actual == expected
