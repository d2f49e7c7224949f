"""Paths to the unchanged copies of the public data files, and helpers to make broken variants."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture
def kag_csv() -> Path:
    return DATA / "KAG_conversion_data.csv"


@pytest.fixture
def control_csv() -> Path:
    return DATA / "control_group.csv"


@pytest.fixture
def test_csv() -> Path:
    return DATA / "test_group.csv"


def variant(tmp_path: Path, source: Path, content: str) -> Path:
    """A copy of ``source``'s name in ``tmp_path`` with ``content``."""
    path = tmp_path / source.name
    path.write_text(content, encoding="utf-8")
    return path
