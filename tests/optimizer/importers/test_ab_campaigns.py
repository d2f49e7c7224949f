"""The A/B campaign pair: daily rows, D.MM.YYYY dates, and the control's 5 August gap handled explicitly."""

from __future__ import annotations

import csv
import json
import math
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from optimizer.errors import CurrencyError, InputError
from optimizer.importers import MissingMetricsWarning, import_ab_campaigns
from optimizer.importers.ab_campaigns import campaign_id, parse
from optimizer.store import AdSet, Campaign, DailyInsight, Store
from tests.optimizer.importers.conftest import variant

ACCOUNT = "act_kag_ab_test"
CONTROL, TEST = "ab-control-campaign", "ab-test-campaign"
GAP = date(2019, 8, 5)


def _source(path: Path) -> list[dict[str, str]]:
    """Independent oracle: the csv module's reading of the file."""
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def test_missing_metrics_are_refused_by_default(
    store: Store, control_csv: Path, test_csv: Path
) -> None:
    with pytest.raises(
        InputError,
        match=r"control_group\.csv row 6: # of Impressions: is empty \(7 of 7 metrics missing on this "
        r"day\); import with missing='skip'",
    ):
        import_ab_campaigns(store, control_csv, test_csv)
    assert store.count(DailyInsight) == 0 and store.accounts() == []


def test_keep_stores_spend_and_null_metrics_never_zeros(
    store: Store, control_csv: Path, test_csv: Path
) -> None:
    with pytest.warns(
        MissingMetricsWarning, match=r"control_group\.csv row 6: 7 metric\(s\) missing"
    ):
        report = import_ab_campaigns(store, control_csv, test_csv, missing="keep")
    assert report.written == {"accounts": 1, "campaigns": 2, "adsets": 2, "daily_insights": 60}
    assert len(report.warnings) == 1
    frame = store.insights_frame(ACCOUNT)
    gap = frame[(frame["campaign_id"] == CONTROL) & (frame["date"] == "2019-08-05")].iloc[0]
    assert gap["spend"] == Decimal("1835")
    assert all(pd.isna(gap[c]) for c in ("impressions", "reach", "link_clicks", "conversions"))
    assert pd.isna(gap["actions"])
    history = store.history(ACCOUNT)
    row = history[(history["adset_id"] == f"{CONTROL}-adset") & (history["date"] == "2019-08-05")]
    assert row["spend"].item() == 1835.0 and math.isnan(row["conversions"].item())


def test_skip_leaves_the_day_out(store: Store, control_csv: Path, test_csv: Path) -> None:
    with pytest.warns(MissingMetricsWarning, match="skipped"):
        import_ab_campaigns(store, control_csv, test_csv, missing="skip")
    frame = store.insights_frame(ACCOUNT)
    control = frame[frame["campaign_id"] == CONTROL]
    assert len(control) == 29 and GAP not in set(control["date"].dt.date)
    assert len(frame[frame["campaign_id"] == TEST]) == 30


def test_values_match_the_source_files(store: Store, control_csv: Path, test_csv: Path) -> None:
    with pytest.warns(MissingMetricsWarning):
        import_ab_campaigns(store, control_csv, test_csv, missing="keep")
    frame = store.insights_frame(ACCOUNT)
    for path, campaign in ((control_csv, CONTROL), (test_csv, TEST)):
        source = _source(path)
        stored = frame[frame["campaign_id"] == campaign].reset_index(drop=True)
        assert len(stored) == len(source) == 30
        assert list(stored["date"].dt.date) == [date(2019, 8, d) for d in range(1, 31)]
        assert sum(stored["spend"], Decimal(0)) == sum(Decimal(r["Spend [USD]"]) for r in source)
        purchases = [int(r["# of Purchase"]) for r in source if r["# of Purchase"]]
        assert stored["conversions"].sum() == sum(purchases)
        assert list(stored["link_clicks"].dropna()) == [
            int(r["# of Website Clicks"]) for r in source if r["# of Website Clicks"]
        ]
        assert stored["clicks"].isna().all() and stored["revenue"].isna().all()
    first = frame[(frame["campaign_id"] == CONTROL)].iloc[0]
    assert (first["spend"], first["impressions"], first["reach"]) == (Decimal("2280"), 82702, 56930)
    assert json.loads(first["actions"]) == {
        "add_to_cart": 1819,
        "search": 2290,
        "view_content": 2159,
    }
    assert {c.name for c in store.campaigns(ACCOUNT)} == {"Control Campaign", "Test Campaign"}
    assert [a.campaign_id for a in store.adsets(ACCOUNT)] == [CONTROL, TEST]


def test_reimport_is_idempotent(store: Store, control_csv: Path, test_csv: Path) -> None:
    with pytest.warns(MissingMetricsWarning):
        import_ab_campaigns(store, control_csv, test_csv, missing="keep")
        import_ab_campaigns(store, control_csv, test_csv, missing="keep")
    assert (store.count(Campaign), store.count(AdSet), store.count(DailyInsight)) == (2, 2, 60)


def _edit(path: Path, old: str, new: str) -> str:
    content = path.read_text(encoding="utf-8")
    assert old in content
    return content.replace(old, new, 1)


def test_bad_files_name_file_row_and_field(test_csv: Path, tmp_path: Path) -> None:
    cases = [
        (
            ";2.08.2019;",
            ";31.02.2019;",
            r"test_group\.csv row 3: Date: '31\.02\.2019' is not a valid date",
        ),
        (";2.08.2019;", ";2019-08-02;", r"row 3: Date: '2019-08-02' is not a D\.MM\.YYYY date"),
        (
            ";2.08.2019;",
            ";1.08.2019;",
            r"row 3: Date: Test Campaign on 2019-08-01 already on .*row 2",
        ),
        (";3008;", ";3008;1;", r"row 2: expected 10 ';'-separated fields, found 11"),
        (";3008;", ";3,008;", r"row 2: Spend \[USD\]: '3,008' is not a number"),
        (";39550;", ";39550.5;", r"row 2: # of Impressions: '39550\.5' is not a whole number"),
        (";3008;", ";;", r"row 2: Spend \[USD\]: is empty"),
    ]
    for old, new, message in cases:
        with pytest.raises(InputError, match=message):
            parse([variant(tmp_path, test_csv, _edit(test_csv, old, new))])


def test_wrong_delimiter_and_currency_in_header(test_csv: Path, tmp_path: Path) -> None:
    commas = test_csv.read_text(encoding="utf-8").replace(";", ",")
    with pytest.raises(
        InputError, match=r"test_group\.csv row 1: the columns are separated by ','"
    ):
        parse([variant(tmp_path, test_csv, commas)])
    with pytest.raises(CurrencyError, match="unknown currency 'XYZ'"):
        parse([variant(tmp_path, test_csv, _edit(test_csv, "Spend [USD]", "Spend [XYZ]"))])
    euro = variant(tmp_path, test_csv, _edit(test_csv, "Spend [USD]", "Spend [EUR]"))
    assert parse([euro]).account["currency"] == "EUR"


def test_bad_policy_and_ids() -> None:
    with pytest.raises(
        InputError, match=r"missing: 'zero' is not one of \['error', 'skip', 'keep'\]"
    ):
        parse([Path("x.csv")], missing="zero")  # type: ignore[arg-type]
    assert campaign_id("Control Campaign") == CONTROL
    with pytest.raises(InputError, match="no letters or digits"):
        campaign_id("--")
