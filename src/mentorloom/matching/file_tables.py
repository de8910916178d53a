"""CSV files of ``match-csv`` as columns: Arrow reads them, and the exact reader finds a bad row's line.

A file is read once by Arrow's columnar CSV reader (milliseconds for 200,000 rows) when it has no quote
characters, and by Python's :mod:`csv` otherwise; both give the same rows then. The callers check the columns
vectorised. Only when something is wrong is the file read again by Python's :mod:`csv` — up to the bad row —
because that reader knows the line every row starts on, which the error message names.

Rows as :mod:`csv` sees them: fields stripped of whitespace as ``str.strip`` strips it, rows whose fields are all
blank skipped, every other row with as many fields as the header.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from mentorloom.errors import MentorloomError
from mentorloom.matching.arrow_numpy import from_strings, one_array

# What str.strip() removes (every character with str.isspace()); a test keeps it in step with Python.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)
_BOM = b"\xef\xbb\xbf"


class FileMatchError(MentorloomError):
    """A pairs or capacities file is malformed; the message names file, line and column."""


def fail(name: str, line: int, message: str, column: str | None = None) -> FileMatchError:
    """Uniform error text: ``pairs.csv, line 7, column "score": …``."""
    where = f"{name}, line {line}" + (f', column "{column}"' if column else "")
    return FileMatchError(f"{where}: {message}", field=column)


@dataclass(frozen=True, eq=False)
class Table:
    """The data rows of one CSV file as one stripped string column per header field.

    ``lines`` (exact reads only) holds the line each row starts on. ``stop`` is a row the reader could not
    take (wrong field count): an exact read ends there and names its line, a fast read only notes that one exists.
    ``truncated`` is set when an exact read stopped at its row limit.
    """

    name: str
    delimiter: str
    header: list[str]
    columns: dict[str, int]
    fields: list[pa.Array]
    lines: list[int] | None = None
    stop: FileMatchError | None = None
    truncated: bool = False
    has_nul: bool = False

    @property
    def exact(self) -> bool:
        """Read by Python's csv: every row's line is known."""
        return self.lines is not None

    def column(self, name: str) -> pa.Array:
        """The stripped values of a (lower-case) header column."""
        return self.fields[self.columns[name]]

    def line(self, row: int) -> int:
        """The line data row ``row`` starts on (exact reads only)."""
        if self.lines is None:
            raise ValueError("line numbers are only known after an exact read")
        return self.lines[row]


def read_table(path: Path, required: Sequence[str], *, exact: bool = False, limit: int | None = None) -> Table:
    """Decode, sniff the separator from the header line, check the columns, then read the rows as columns.

    ``exact`` reads with Python's csv (line numbers, stops at the first row with a wrong field count);
    ``limit`` ends such a read after that many data rows.
    """
    name = path.name
    data, text = _decode(path)
    header_line = text[: text.find("\n")] if "\n" in text else text
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    if exact or '"' in text:
        return _read_exact(name, text, delimiter, required, limit)
    header = next(csv.reader(io.StringIO(header_line, newline=""), delimiter=delimiter), [])
    columns = _check_header(name, header, delimiter, required)
    try:
        return _read_arrow(name, data, delimiter, header, columns, has_nul="\x00" in text)
    except pa.ArrowInvalid:  # e.g. a row longer than Arrow's block: the exact reader takes any file
        return _read_exact(name, text, delimiter, required, limit)


def _decode(path: Path) -> tuple[pa.Buffer, str]:
    """The file's bytes and text (UTF-8, BOM dropped from both), or an error naming the file."""
    try:
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
    except OSError as exc:
        raise FileMatchError(f"{path.name}: cannot read file ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise FileMatchError(f"{path.name}: not valid UTF-8 (byte {exc.start})") from exc
    buffer = pa.py_buffer(data)
    return (buffer.slice(len(_BOM)) if data.startswith(_BOM) else buffer), text


def _check_header(name: str, header: list[str], delimiter: str, required: Sequence[str]) -> dict[str, int]:
    """Column positions by lower-case name; every required column present."""
    if not header or not any(h.strip() for h in header):
        raise fail(name, 1, f"empty file, expected header {','.join(required)}")
    if any("\x00" in h for h in header):
        raise fail(name, 1, "the header contains a NUL byte")
    columns = {h.strip().lower(): k for k, h in enumerate(header)}
    for col in required:
        if col not in columns:
            raise fail(name, 1, f'missing column "{col}" (header is {delimiter.join(header)})')
    return columns


def _read_arrow(
    name: str, data: pa.Buffer, delimiter: str, header: list[str], columns: dict[str, int], *, has_nul: bool
) -> Table:
    """Arrow's multi-threaded reader; rows it cannot split into ``len(header)`` fields are noted, not located."""
    width = len(header)
    names = [str(k) for k in range(width)]
    wrong_width: list[str] = []

    def skip_row(row: pv.InvalidRow) -> str:
        if any(f.strip() for f in row.text.split(delimiter)):  # a blank row is skipped, as csv's reader does
            wrong_width.append(row.text)
        return "skip"

    table = pv.read_csv(
        pa.BufferReader(data),
        read_options=pv.ReadOptions(column_names=names, skip_rows=1),
        parse_options=pv.ParseOptions(delimiter=delimiter, quote_char=False, invalid_row_handler=skip_row),
        convert_options=pv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False, quoted_strings_can_be_null=False
        ),
    )
    fields = _non_blank([table.column(k) for k in names])
    stop = FileMatchError(f"{name}: a row has the wrong number of fields") if wrong_width else None
    return Table(name, delimiter, header, columns, fields, stop=stop, has_nul=has_nul)


def _read_exact(name: str, text: str, delimiter: str, required: Sequence[str], limit: int | None) -> Table:
    """Python's csv reader, row by row: slower, but it knows each row's first line and reads quotes as before."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None) or []
    columns = _check_header(name, header, delimiter, required)
    width = len(header)
    rows: list[list[str]] = []
    lines: list[int] = []
    stop, truncated = None, False
    line = reader.line_num
    for row in reader:
        start, line = line + 1, reader.line_num
        if not "".join(row).strip():  # no field but whitespace: a blank row
            continue
        if len(row) != width:
            stop = fail(name, start, f"expected {width} fields, found {len(row)}")
            break
        rows.append(row)
        lines.append(start)
        if limit is not None and len(rows) >= limit:
            truncated = True
            break
    columns_of_rows = list(zip(*rows, strict=True)) if rows else [() for _ in range(width)]
    fields = _non_blank([from_strings(col) for col in columns_of_rows])
    return Table(name, delimiter, header, columns, fields, lines, stop, truncated, "\x00" in text)


def _non_blank(raw: Sequence[pa.Array | pa.ChunkedArray]) -> list[pa.Array]:
    """Strip every field as str.strip() does and drop rows whose fields are all empty."""
    fields = [one_array(pc.utf8_trim(col, characters=WHITESPACE)) for col in raw]
    filled = [pc.cast(pc.binary_length(f), pa.bool_()) for f in fields]
    keep = filled[0]
    for mask in filled[1:]:
        keep = pc.or_(keep, mask)
    if not fields or pc.all(keep).as_py() is not False:
        return fields
    return [f.filter(keep) for f in fields]
