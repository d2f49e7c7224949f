"""The Kaggle conversion file: the README's facts read back exactly from the store (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from optimizer.errors import CurrencyError, InputError
from optimizer.importers import MissingMetricsWarning, import_ab_campaigns, import_kaggle_conversion
from optimizer.importers.kaggle_conversion import COLUMNS, parse
from optimizer.store import Ad, AdSet, Campaign, DailyInsight, LifetimeInsight, Store
from tests.optimizer.importers.conftest import variant

ACCOUNT = "act_kag_conversion"


def _counts(store: Store) -> dict[str, int]:
    return {
        m.__name__: store.count(m) for m in (Campaign, AdSet, Ad, LifetimeInsight, DailyInsight)
    }


def test_readme_facts_read_back_exactly(store: Store, kag_csv: Path) -> None:
    report = import_kaggle_conversion(store, kag_csv)
    assert report.written == {
        "accounts": 1, "campaigns": 3, "adsets": 691, "ads": 1143, "lifetime_insights": 1143,
    }  # fmt: skip
    rows = store.lifetime_insights(ACCOUNT, level="ad")
    ads: dict[str, int] = defaultdict(int)
    spend: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        ads[row.campaign_id or ""] += 1
        spend[row.campaign_id or ""] += row.spend
    assert dict(ads) == {"kag-916": 54, "kag-936": 464, "kag-1178": 625}
    assert dict(spend) == {
        "kag-916": Decimal("149.71"), "kag-936": Decimal("2893.37"), "kag-1178": Decimal("55662.15"),
    }  # fmt: skip
    assert sum(r.impressions or 0 for r in rows) == 213_434_828
    assert sum(r.clicks or 0 for r in rows) == 38_165
    assert sum(json.loads(r.actions or "{}")["total_conversion"] for r in rows) == 3_264
    assert sum(r.conversions or 0 for r in rows) == 1_079
    assert all(r.revenue is None and r.reach is None and r.period_start is None for r in rows)
    with store.transaction() as session:
        micros = session.execute(text("SELECT SUM(spend) FROM lifetime_insights")).scalar_one()
    assert int(micros) == 58_705_230_000  # 58,705.23 USD, summed in SQL
    frame = store.lifetime_frame(ACCOUNT)
    assert len(frame) == 1143 and frame["impressions"].sum() == 213_434_828
    assert frame.groupby("campaign_id")["spend"].sum().to_dict() == dict(spend)


def test_entities_follow_the_file(store: Store, kag_csv: Path) -> None:
    import_kaggle_conversion(store, kag_csv)
    (account,) = store.accounts()
    assert (account.id, account.currency) == (ACCOUNT, "USD")
    adset = next(a for a in store.adsets(ACCOUNT) if a.id == "kag-103916")
    assert adset.campaign_id == "kag-916"
    assert json.loads(adset.targeting or "") == {"age": "30-34", "gender": "M", "interest": 15}
    ad = next(a for a in store.ads(ACCOUNT) if a.id == "kag-708746")
    assert (ad.adset_id, ad.campaign_id) == ("kag-103916", "kag-916")
    first = next(r for r in store.lifetime_insights(ACCOUNT) if r.object_id == "kag-708746")
    # "1.429999948" is a float32 rendering of 1.43.
    assert (first.spend, first.impressions, first.clicks, first.conversions) == (
        Decimal("1.43"),
        7350,
        1,
        1,
    )
    assert store.history(ACCOUNT).empty  # lifetime totals never pose as days


def test_reimport_is_idempotent(store: Store, kag_csv: Path) -> None:
    import_kaggle_conversion(store, kag_csv)
    before = _counts(store)
    import_kaggle_conversion(store, kag_csv)
    assert _counts(store) == before


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def _with_stored_data(store: Store, control_csv: Path, test_csv: Path) -> dict[str, int]:
    with pytest.warns(MissingMetricsWarning, match="control_group.csv row 6"):
        import_ab_campaigns(store, control_csv, test_csv, missing="keep")
    return _counts(store)


def test_truncated_file_names_file_row_and_leaves_store_unchanged(
    store: Store, kag_csv: Path, control_csv: Path, test_csv: Path, tmp_path: Path
) -> None:
    before = _with_stored_data(store, control_csv, test_csv)
    lines = _lines(kag_csv)
    partial = lines[600][: lines[600].index(",", 20)]  # row 601 cut after a few fields
    kept = partial.count(",") + 1
    broken = variant(tmp_path, kag_csv, "".join(lines[:600]) + partial)
    with pytest.raises(
        InputError,
        match=rf"KAG_conversion_data\.csv row 601: expected 11 ','-separated fields, found {kept} "
        rf"\(the file ends mid-row: truncated\?\); {COLUMNS[kept]}: no value from here on",
    ):
        import_kaggle_conversion(store, broken)
    assert _counts(store) == before


def test_malformed_number_names_file_row_and_field(
    store: Store, kag_csv: Path, control_csv: Path, test_csv: Path, tmp_path: Path
) -> None:
    before = _with_stored_data(store, control_csv, test_csv)
    lines = _lines(kag_csv)
    at = next(i for i, line in enumerate(lines) if ",3.159999967," in line)
    assert at == 10  # 0-based line index 10 is spreadsheet row 11
    lines[at] = lines[at].replace(",3.159999967,", ",3.15.9999967,")
    with pytest.raises(
        InputError,
        match=r"KAG_conversion_data\.csv row 11: Spent: '3\.15\.9999967' is not a number",
    ):
        import_kaggle_conversion(store, variant(tmp_path, kag_csv, "".join(lines)))
    lines = _lines(kag_csv)
    assert len(lines) == 1144
    lines[-1] = lines[-1].rsplit(",", 1)[0] + ",1e3\n"
    with pytest.raises(
        InputError, match=r"row 1144: Approved_Conversion: '1e3' is not a whole number"
    ):
        import_kaggle_conversion(store, variant(tmp_path, kag_csv, "".join(lines)))
    assert _counts(store) == before


def test_wrong_delimiter_names_file_and_row(
    store: Store, kag_csv: Path, control_csv: Path, test_csv: Path, tmp_path: Path
) -> None:
    before = _with_stored_data(store, control_csv, test_csv)
    semicolons = kag_csv.read_text(encoding="utf-8").replace(",", ";")
    with pytest.raises(
        InputError,
        match=r"KAG_conversion_data\.csv row 1: the columns are separated by ';', expected ',' \(wrong delimiter\?\)",
    ):
        import_kaggle_conversion(store, variant(tmp_path, kag_csv, semicolons))
    assert _counts(store) == before


def test_other_bad_values_are_refused(kag_csv: Path, tmp_path: Path) -> None:
    lines = _lines(kag_csv)
    lines[2] = lines[2].replace(",1.820000023,", ",1.8234,")
    with pytest.raises(InputError, match=r"row 3: Spent: '1\.8234' is not a cent amount"):
        parse(variant(tmp_path, kag_csv, "".join(lines)))
    lines = _lines(kag_csv)
    lines[3] = lines[3].replace(",0,1,0", ",-5,1,0")
    with pytest.raises(InputError, match=r"row 4: Spent: '-5' is negative"):
        parse(variant(tmp_path, kag_csv, "".join(lines)))
    lines = _lines(kag_csv)
    lines[5] = lines[1]
    with pytest.raises(InputError, match=r"row 6: ad_id: ad kag-708746 already on row 2"):
        parse(variant(tmp_path, kag_csv, "".join(lines)))
    with pytest.raises(CurrencyError, match="unknown currency 'XXX'"):
        parse(kag_csv, currency="XXX")


def test_every_row_of_the_source_is_imported(kag_csv: Path) -> None:
    """Independent oracle: the csv module's own reading of the file."""
    with kag_csv.open(newline="") as handle:
        source = list(csv.DictReader(handle))
    batch = parse(kag_csv)
    assert [r["ad_id"] for r in batch.lifetime] == [f"kag-{r['ad_id']}" for r in source]
    assert [r["impressions"] for r in batch.lifetime] == [int(r["Impressions"]) for r in source]
    assert all(abs(r["spend"] - Decimal(s["Spent"])) < Decimal("0.000001") * max(1, Decimal(s["Spent"]))
               for r, s in zip(batch.lifetime, source, strict=True))  # fmt: skip
