"""``import_csv``: files recognised by header, all loaded in one transaction or none."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

from optimizer.errors import InputError
from optimizer.importers import BUNDLED, MissingMetricsWarning, bundled, detect, import_csv
from optimizer.store import Account, Ad, DailyInsight, LifetimeInsight, Store
from tests.optimizer.importers.conftest import DATA, variant


def test_bundled_files_are_unchanged_copies() -> None:
    for name in BUNDLED:
        assert filecmp.cmp(bundled(name), DATA / name, shallow=False)
    shared = Path("/work/shared/data")
    if shared.exists():  # on the development machines, the originals
        for name in BUNDLED:
            assert filecmp.cmp(DATA / name, shared / name, shallow=False)
    with pytest.raises(InputError, match="not one of the bundled files"):
        bundled("other.csv")


def test_detect_by_header(kag_csv: Path, control_csv: Path, tmp_path: Path) -> None:
    assert detect(kag_csv) == "kaggle-conversion"
    assert detect(control_csv) == "ab-campaigns"
    odd = tmp_path / "odd.csv"
    odd.write_text("date,spend\n2024-01-01,3\n")
    with pytest.raises(InputError, match=r"odd\.csv row 1: unrecognised header 'date,spend'"):
        detect(odd)
    with pytest.raises(InputError, match=r"missing\.csv: cannot read the file"):
        detect(tmp_path / "missing.csv")


def test_import_all_three(store: Store, kag_csv: Path, control_csv: Path, test_csv: Path) -> None:
    with pytest.warns(MissingMetricsWarning):
        reports = import_csv(store, [kag_csv, control_csv, test_csv], missing="keep")
    assert [r.kind for r in reports] == ["kaggle-conversion", "ab-campaigns"]
    assert reports[0].summary().startswith("kaggle-conversion -> act_kag_conversion: 1 accounts")
    assert "1 warning(s)" in reports[1].summary()
    assert [a.id for a in store.accounts()] == ["act_kag_ab_test", "act_kag_conversion"]
    assert (store.count(LifetimeInsight), store.count(DailyInsight), store.count(Ad)) == (
        1143,
        60,
        1143,
    )


def test_one_bad_file_writes_nothing(
    store: Store, kag_csv: Path, control_csv: Path, test_csv: Path, tmp_path: Path
) -> None:
    cut = test_csv.read_text(encoding="utf-8")[:-9]  # the last row loses its tail
    broken = variant(tmp_path, test_csv, cut)
    with pytest.raises(
        InputError, match=r"test_group\.csv row 31: expected 10 .* \(the file ends mid-row"
    ):
        import_csv(store, [kag_csv, control_csv, broken], missing="keep")
    assert store.count(Account) == 0 and store.count(LifetimeInsight) == 0
    with pytest.raises(InputError, match="control_group.csv row 6"):
        import_csv(store, [kag_csv, control_csv, test_csv])  # missing="error" by default
    assert store.count(Account) == 0
