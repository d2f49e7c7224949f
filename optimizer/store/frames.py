"""Read-side frames: the insights as stored, and the allocator's per-ad-set-day history.

``insights_frame`` keeps money as Decimal (it is what the store holds, exact) and counts as nullable
integers (``Int64``: <NA> where unknown, None for unknown money); ``history`` is the analysis
frame the response models take, so it is all floats with NaN for unknown values.

``daily_budget`` in the history is the ad set's daily budget in force that day, in major units, as syncs
observed it (:mod:`optimizer.store.budgets`): days before the first sync get the first observation, and
the days since the sync before last get the current budget (what the allocator moves from). NaN where the
ad set has none (campaign budget optimisation, or a lifetime budget); ``bid_amount`` and
``campaign_budget`` follow the same rule, and ``bid_strategy`` is the current one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import BigInteger, Select, select, type_coerce
from sqlalchemy.orm import Session

from optimizer.money import MICROS, offset
from optimizer.store.budgets import BudgetObservation
from optimizer.store.entities import Account, AdSet, Campaign
from optimizer.store.insights import DailyInsight, InsightLevel, LifetimeInsight

HISTORY_COLUMNS = [
    "date",
    "adset_id",
    "campaign_id",
    "spend",
    "impressions",
    "clicks",
    "conversions",
    "revenue",
    "daily_budget",
]
#: Also returned, for models that use them: the ad set's bid, its campaign's (CBO) daily budget, in major
#: units, and the ad set's bid strategy.
HISTORY_EXTRA = ["bid_amount", "campaign_budget", "bid_strategy"]
COUNT_COLUMNS = ["impressions", "reach", "clicks", "link_clicks", "conversions"]
INSIGHT_COLUMNS = [column.name for column in DailyInsight.__table__.columns]  # type: ignore[attr-defined]


def _window(stmt: Select[Any], since: date | None, until: date | None) -> Select[Any]:
    table = DailyInsight.__table__  # type: ignore[attr-defined]
    if since is not None:
        stmt = stmt.where(table.c.date >= since)
    if until is not None:
        stmt = stmt.where(table.c.date <= until)
    return stmt


def insights_frame(
    session: Session,
    account_id: str,
    level: str = "adset",
    since: date | None = None,
    until: date | None = None,
) -> pd.DataFrame:
    """Every stored column of one account's daily insights at ``level``, by date then object."""
    table = DailyInsight.__table__  # type: ignore[attr-defined]
    level = InsightLevel(level).value
    stmt = select(table).where(table.c.account_id == account_id, table.c.level == level)
    stmt = _window(stmt, since, until).order_by(table.c.date, table.c.object_id)
    rows = session.execute(stmt).all()
    frame = pd.DataFrame([tuple(row) for row in rows], columns=INSIGHT_COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    for column in COUNT_COLUMNS:  # exact integers, <NA> where unknown (not float NaN)
        frame[column] = frame[column].astype("Int64")
    return frame


def lifetime_frame(session: Session, account_id: str, level: str = "ad") -> pd.DataFrame:
    """Every stored column of one account's lifetime totals at ``level``, by object id."""
    table = LifetimeInsight.__table__  # type: ignore[attr-defined]
    level = InsightLevel(level).value
    stmt = (
        select(table)
        .where(table.c.account_id == account_id, table.c.level == level)
        .order_by(table.c.object_id)
    )
    columns = [column.name for column in table.columns]
    frame = pd.DataFrame([tuple(row) for row in session.execute(stmt)], columns=columns)
    for column in COUNT_COLUMNS:
        frame[column] = frame[column].astype("Int64")
    return frame


def history(
    session: Session, account_id: str, since: date | None = None, until: date | None = None
) -> pd.DataFrame:
    """One row per ad set and day: the response models' input, floats, NaN where unknown."""
    insight = DailyInsight.__table__  # type: ignore[attr-defined]
    adset = AdSet.__table__  # type: ignore[attr-defined]
    account = Account.__table__  # type: ignore[attr-defined]
    campaign = Campaign.__table__  # type: ignore[attr-defined]
    stmt = (
        select(
            insight.c.date,
            insight.c.adset_id,
            insight.c.campaign_id,
            # Raw micros: converted in bulk below instead of one Decimal per value.
            type_coerce(insight.c.spend, BigInteger).label("spend"),
            insight.c.impressions,
            insight.c.clicks,
            insight.c.conversions,
            type_coerce(insight.c.revenue, BigInteger).label("revenue"),
            adset.c.daily_budget,
            adset.c.bid_amount,
            campaign.c.daily_budget.label("campaign_budget"),
            adset.c.bid_strategy,
            account.c.currency,
        )
        .select_from(insight)
        .join(account, account.c.id == insight.c.account_id)
        .outerjoin(adset, adset.c.id == insight.c.adset_id)
        .outerjoin(campaign, campaign.c.id == insight.c.campaign_id)
        .where(insight.c.account_id == account_id, insight.c.level == InsightLevel.ADSET.value)
    )
    stmt = _window(stmt, since, until).order_by(insight.c.date, insight.c.adset_id)
    names = [*HISTORY_COLUMNS, *HISTORY_EXTRA, "currency"]
    raw = pd.DataFrame([tuple(row) for row in session.execute(stmt)], columns=names)
    frame = raw[[*HISTORY_COLUMNS, *HISTORY_EXTRA]].copy()
    for column in ("adset_id", "campaign_id", "bid_strategy"):
        frame[column] = raw[column].astype("str").where(raw[column].notna(), None)
    frame["date"] = pd.to_datetime(raw["date"])
    for column in ("spend", "revenue"):
        frame[column] = pd.to_numeric(raw[column], errors="raise").astype("float64") / MICROS
    for column in ("impressions", "clicks", "conversions"):
        frame[column] = pd.to_numeric(raw[column], errors="raise").astype("float64")
    offsets = raw["currency"].map(lambda code: float(offset(code))).astype("float64")
    _in_force(session, account_id, raw)
    for column in ("daily_budget", "bid_amount", "campaign_budget"):
        minor = pd.to_numeric(raw[column], errors="raise").astype("float64")
        frame[column] = minor / offsets
    return frame


def _in_force(session: Session, account_id: str, raw: pd.DataFrame) -> None:
    """Replace current budgets in ``raw`` by those in force each day, where a sync observed them.

    The budget in force on day d is the first observation dated after d (see :mod:`.budgets`), except that
    each object's latest observation gives way to its current budget: the latest days then show what is in
    force now (what the allocator moves from, even after tonight's changes), older days what they had.
    """
    table = BudgetObservation.__table__  # type: ignore[attr-defined]
    stmt = select(
        table.c.object_id, table.c.observed, table.c.level, table.c.daily_budget, table.c.bid_amount
    ).where(table.c.account_id == account_id)
    seen = pd.DataFrame(
        [tuple(row) for row in session.execute(stmt)],
        columns=["object_id", "observed", "level", "daily_budget", "bid_amount"],
    )
    if seen.empty or raw.empty:
        return
    seen["observed"] = pd.to_datetime(seen["observed"]).astype("datetime64[ns]")
    seen = seen.sort_values("observed", kind="stable")
    after = pd.to_datetime(raw["date"]).astype("datetime64[ns]") + pd.Timedelta(days=1)
    for level, key, targets in (
        ("adset", "adset_id", {"daily_budget": "daily_budget", "bid_amount": "bid_amount"}),
        ("campaign", "campaign_id", {"daily_budget": "campaign_budget"}),
    ):
        observed = seen[seen["level"] == level]
        latest = observed.groupby("object_id")["observed"].transform("max")
        observed = observed[observed["observed"] < latest]  # the latest: the current budget instead
        if observed.empty:
            continue
        left = pd.DataFrame({"row": raw.index, "after": after, "object_id": raw[key].astype(str)})
        matched = pd.merge_asof(
            left.sort_values("after", kind="stable"),
            observed.drop(columns="level"),
            left_on="after",
            right_on="observed",
            by="object_id",
            direction="forward",
        ).set_index("row")
        found = matched["observed"].notna()
        rows = matched.index[found]
        for source, target in targets.items():
            raw.loc[rows, target] = matched.loc[rows, source].astype("float64")
