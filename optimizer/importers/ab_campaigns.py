"""The Kaggle "A/B testing" pair: two campaigns' daily totals (``control_group.csv``, ``test_group.csv``).

The files are semicolon-separated with ``D.MM.YYYY`` dates and the currency in the spend header
(``Spend [USD]``). Each campaign is stored with ONE ad set (``<campaign>-adset``) carrying the daily rows at
level "adset": for a campaign with a single ad set the totals are the same, and it makes the pair usable
by everything that reads ad-set history. ``# of Website Clicks`` are link clicks (``link_clicks``); the
files give no all-clicks count, no revenue and no ad breakdown, so those stay NULL. Searches, content views
and add-to-carts go to ``actions``; ``# of Purchase`` is the canonical ``conversions``.

A row with spend but missing metrics (the control campaign's 5 August 2019) is handled by an explicit
policy: ``missing="error"`` (default) refuses the file naming the row and column, ``"skip"`` leaves the day
out, ``"keep"`` stores the spend with NULL metrics. Both of the latter add a warning. A zero is never
invented.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.orm import Session

from optimizer.errors import InputError
from optimizer.importers.reading import CsvRow, read_rows
from optimizer.importers.report import ImportReport
from optimizer.money import offset
from optimizer.store import Store

KIND = "ab-campaigns"
DEFAULT_ACCOUNT = "act_kag_ab_test"
PREFIX = "ab-"
Missing = Literal["error", "skip", "keep"]
MISSING_POLICIES: tuple[str, ...] = ("error", "skip", "keep")

NAME, DATE = "Campaign Name", "Date"
#: The metric columns after spend, and where each one goes.
METRICS = {
    "# of Impressions": "impressions",
    "Reach": "reach",
    "# of Website Clicks": "link_clicks",
    "# of Searches": "search",
    "# of View Content": "view_content",
    "# of Add to Cart": "add_to_cart",
    "# of Purchase": "conversions",
}
_ACTIONS = ("search", "view_content", "add_to_cart")
_SPEND = re.compile(r"^Spend \[([A-Za-z]{3})\]$")


class MissingMetricsWarning(UserWarning):
    """A day was skipped, or stored with NULL metrics, because the file did not report them."""


@dataclass
class AbBatch:
    """The parsed files as store rows, plus the warnings the missing-value policy produced."""

    account: dict[str, Any]
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    adsets: list[dict[str, Any]] = field(default_factory=list)
    insights: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def campaign_id(name: str) -> str:
    """A stable id from a campaign's name: ``"Control Campaign"`` -> ``"ab-control-campaign"``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not slug:
        raise InputError(f"campaign name {name!r} has no letters or digits to make an id from")
    return PREFIX + slug


def _currency(path: Path) -> tuple[str, tuple[str, ...]]:
    """Find the spend column's currency in the header, so the header check can be exact."""
    try:
        with path.open(encoding="utf-8-sig") as handle:
            first = handle.readline()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the file ({exc})") from None
    spend = next((c.strip() for c in first.split(";") if c.strip().startswith("Spend [")), None)
    match = _SPEND.match(spend or "")
    code = match.group(1).upper() if match else "USD"
    offset(code)  # CurrencyError for a code Meta does not bill in
    return code, (NAME, DATE, f"Spend [{match.group(1) if match else 'USD'}]", *METRICS)


def _metrics(row: CsvRow, missing: Missing) -> tuple[dict[str, int | None], str | None]:
    blank = [column for column in METRICS if row.is_blank(column)]
    if blank and missing == "error":
        raise InputError(
            f"{row.where(blank[0])}: is empty ({len(blank)} of {len(METRICS)} metrics missing on this "
            "day); import with missing='skip' to leave the day out or missing='keep' to store its "
            "spend with unknown metrics"
        )
    values = {
        target: None if column in blank else row.whole(column) for column, target in METRICS.items()
    }
    note = None
    if blank:
        action = "skipped" if missing == "skip" else "stored with NULL metrics"
        note = f"{row.where()}: {len(blank)} metric(s) missing ({', '.join(blank)}): {action}"
    return values, note


def parse(
    paths: Sequence[Path], *, account_id: str = DEFAULT_ACCOUNT, missing: Missing = "error"
) -> AbBatch:
    """Read and check every file (pure: no store); refuses duplicate days and mixed currencies."""
    if missing not in MISSING_POLICIES:
        raise InputError(f"missing: {missing!r} is not one of {list(MISSING_POLICIES)}")
    if not paths:
        raise InputError("no A/B campaign files given")
    batch = AbBatch(account={"id": account_id, "name": "Kaggle A/B test campaigns", "currency": ""})
    seen: dict[tuple[str, object], str] = {}
    currencies: set[str] = set()
    for path in paths:
        code, columns = _currency(path)
        currencies.add(code)
        if len(currencies) > 1:
            raise InputError(
                f"{path} row 1: {columns[2]}: files mix currencies {sorted(currencies)}"
            )
        for row in read_rows(path, columns, delimiter=";"):
            name = row.text(NAME)
            campaign = campaign_id(name)
            day = row.dotted_day(DATE)
            if (campaign, day) in seen:
                raise InputError(
                    f"{row.where(DATE)}: {name} on {day} already on {seen[campaign, day]}"
                )
            seen[campaign, day] = row.where()
            spend = row.amount(columns[2])
            values, note = _metrics(row, missing)
            if note is not None:
                batch.warnings.append(note)
                if missing == "skip":
                    continue
            if all(c["id"] != campaign for c in batch.campaigns):
                batch.campaigns.append({"id": campaign, "account_id": account_id, "name": name})
                batch.adsets.append(
                    {"id": f"{campaign}-adset", "account_id": account_id, "campaign_id": campaign,
                     "name": f"{name} (the campaign's only ad set)"}
                )  # fmt: skip
            actions = {key: values[key] for key in _ACTIONS if values[key] is not None}
            batch.insights.append(
                {
                    "level": "adset",
                    "date": day,
                    "account_id": account_id,
                    "campaign_id": campaign,
                    "adset_id": f"{campaign}-adset",
                    "spend": spend,
                    "impressions": values["impressions"],
                    "reach": values["reach"],
                    "link_clicks": values["link_clicks"],
                    "conversions": values["conversions"],
                    "currency": code,
                    "actions": actions or None,
                }
            )
    batch.account["currency"] = currencies.pop()
    return batch


def import_ab_campaigns(
    store: Store, *paths: Path, account_id: str = DEFAULT_ACCOUNT, missing: Missing = "error"
) -> ImportReport:
    """Load the files into ``store`` in one transaction; warns (MissingMetricsWarning) per incomplete day."""
    batch = parse(paths, account_id=account_id, missing=missing)
    report = ImportReport(KIND, account_id, [str(p) for p in paths], warnings=list(batch.warnings))
    with store.transaction() as session:
        report.written = write(store, session, batch)
    warn(batch)
    return report


def write(store: Store, session: Session, batch: AbBatch) -> dict[str, int]:
    """Upsert parsed files inside the caller's transaction; rows written per table."""
    return {
        "accounts": store.upsert_accounts(session, [batch.account]),
        "campaigns": store.upsert_campaigns(session, batch.campaigns),
        "adsets": store.upsert_adsets(session, batch.adsets),
        "daily_insights": store.upsert_insights(session, batch.insights),
    }


def warn(batch: AbBatch) -> None:
    """Raise one MissingMetricsWarning per day the policy skipped or kept incomplete."""
    for note in batch.warnings:
        warnings.warn(note, MissingMetricsWarning, stacklevel=3)
