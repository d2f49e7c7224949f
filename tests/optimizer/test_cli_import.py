"""``adpilot import-csv`` on the shipped files and on a broken one."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.store import LifetimeInsight, Store

DATA = Path(__file__).resolve().parent.parent / "data"


def test_import_bundled_files(tmp_path: Path) -> None:
    db = tmp_path / "import.db"
    result = CliRunner().invoke(
        app, ["import-csv", "bundled", "--missing", "keep", "--db", str(db), "--json"]
    )
    assert result.exit_code == 0, result.output
    kinds = {r["kind"] for r in json.loads(result.stdout)}
    assert len(kinds) == 2
    with Store(f"sqlite:///{db}") as store:
        rows = store.lifetime_insights(
            next(a.id for a in store.accounts() if a.id == "act_kag_conversion")
        )
        assert len(rows) == 1143
        assert sum((r.spend for r in rows), Decimal(0)) == Decimal("58705.23")
        assert store.count(LifetimeInsight) == 1143


def test_import_of_a_truncated_file_names_it_and_writes_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "KAG_conversion_data.csv"
    text = (DATA / "KAG_conversion_data.csv").read_text()
    broken.write_text(text[: len(text) // 2])  # cut mid-row
    db = tmp_path / "import.db"
    result = CliRunner().invoke(app, ["import-csv", str(broken), "--db", str(db)])
    assert result.exit_code == 1
    assert "KAG_conversion_data.csv" in result.output and "row" in result.output
    with Store(f"sqlite:///{db}") as store:
        assert store.count(LifetimeInsight) == 0
