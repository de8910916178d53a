"""The participant CSV format: parsing, validation and writing, without any database access.

The format is documented in docs/csv-format.md. `parse_participants` either returns every row or
raises ValidationFailed listing every problem with its physical line and column, so a coordinator
can fix the whole file in one go.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple, NoReturn

from babel import Locale
from email_validator import EmailNotValidError, validate_email

from mentorloom.errors import ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.i18n import ngettext, use_locale
from mentorloom.profiles.vocab import LANGUAGE_CODE, TAG_MAX_LENGTH, WORK_VALUES, is_valid_timezone, tag_key, tag_label
from mentorloom.programs.models import Role
from mentorloom.web.inputs import NUL, nul_message

COLUMNS: tuple[str, ...] = (
    "email",
    "name",
    "role",
    "department",
    "line_manager_email",
    "timezone",
    "languages",
    "values",
    "values_note",
    "interests",
    "expertise",
    "wanted_skills",
    "capacity",
    "availability",
    "bio",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("email", "name", "role")
# German column names, accepted as aliases (the German README and import page show the first of each).
# Like the labels below, they are part of the file format and do not follow the translation catalogue.
GERMAN_COLUMNS: dict[str, tuple[str, ...]] = {
    "email": ("E-Mail",),
    "name": ("Name",),
    "role": ("Rolle",),
    "department": ("Abteilung",),
    "line_manager_email": ("E-Mail Führungskraft",),
    "timezone": ("Zeitzone",),
    "languages": ("Sprachen",),
    "values": ("Werte",),
    "values_note": ("Notiz zu Werten",),
    "interests": ("Interessen",),
    "expertise": ("Expertise",),
    "wanted_skills": ("Gewünschte Fähigkeiten",),
    "capacity": ("Zahl der Mentees", "Kapazität"),
    "availability": ("Verfügbarkeit",),
    "bio": ("Über mich",),
}
LIST_SEPARATOR = "|"
DELIMITERS = (",", ";")
EXPERTISE_LEVELS = (1, 5)
WANTED_PRIORITIES = (1, 3)
DEFAULT_MENTOR_CAPACITY = 1
# The same limits as profiles.schemas.ProfileIn (a test keeps them in step), so an imported
# profile is one the profile form can save again.
TEXT_LIMITS = {"name": 120, "department": 120, "values_note": 500, "bio": 4000}
LIST_LIMITS = {"values": 10, "languages": 10, "availability": 30, "expertise": 30, "wanted_skills": 15, "interests": 30}
MAX_CAPACITY = 20

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAYS = {name.casefold(): day for day, name in enumerate(DAY_NAMES)} | {
    name.casefold(): day for day, name in enumerate(("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"))
}
_ROLES = {
    "mentor": Role.MENTOR,
    "mentorin": Role.MENTOR,
    "mentee": Role.MENTEE,
    "coordinator": Role.COORDINATOR,
    "koordinator": Role.COORDINATOR,
    "koordinatorin": Role.COORDINATOR,
}
# The German labels are part of the file format, so they live here rather than only in the
# translation catalogue: a reworded translation must not break files people already have.
GERMAN_VALUE_LABELS = {
    "achievement": "Leistung",
    "autonomy": "Autonomie",
    "balance": "Work-Life-Balance",
    "collaboration": "Zusammenarbeit",
    "creativity": "Kreativität",
    "diversity": "Vielfalt",
    "fairness": "Fairness",
    "family": "Familie",
    "growth": "Wachstum",
    "helping": "Anderen helfen",
    "honesty": "Ehrlichkeit",
    "impact": "Wirkung",
    "leadership": "Führung",
    "learning": "Lernen",
    "recognition": "Anerkennung",
    "responsibility": "Verantwortung",
    "security": "Sicherheit",
    "sustainability": "Nachhaltigkeit",
    "tradition": "Tradition",
    "variety": "Abwechslung",
}
_DOT_ATOM = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_MAX_EMAIL = 254
_NUMBER = re.compile(r"^[0-9]{1,6}$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_SLOT = re.compile(r"^(\S+)\s+(\S+?)\s*[-–]\s*(\S+)$")
# Spreadsheets run cells starting with these as formulas; a leading apostrophe disarms them.
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")
_ESCAPED_FORMULA = re.compile(r"^'+[=+\-@\t\r]")
# A separator or line break followed by a formula start: a spreadsheet that splits the cell there (a
# `;` file opened as `,`, or a field pasted as text) would run it. One `'` goes after the separator.
_INNER_FORMULA = re.compile(r"([,;\t\r\n])('*[=+\-@])")
_INNER_ESCAPED = re.compile(r"([,;\t\r\n])'('*[=+\-@])")


class Slot(NamedTuple):
    """A weekly availability window in the profile's time zone (day 0 = Monday)."""

    day: int
    start: str
    end: str


class SkillLevel(NamedTuple):
    """A skill label with its level (expertise, 1-5) or priority (wanted, 1-3, 1 = most wanted)."""

    label: str
    weight: int


@dataclass(frozen=True, slots=True)
class ParticipantRow:
    """One validated participant; e-mails are lower-cased, texts NFC-normalised and trimmed."""

    email: str
    name: str
    role: Role
    department: str = ""
    line_manager_email: str = ""
    timezone: str = "UTC"
    languages: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    values_note: str = ""
    interests: tuple[str, ...] = ()
    expertise: tuple[SkillLevel, ...] = ()
    wanted_skills: tuple[SkillLevel, ...] = ()
    capacity: int = 0
    availability: tuple[Slot, ...] = ()
    bio: str = ""
    line: int = field(default=0, compare=False)


class _CellError(Exception):
    """A cell's value is invalid; the message is already translated."""


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, object]] = []

    def add(self, line: int, column: str | None, message: str) -> None:
        # "field" is the key the generic error mapping reads; "column" names the CSV column.
        self.items.append({"line": line, "column": column, "field": column, "message": message})

    def fail(self, line: int, column: str | None, message: str) -> NoReturn:
        self.add(line, column, message)
        self.raise_if_any()
        raise AssertionError("unreachable")

    def raise_if_any(self) -> None:
        if self.items:
            n = len(self.items)
            detail = ngettext("The CSV file has %(num)d problem.", "The CSV file has %(num)d problems.", n)
            raise ValidationFailed(detail, errors=self.items)


def parse_participants(data: bytes) -> list[ParticipantRow]:
    """Parse and validate a participant CSV file; raise ValidationFailed listing every problem."""
    try:
        return _parse(data)
    finally:
        # The caches only speed up one file; they should not keep people's data around.
        for cache in (_line_manager_email, _email_domain, _key, _tag):
            cache.cache_clear()


def check_header(data: bytes) -> None:
    """Refuse at once a file whose header already fails (encoding, empty, unknown or missing columns).

    A queued import of such a file could only fail later, and the caller would have to poll to learn why.
    """
    errors = _Errors()
    records = _records(_decode(data, errors), errors)
    _read_header(next(records, None), errors)
    errors.raise_if_any()


def _parse(data: bytes) -> list[ParticipantRow]:
    errors = _Errors()
    records = _records(_decode(data, errors), errors)
    header = _read_header(next(records, None), errors)
    rows: list[ParticipantRow] = []
    first_line: dict[str, int] = {}
    for line, cells in records:
        row = _parse_record(header, line, cells, errors, first_line)
        if row is not None:
            rows.append(row)
    if not rows and not errors.items:
        errors.add(2, None, _("The file has a header but no participants."))
    errors.raise_if_any()
    return rows


def write_participants_csv(rows: Iterable[ParticipantRow], delimiter: str = ",") -> str:
    """The rows as CSV in the import format; parse_participants reads the text back unchanged."""
    if delimiter not in DELIMITERS:
        raise ValueError(f"delimiter must be one of {DELIMITERS}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([escape_formula(cell) for cell in _format_row(row)])
    return buffer.getvalue()


def _decode(data: bytes, errors: _Errors) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        errors.fail(line, None, _('The file is not UTF-8 encoded. Save it as "CSV UTF-8" and upload it again.'))
    if not text.strip():
        errors.fail(1, None, _("The file is empty."))
    return text


def _detect_delimiter(text: str) -> str:
    # German Excel writes semicolons; the header line tells which one the file uses.
    header = next(line for line in io.StringIO(text) if line.strip())
    return ";" if header.count(";") > header.count(",") else ","


def _records(text: str, errors: _Errors) -> Iterator[tuple[int, list[str]]]:
    """Non-blank records with the physical line each starts on (quoted newlines counted)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_detect_delimiter(text), strict=True)
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            errors.add(line, None, _("This line is not valid CSV: %(reason)s", reason=str(exc)))
            return
        if any(cell.strip() for cell in cells):
            yield line, cells


def _read_header(record: tuple[int, list[str]] | None, errors: _Errors) -> list[str | None]:
    """The column of each position; None for a column that is reported and then ignored.

    A bad header does not stop the row checks: the known columns are still checked, so the
    coordinator sees every problem after one upload.
    """
    if record is None:
        errors.raise_if_any()  # the CSV error that ended the file early
        errors.fail(1, None, _("The file is empty."))
    line, cells = record
    header: list[str | None] = []
    for position, cell in enumerate(cells, start=1):
        name = cell.strip()
        column = _column_names().get(_header_key(name))
        if NUL in name:
            errors.add(line, None, _("Column %(position)d: %(problem)s", position=position, problem=nul_message()))
        elif not name:
            errors.add(line, None, _("Column %(position)d has no name.", position=position))
        elif column is None:
            message = _(
                'Unknown column "%(column)s". Allowed columns: %(allowed)s.', column=name, allowed=", ".join(COLUMNS)
            )
            errors.add(line, name, message)
        elif column in header:
            errors.add(line, column, _('The column "%(column)s" appears twice.', column=column))
            column = None
        header.append(column if name and NUL not in name else None)
    for required in REQUIRED_COLUMNS:
        if required not in header:
            errors.add(line, required, _('The required column "%(column)s" is missing.', column=required))
    return header


def _header_key(name: str) -> str:
    """Case, spaces, hyphens, underscores and umlaut spelling (ü, ue, u) do not matter in column names."""
    folded = unicodedata.normalize("NFC", name).casefold().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    return "".join(char for char in folded if char.isalnum())


@lru_cache(maxsize=1)
def _column_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for column in COLUMNS:
        for name in (column, *GERMAN_COLUMNS[column]):
            # Both "Führungskraft" spelled "Fuehrungskraft" and "Fuhrungskraft" (umlaut dropped).
            plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
            names[_header_key(name)] = names[_header_key(plain)] = column
    return names


def _parse_record(
    header: list[str | None], line: int, cells: list[str], errors: _Errors, first_line: dict[str, int]
) -> ParticipantRow | None:
    if len(cells) != len(header):
        message = ngettext(
            "This line has %(num)d field but the header has %(expected)d.",
            "This line has %(num)d fields but the header has %(expected)d.",
            len(cells),
            expected=len(header),
        )
        errors.add(line, None, message)
        return None
    parsed: dict[str, object] = {}
    before = len(errors.items)
    for column, raw in zip(header, cells, strict=True):
        if column is None:  # reported with the header
            continue
        if NUL in raw:  # PostgreSQL cannot store it; say where it is instead of failing on save
            errors.add(line, column, nul_message())
            continue
        value = _unescape_formula(raw.strip())
        if not value:
            if column in REQUIRED_COLUMNS:
                errors.add(line, column, _("A value for %(column)s is required.", column=column))
            continue
        try:
            parsed[column] = _parse_cell(column, value)
        except _CellError as exc:
            errors.add(line, column, str(exc))
    _check_duplicate(parsed.get("email"), line, errors, first_line)
    if any(column not in header for column in REQUIRED_COLUMNS):
        return None  # the missing column is reported with the header; the other cells were checked
    if len(errors.items) == before:
        if parsed["role"] is Role.MENTOR:
            parsed.setdefault("capacity", DEFAULT_MENTOR_CAPACITY)
        for column, message in _role_rules(parsed):
            errors.add(line, column, message)
    if len(errors.items) > before:
        return None
    return ParticipantRow(line=line, **parsed)  # type: ignore[arg-type]


def _parse_cell(column: str, value: str) -> object:
    parsed = _PARSERS[column](value)
    limit = LIST_LIMITS.get(column)
    if limit is not None and len(parsed) > limit:  # type: ignore[arg-type]
        count = len(parsed)  # type: ignore[arg-type]
        raise _CellError(
            ngettext(
                "At most %(num)d entry (this has %(count)d).",
                "At most %(num)d entries (this has %(count)d).",
                limit,
                count=count,
            )
        )
    return parsed


def _check_duplicate(email: object, line: int, errors: _Errors, first_line: dict[str, int]) -> None:
    if not isinstance(email, str):
        return
    if email in first_line:
        other = first_line[email]
        message = _("The e-mail address %(email)s also appears on line %(other)d.", email=email, other=other)
        errors.add(line, "email", message)
    else:
        first_line[email] = line


def _role_rules(parsed: dict[str, object]) -> Iterator[tuple[str, str]]:
    """Mentors offer expertise and have a capacity; mentees want skills."""
    role = parsed["role"]
    if role is Role.MENTOR:
        if parsed.get("wanted_skills"):
            yield "wanted_skills", _("Only mentees list wanted skills; leave this empty for mentors.")
    elif role is Role.MENTEE:
        if parsed.get("capacity"):
            yield "capacity", _("Only mentors have a capacity; leave this empty or 0 for mentees.")
        if parsed.get("expertise"):
            yield "expertise", _("Only mentors list expertise; leave this empty for mentees.")
    # Coordinators get no profile, so the importer ignores their profile columns.


# --- cell parsers: each takes a trimmed, non-empty cell and returns the value or raises _CellError


def _text(limit: int, *, multiline: bool = False) -> Callable[[str], str]:
    def parse(value: str) -> str:
        text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
        if not multiline:
            text = " ".join(text.split())
        if len(text) > limit:
            raise _CellError(
                ngettext(
                    "At most %(num)d character (this has %(length)d).",
                    "At most %(num)d characters (this has %(length)d).",
                    limit,
                    length=len(text),
                )
            )
        return text

    return parse


def _email(value: str) -> str:
    """The address as accounts.service.normalise_email stores it (validated, normalised, lower-cased)."""
    local, _at, domain = value.rpartition("@")
    try:
        # validate_email costs ~80 µs, a tenth of the time budget per row. A plain ASCII local
        # part needs no normalisation, so only the domain (shared by most rows) goes through it.
        if _DOT_ATOM.match(local) and len(value) <= _MAX_EMAIL:
            return f"{local}@{_email_domain(domain)}".lower()
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise _CellError(_('"%(value)s" is not a valid e-mail address.', value=value)) from None


@lru_cache(maxsize=1024)
def _email_domain(domain: str) -> str:
    return validate_email(f"postmaster@{domain}", check_deliverability=False).domain


@lru_cache(maxsize=4096)
def _line_manager_email(value: str) -> str:
    # Cached: a whole department shares one line manager.
    return _email(value)


def _role(value: str) -> Role:
    role = _ROLES.get(value.casefold())
    if role is None:
        raise _CellError(_('Unknown role "%(value)s"; use mentor, mentee or coordinator.', value=value))
    return role


def _timezone(value: str) -> str:
    if not is_valid_timezone(value):
        raise _CellError(_('Unknown time zone "%(value)s"; use a name such as Europe/Berlin.', value=value))
    return value


def _items(value: str) -> list[str]:
    return [item.strip() for item in value.split(LIST_SEPARATOR) if item.strip()]


def _unique(items: Iterable[str], key: Callable[[str], str] = str) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(key(item), item)
    return tuple(seen.values())


@lru_cache(maxsize=1)
def _language_codes() -> frozenset[str]:
    return frozenset(str(code) for code in Locale("en").languages if LANGUAGE_CODE.match(str(code)))


def _languages(value: str) -> tuple[str, ...]:
    codes = [item.lower() for item in _items(value)]
    bad = [code for code in codes if code not in _language_codes()]
    if bad:
        message = _('Unknown language code "%(codes)s"; use ISO 639-1 codes such as de|en.', codes=", ".join(bad))
        raise _CellError(message)
    return _unique(codes)


@lru_cache(maxsize=1)
def _value_lookup() -> dict[str, str]:
    """Value keys by key, English label, German label and the current translations."""
    lookup: dict[str, str] = {}
    for key, label in WORK_VALUES.items():
        names = [key, GERMAN_VALUE_LABELS[key]]
        for locale in ("en", "de"):
            with use_locale(locale):
                names.append(str(label))
        lookup.update((_key(name), key) for name in names)
    return lookup


def _values(value: str) -> tuple[str, ...]:
    lookup = _value_lookup()
    items = _items(value)
    bad = [item for item in items if _key(item) not in lookup]
    if bad:
        message = _(
            'Unknown value "%(values)s"; use the value keys or their English or German names.', values=", ".join(bad)
        )
        raise _CellError(message)
    return _unique(lookup[_key(item)] for item in items)


@lru_cache(maxsize=16384)
def _key(label: str) -> str:
    return tag_key(label)


@lru_cache(maxsize=16384)
def _tag(item: str) -> str:
    label = tag_label(item)
    if len(label) > TAG_MAX_LENGTH or len(_key(label)) > TAG_MAX_LENGTH:
        raise _CellError(
            ngettext(
                'Tag "%(tag)s" is longer than %(num)d character.',
                'Tag "%(tag)s" is longer than %(num)d characters.',
                TAG_MAX_LENGTH,
                tag=label[:20] + "…",
            )
        )
    return label


def _interests(value: str) -> tuple[str, ...]:
    return _unique((_tag(item) for item in _items(value)), key=_key)


def _skills(low: int, high: int, example: str) -> Callable[[str], tuple[SkillLevel, ...]]:
    def parse(value: str) -> tuple[SkillLevel, ...]:
        skills: dict[str, SkillLevel] = {}
        for item in _items(value):
            label, _sep, weight = item.rpartition(":")
            if not label.strip() or not _NUMBER.match(weight.strip()) or not low <= int(weight) <= high:
                message = _(
                    '"%(item)s" needs a number from %(low)d to %(high)d after a colon, e.g. %(example)s.',
                    item=item,
                    low=low,
                    high=high,
                    example=example,
                )
                raise _CellError(message)
            skill = SkillLevel(_tag(label), int(weight))
            earlier = skills.setdefault(_key(skill.label), skill)
            if earlier.weight != skill.weight:
                raise _CellError(_('"%(skill)s" is listed twice with different numbers.', skill=skill.label))
        return tuple(skills.values())

    return parse


def _capacity(value: str) -> int:
    if not _NUMBER.match(value) or int(value) > MAX_CAPACITY:
        raise _CellError(_("Capacity must be a whole number from 0 to %(max)d.", max=MAX_CAPACITY))
    return int(value)


def _time(value: str, *, end: bool = False) -> str:
    match = _TIME.match(value)
    if match:
        hours, minutes = int(match[1]), int(match[2])
        # 24:00 closes a window that runs until midnight, as in the profile form.
        if (hours <= 23 and minutes <= 59) or (end and hours == 24 and minutes == 0):
            return f"{hours:02d}:{minutes:02d}"
    raise _CellError(_('"%(value)s" is not a time of day (HH:MM).', value=value))


def _availability(value: str) -> tuple[Slot, ...]:
    slots: list[Slot] = []
    for item in _items(value):
        match = _SLOT.match(item)
        if not match or match[1].casefold() not in _DAYS:
            raise _CellError(_('"%(item)s" is not a time slot like Mon 09:00-12:00.', item=item))
        slot = Slot(_DAYS[match[1].casefold()], _time(match[2]), _time(match[3], end=True))
        if slot.end <= slot.start:
            raise _CellError(_('In "%(item)s" the end is not after the start.', item=item))
        if slot not in slots:
            slots.append(slot)
    return tuple(slots)


_PARSERS: dict[str, Callable[[str], object]] = {
    "email": _email,
    "name": _text(TEXT_LIMITS["name"]),
    "role": _role,
    "department": _text(TEXT_LIMITS["department"]),
    "line_manager_email": _line_manager_email,
    "timezone": _timezone,
    "languages": _languages,
    "values": _values,
    "values_note": _text(TEXT_LIMITS["values_note"], multiline=True),
    "interests": _interests,
    "expertise": _skills(*EXPERTISE_LEVELS, example="Negotiation:4"),
    "wanted_skills": _skills(*WANTED_PRIORITIES, example="Negotiation:1"),
    "capacity": _capacity,
    "availability": _availability,
    "bio": _text(TEXT_LIMITS["bio"], multiline=True),
}


# --- writing


def _format_row(row: ParticipantRow) -> list[str]:
    cells = {
        "email": row.email,
        "name": row.name,
        "role": row.role.value,
        "department": row.department,
        "line_manager_email": row.line_manager_email,
        "timezone": row.timezone,
        "languages": _join(row.languages),
        "values": _join(row.values),
        "values_note": row.values_note,
        "interests": _join(_safe_label(label) for label in row.interests),
        "expertise": _join(f"{_safe_label(s.label)}:{s.weight}" for s in row.expertise),
        "wanted_skills": _join(f"{_safe_label(s.label)}:{s.weight}" for s in row.wanted_skills),
        "capacity": str(row.capacity) if row.role is Role.MENTOR or row.capacity else "",
        "availability": _join(f"{DAY_NAMES[s.day]} {s.start}-{s.end}" for s in row.availability),
        "bio": row.bio,
    }
    return [cells[column] for column in COLUMNS]


def _join(items: Iterable[str]) -> str:
    return LIST_SEPARATOR.join(items)


def _safe_label(label: str) -> str:
    # Tags created elsewhere could contain the list separator; it would split the tag on import.
    return label.replace(LIST_SEPARATOR, "/")


def escape_formula(cell: str) -> str:
    """The cell with a quote before a leading =, +, -, @, tab or CR, and before one after a separator or line break."""
    cell = _INNER_FORMULA.sub(r"\1'\2", cell)
    return "'" + cell if _FORMULA.match(cell) else cell


def _unescape_formula(cell: str) -> str:
    cell = cell[1:] if cell.startswith("'") and _ESCAPED_FORMULA.match(cell) else cell
    return _INNER_ESCAPED.sub(r"\1\2", cell)
