"""Account lists: files of ids (comments, CSV, headers, duplicates) and refusals naming the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.errors import InputError
from optimizer.fleet import normalize_account_id, read_account_file


def test_a_file_of_ids_reads_in_order_with_comments_csv_and_duplicates(tmp_path: Path) -> None:
    file = tmp_path / "accounts.csv"
    file.write_text(
        "account_id,name\nact_111,Shoes  # the big one\n\n# paused client\n222\nact_111\n  333  \n",
        encoding="utf-8",
    )
    assert read_account_file(file) == ["act_111", "act_222", "act_333"]


def test_a_bad_line_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    file = tmp_path / "accounts.txt"
    file.write_text("act_111\nact_12x\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"accounts.txt line 2: 'act_12x'"):
        read_account_file(file)


def test_an_empty_or_missing_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("# nobody yet\n", encoding="utf-8")
    with pytest.raises(InputError, match="lists no account ids"):
        read_account_file(empty)
    with pytest.raises(InputError, match="cannot read"):
        read_account_file(tmp_path / "absent.txt")


@pytest.mark.parametrize(("text", "expected"), [("42", "act_42"), ("act_42", "act_42")])
def test_account_ids_are_normalised(text: str, expected: str) -> None:
    assert normalize_account_id(text) == expected
