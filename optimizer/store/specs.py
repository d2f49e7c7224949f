"""What a valid row of each table looks like: one field spec per column, plus cross-field checks."""

from __future__ import annotations

from typing import Any

from optimizer.store.entities import DEFAULT_PURCHASE_ACTION
from optimizer.store.insights import InsightLevel
from optimizer.store.rows import (
    FieldError,
    Spec,
    count,
    currency,
    day,
    defaulted,
    json_text,
    money,
    now_default,
    one_of,
    optional,
    required,
    text,
)

LEVELS = one_of(*(level.value for level in InsightLevel))

ACCOUNT: dict[str, Spec] = {
    "id": required(text),
    "name": required(text),
    "currency": required(currency),
    "timezone_name": optional(text),
    "account_status": optional(count),
    "purchase_action_type": defaulted(text, lambda: DEFAULT_PURCHASE_ACTION),
    "updated_at": now_default(),
}

CAMPAIGN: dict[str, Spec] = {
    "id": required(text),
    "account_id": required(text),
    "name": required(text),
    "objective": optional(text),
    "status": optional(text),
    "effective_status": optional(text),
    "daily_budget": optional(count),
    "lifetime_budget": optional(count),
    "bid_strategy": optional(text),
    "updated_at": now_default(),
}

ADSET: dict[str, Spec] = {
    "id": required(text),
    "account_id": required(text),
    "campaign_id": required(text),
    "name": required(text),
    "status": optional(text),
    "effective_status": optional(text),
    "daily_budget": optional(count),
    "lifetime_budget": optional(count),
    "bid_strategy": optional(text),
    "bid_amount": optional(count),
    "bid_constraints": optional(json_text),
    "optimization_goal": optional(text),
    "targeting": optional(json_text),
    "updated_at": now_default(),
}

AD: dict[str, Spec] = {
    "id": required(text),
    "account_id": required(text),
    "campaign_id": required(text),
    "adset_id": required(text),
    "name": required(text),
    "status": optional(text),
    "effective_status": optional(text),
    "creative_id": optional(text),
    "updated_at": now_default(),
}

CREATIVE: dict[str, Spec] = {
    "id": required(text),
    "account_id": required(text),
    "name": optional(text),
    "call_to_action_type": optional(text),
    "title": optional(text),
    "body": optional(text),
    "link_url": optional(text),
    "updated_at": now_default(),
}

_METRICS: dict[str, Spec] = {
    "spend": required(money),
    "impressions": optional(count),
    "reach": optional(count),
    "clicks": optional(count),
    "link_clicks": optional(count),
    "conversions": optional(count),
    "revenue": optional(money),
    "currency": required(currency),
    "actions": optional(json_text),
    "pulled_at": now_default(),
}

DAILY_INSIGHT: dict[str, Spec] = {
    "level": required(LEVELS),
    "object_id": Spec(text),  # derived from the level's id when omitted
    "date": required(day),
    "account_id": required(text),
    "campaign_id": optional(text),
    "adset_id": optional(text),
    "ad_id": optional(text),
    **_METRICS,
}

LIFETIME_INSIGHT: dict[str, Spec] = {
    "level": required(LEVELS),
    "object_id": Spec(text),
    "account_id": required(text),
    "campaign_id": optional(text),
    "adset_id": optional(text),
    "ad_id": optional(text),
    "period_start": optional(day),
    "period_end": optional(day),
    **_METRICS,
    "source": optional(text),
}


#: The ids each level's row must carry (an ad row names its ad set and campaign too).
_LEVEL_IDS = {
    "account": (),
    "campaign": ("campaign_id",),
    "adset": ("campaign_id", "adset_id"),
    "ad": ("campaign_id", "adset_id", "ad_id"),
}
_OWN_ID = {"account": "account_id", "campaign": "campaign_id", "adset": "adset_id", "ad": "ad_id"}


def check_insight(row: dict[str, Any]) -> None:
    """The row's object id must be the id at its level, with the ids above it and none below."""
    level = row["level"]
    needed = _LEVEL_IDS[level]
    for name in needed:
        if row[name] is None:
            raise FieldError(f"{name}: is missing for a {level!r} row")
    for name in ("campaign_id", "adset_id", "ad_id"):
        if name not in needed and row[name] is not None:
            raise FieldError(f"{name}: must be empty on a {level!r} row")
    own = row[_OWN_ID[level]]
    if row["object_id"] is None:
        row["object_id"] = own
    elif row["object_id"] != own:
        raise FieldError(f"object_id: {row['object_id']!r} is not the {level} id {own!r}")
    start, end = row.get("period_start"), row.get("period_end")
    if start is not None and end is not None and end < start:
        raise FieldError(f"period_end: {end} is before period_start {start}")
