"""Strict CSV reading: the shapes of broken files, each named by file and row."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.errors import InputError
from optimizer.importers.reading import read_rows

COLUMNS = ("a", "b", "c")


def _write(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "f.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_rows_are_numbered_as_a_spreadsheet_shows_them(tmp_path: Path) -> None:
    rows = read_rows(_write(tmp_path, "\ufeffa,b,c\n1,2,3\n\n4,5,6\n"), COLUMNS, delimiter=",")
    assert [(r.row, r.cells) for r in rows] == [
        (2, {"a": "1", "b": "2", "c": "3"}),
        (4, {"a": "4", "b": "5", "c": "6"}),
    ]
    assert rows[1].whole("c") == 6


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", r"f\.csv: the file is empty"),
        ("a,b,c\n", r"f\.csv: no data rows after the header"),
        (
            "a,b,d\n1,2,3\n",
            r"f\.csv row 1: header does not match: missing \['c'\], unexpected \['d'\]",
        ),
        (
            "a,b,c\n1,2,3,4\n",
            r"f\.csv row 2: expected 3 ','-separated fields, found 4; 1 value\(s\) after c$",
        ),
        (
            "a,b,c\n1,2,3\n4,5",
            r"f\.csv row 3: expected 3 ','-separated fields, found 2 \(the file ends mid-row: truncated\?\); c: no value from here on",
        ),
        ('a,b,c\n1,"2,3\n', r"f\.csv row \d: "),
        (b"a,b,c\n1,\xff,3\n", r"f\.csv: not UTF-8 text \(byte 8\)"),
    ],
)
def test_broken_files(tmp_path: Path, content: str | bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_rows(_write(tmp_path, content), COLUMNS, delimiter=",")


def test_cell_parsers_name_the_column(tmp_path: Path) -> None:
    (row,) = read_rows(_write(tmp_path, "a,b,c\n 7 ,x,\n"), COLUMNS, delimiter=",")
    assert row.whole("a") == 7
    with pytest.raises(InputError, match=r"f\.csv row 2: b: 'x' is not a whole number"):
        row.whole("b")
    with pytest.raises(InputError, match=r"f\.csv row 2: b: 'x' is not a number"):
        row.amount("b")
    with pytest.raises(InputError, match=r"f\.csv row 2: c: is empty"):
        row.amount("c")
    with pytest.raises(InputError, match=r"f\.csv row 2: b: 'x' is not a D\.MM\.YYYY date"):
        row.dotted_day("b")
