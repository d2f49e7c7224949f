"""``import_csv``: recognise each file by its header and load them all in ONE transaction.

This is what ``adpilot import-csv`` calls. Every file is parsed and checked before anything is written,
so a bad file among several leaves the store exactly as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from importlib.resources import as_file, files
from pathlib import Path

from optimizer.errors import InputError
from optimizer.importers import ab_campaigns, kaggle_conversion
from optimizer.importers.ab_campaigns import Missing
from optimizer.importers.report import ImportReport
from optimizer.store import Store

#: The public data files shipped with adpilot (copies of ``/work/shared/data``), for demos.
BUNDLED = ("KAG_conversion_data.csv", "control_group.csv", "test_group.csv")


def bundled(name: str) -> Path:
    """The path of a shipped data file (see :data:`BUNDLED`)."""
    if name not in BUNDLED:
        raise InputError(f"name: {name!r} is not one of the bundled files {list(BUNDLED)}")
    with as_file(files("optimizer.importers.data").joinpath(name)) as path:
        return Path(path)


def detect(path: Path) -> str:
    """Which importer reads ``path``, from its first line."""
    try:
        with path.open(encoding="utf-8-sig") as handle:
            first = handle.readline().strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the file ({exc})") from None
    if first.startswith("ad_id") and "xyz_campaign_id" in first:
        return kaggle_conversion.KIND
    if first.startswith("Campaign Name") and "Spend [" in first:
        return ab_campaigns.KIND
    raise InputError(
        f"{path} row 1: unrecognised header {first[:80]!r}: expected the Kaggle conversion file "
        "(ad_id,xyz_campaign_id,...) or an A/B campaign file (Campaign Name;Date;Spend [USD];...)"
    )


def import_csv(
    store: Store,
    paths: Sequence[Path],
    *,
    missing: Missing = "error",
    account_id: str | None = None,
    currency: str = "USD",
    period_start: date | None = None,
    period_end: date | None = None,
) -> list[ImportReport]:
    """Import every file (A/B files together as one account); all or nothing across files.

    ``account_id`` overrides the default account of each kind; ``currency``, ``period_start`` and
    ``period_end`` apply to the Kaggle conversion file, ``missing`` to the A/B files.
    """
    if not paths:
        raise InputError("paths: no CSV files given")
    kinds = {path: detect(path) for path in paths}
    kaggle = [
        (
            path,
            kaggle_conversion.parse(
                path,
                account_id=account_id or kaggle_conversion.DEFAULT_ACCOUNT,
                currency=currency,
                period_start=period_start,
                period_end=period_end,
            ),
        )
        for path, kind in kinds.items()
        if kind == kaggle_conversion.KIND
    ]
    ab_paths = [path for path, kind in kinds.items() if kind == ab_campaigns.KIND]
    ab_account = account_id or ab_campaigns.DEFAULT_ACCOUNT
    ab = ab_campaigns.parse(ab_paths, account_id=ab_account, missing=missing) if ab_paths else None
    reports: list[ImportReport] = []
    with store.transaction() as session:
        for path, batch in kaggle:
            report = ImportReport(kaggle_conversion.KIND, batch.account["id"], [str(path)])
            report.written = kaggle_conversion.write(store, session, batch)
            reports.append(report)
        if ab is not None:
            report = ImportReport(
                ab_campaigns.KIND,
                ab_account,
                [str(p) for p in ab_paths],
                warnings=list(ab.warnings),
            )
            report.written = ab_campaigns.write(store, session, ab)
            reports.append(report)
    if ab is not None:
        ab_campaigns.warn(ab)
    return reports
