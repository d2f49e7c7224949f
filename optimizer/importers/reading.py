"""Strict CSV reading: every complaint names the file, the row and the column.

Rows are numbered as a spreadsheet shows them (the header is row 1), so "row 12" is line 12 of the file.
A wrong delimiter, a header that is not the expected one, a row with too few or too many fields (a file cut
mid-row), an empty cell where a number belongs or a malformed number are all :class:`InputError`; nothing
is guessed or filled in.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from optimizer.errors import InputError
from optimizer.money import parse_decimal

_DELIMITERS = (",", ";", "\t", "|")
_WHOLE = re.compile(r"^[0-9]+$")
_DOTTED_DAY = re.compile(r"^([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})$")


@dataclass(frozen=True)
class CsvRow:
    """One data row: its file, its spreadsheet row number and its cells by column name."""

    source: str
    row: int
    cells: dict[str, str]

    def where(self, column: str | None = None) -> str:
        """How errors name this row (and column)."""
        place = f"{self.source} row {self.row}"
        return f"{place}: {column}" if column else place

    def raw(self, column: str) -> str:
        return self.cells[column].strip()

    def is_blank(self, column: str) -> bool:
        return not self.raw(column)

    def text(self, column: str) -> str:
        """A non-empty cell."""
        value = self.raw(column)
        if not value:
            raise InputError(f"{self.where(column)}: is empty")
        return value

    def whole(self, column: str) -> int:
        """A non-negative whole number written with digits only."""
        value = self.text(column)
        if not _WHOLE.match(value):
            raise InputError(f"{self.where(column)}: {value!r} is not a whole number")
        return int(value)

    def amount(self, column: str) -> Decimal:
        """A non-negative decimal amount (dot as the decimal mark, no thousands separators)."""
        value = self.text(column)
        try:
            number = parse_decimal(value, column)
        except InputError:
            raise InputError(f"{self.where(column)}: {value!r} is not a number") from None
        if number < 0:
            raise InputError(f"{self.where(column)}: {value!r} is negative")
        return number

    def dotted_day(self, column: str) -> date:
        """A ``D.MM.YYYY`` day (the A/B files' format)."""
        value = self.text(column)
        match = _DOTTED_DAY.match(value)
        if match is None:
            raise InputError(f"{self.where(column)}: {value!r} is not a D.MM.YYYY date")
        day, month, year = (int(part) for part in match.groups())
        try:
            return date(year, month, day)
        except ValueError as exc:
            raise InputError(
                f"{self.where(column)}: {value!r} is not a valid date ({exc})"
            ) from None


def _decode(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from None


def _header_problem(
    source: str, header: list[str], columns: Sequence[str], delimiter: str, first_line: str
) -> str:
    for other in _DELIMITERS:
        if other != delimiter and [c.strip() for c in first_line.split(other)] == list(columns):
            return (
                f"{source} row 1: the columns are separated by {other!r}, expected {delimiter!r} "
                "(wrong delimiter?)"
            )
    missing = [c for c in columns if c not in header]
    extra = [c for c in header if c not in columns]
    return (
        f"{source} row 1: header does not match: missing {missing}, unexpected {extra} "
        f"(expected {delimiter!r}-separated {list(columns)})"
    )


def read_rows(path: Path, columns: Sequence[str], *, delimiter: str) -> list[CsvRow]:
    """The data rows of ``path``, whose header must be exactly ``columns`` separated by ``delimiter``."""
    source = str(path)
    content = _decode(path)
    if not content.strip():
        raise InputError(f"{source}: the file is empty (expected a header row)")
    first_line = content.splitlines()[0]
    ends_mid_row = not content.endswith(("\n", "\r"))
    total_lines = content.count("\n") + (1 if ends_mid_row else 0)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True)
    rows: list[CsvRow] = []
    try:
        header = [cell.strip() for cell in next(reader)]
        if header != list(columns):
            raise InputError(_header_problem(source, header, columns, delimiter, first_line))
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells) and len(cells) <= 1:
                continue  # a blank line
            if len(cells) != len(columns):
                cut = ends_mid_row and line == total_lines
                hint = " (the file ends mid-row: truncated?)" if cut else ""
                where = (
                    f"{columns[len(cells)]}: no value from here on"
                    if len(cells) < len(columns)
                    else f"{len(cells) - len(columns)} value(s) after {columns[-1]}"
                )
                raise InputError(
                    f"{source} row {line}: expected {len(columns)} {delimiter!r}-separated "
                    f"fields, found {len(cells)}{hint}; {where}"
                )
            rows.append(CsvRow(source, line, dict(zip(columns, cells, strict=True))))
    except csv.Error as exc:
        raise InputError(f"{source} row {reader.line_num}: malformed CSV ({exc})") from None
    if not rows:
        raise InputError(f"{source}: no data rows after the header")
    return rows
