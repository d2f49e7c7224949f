"""Validated, typed records of what the Graph API returned, ready for the store.

Pure: dicts in (as the SDK exports them), frozen dataclasses out. Every rule about Meta's data shapes lives
here: ids as ``act_<digits>``, budgets as integer minor units, spend as Decimal major units, one canonical
purchase action per account (the same purchase is reported under several aliases with identical values;
adding them up would double count). A row that breaks a rule raises :class:`InputError` naming the row and
the field, before anything is written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from optimizer.errors import CurrencyError, InputError
from optimizer.money import offset, parse_decimal

#: Purchase aliases in order of preference when an account has no configured purchase action.
PURCHASE_ALIASES = (
    "omni_purchase",
    "purchase",
    "offsite_conversion.fb_pixel_purchase",
    "onsite_web_purchase",
    "onsite_web_app_purchase",
    "web_in_store_purchase",
    "app_custom_event.fb_mobile_purchase",
)


@dataclass(frozen=True)
class AccountRecord:
    id: str
    name: str
    currency: str
    timezone_name: str
    account_status: int | None


@dataclass(frozen=True)
class CampaignRecord:
    id: str
    account_id: str
    name: str
    objective: str | None
    status: str
    effective_status: str | None
    daily_budget: int | None
    lifetime_budget: int | None
    bid_strategy: str | None


@dataclass(frozen=True)
class AdSetRecord:
    id: str
    account_id: str
    campaign_id: str
    name: str
    status: str
    effective_status: str | None
    daily_budget: int | None
    lifetime_budget: int | None
    bid_strategy: str | None
    bid_amount: int | None
    bid_constraints: str | None
    optimization_goal: str | None


@dataclass(frozen=True)
class AdRecord:
    id: str
    account_id: str
    campaign_id: str
    adset_id: str
    name: str
    status: str
    effective_status: str | None
    creative_id: str | None


@dataclass(frozen=True)
class CreativeRecord:
    id: str
    account_id: str
    name: str
    call_to_action_type: str | None
    title: str | None
    body: str | None
    link_url: str | None


@dataclass(frozen=True)
class InsightRecord:
    level: str
    object_id: str
    date: date
    account_id: str
    campaign_id: str | None
    adset_id: str | None
    ad_id: str | None
    spend: Decimal
    impressions: int
    reach: int
    clicks: int
    link_clicks: int
    conversions: int
    revenue: Decimal
    currency: str


def account_id(raw: object) -> str:
    """Meta's ``account_id`` fields hold bare digits; adpilot always says ``act_<digits>``."""
    text = str(raw).strip()
    digits = text.removeprefix("act_")
    if not digits.isdigit():
        raise InputError(f"account id {raw!r} is not act_<digits>")
    return f"act_{digits}"


def _where(kind: str, row: Mapping[str, Any]) -> str:
    return f"{kind} {row.get('id', '?')}"


def _required(row: Mapping[str, Any], key: str, where: str) -> str:
    value = row.get(key)
    if value is None or str(value).strip() == "":
        raise InputError(f"{where}: field {key!r} is missing")
    return str(value)


def _minor(row: Mapping[str, Any], key: str, where: str) -> int | None:
    value = row.get(key)
    if value is None or value == "":
        return None
    amount = parse_decimal(value, f"{where}: {key}")
    if amount < 0 or amount != amount.to_integral_value():
        raise InputError(
            f"{where}: {key} must be a whole, non-negative number of minor units, got {value!r}"
        )
    return int(amount) or None  # Meta reports "0" for "no budget at this level"


def account_record(row: Mapping[str, Any]) -> AccountRecord:
    where = _where("ad account", row)
    currency = _required(row, "currency", where).upper()
    try:
        offset(currency)
    except CurrencyError as exc:
        raise CurrencyError(f"{where}: {exc}") from None
    status = row.get("account_status")
    return AccountRecord(
        id=account_id(_required(row, "id", where)),
        name=str(row.get("name") or ""),
        currency=currency,
        timezone_name=str(row.get("timezone_name") or "UTC"),
        account_status=int(status) if status not in (None, "") else None,
    )


def campaign_record(row: Mapping[str, Any], account: str) -> CampaignRecord:
    where = _where("campaign", row)
    return CampaignRecord(
        id=_required(row, "id", where),
        account_id=account,
        name=str(row.get("name") or ""),
        objective=row.get("objective"),
        status=_required(row, "status", where),
        effective_status=row.get("effective_status"),
        daily_budget=_minor(row, "daily_budget", where),
        lifetime_budget=_minor(row, "lifetime_budget", where),
        bid_strategy=row.get("bid_strategy"),
    )


def adset_record(row: Mapping[str, Any], account: str) -> AdSetRecord:
    where = _where("ad set", row)
    constraints = row.get("bid_constraints")
    return AdSetRecord(
        id=_required(row, "id", where),
        account_id=account,
        campaign_id=_required(row, "campaign_id", where),
        name=str(row.get("name") or ""),
        status=_required(row, "status", where),
        effective_status=row.get("effective_status"),
        daily_budget=_minor(row, "daily_budget", where),
        lifetime_budget=_minor(row, "lifetime_budget", where),
        bid_strategy=row.get("bid_strategy"),
        bid_amount=_minor(row, "bid_amount", where),
        bid_constraints=json.dumps(constraints, sort_keys=True) if constraints else None,
        optimization_goal=row.get("optimization_goal"),
    )


def ad_record(row: Mapping[str, Any], account: str) -> AdRecord:
    where = _where("ad", row)
    creative = row.get("creative")
    creative_id = creative.get("id") if isinstance(creative, Mapping) else None
    return AdRecord(
        id=_required(row, "id", where),
        account_id=account,
        campaign_id=_required(row, "campaign_id", where),
        adset_id=_required(row, "adset_id", where),
        name=str(row.get("name") or ""),
        status=_required(row, "status", where),
        effective_status=row.get("effective_status"),
        creative_id=str(creative_id) if creative_id else None,
    )


def creative_cta(row: Mapping[str, Any]) -> str | None:
    """A creative's call to action: the top-level field, else the story spec's, else the asset feed's first."""
    if row.get("call_to_action_type"):
        return str(row["call_to_action_type"])
    spec = row.get("object_story_spec") or {}
    for key in ("link_data", "video_data"):
        cta = (spec.get(key) or {}).get("call_to_action") or {}
        if cta.get("type"):
            return str(cta["type"])
    feed = row.get("asset_feed_spec") or {}
    types = feed.get("call_to_action_types") or []
    return str(types[0]) if types else None


def creative_record(row: Mapping[str, Any], account: str) -> CreativeRecord:
    where = _where("creative", row)
    link = ((row.get("object_story_spec") or {}).get("link_data") or {}).get("link")
    return CreativeRecord(
        id=_required(row, "id", where),
        account_id=account,
        name=str(row.get("name") or ""),
        call_to_action_type=creative_cta(row),
        title=row.get("title"),
        body=row.get("body"),
        link_url=link,
    )


def choose_purchase_action(rows: Iterable[Mapping[str, Any]], configured: str | None = None) -> str:
    """The one purchase action type an account's conversions are read from.

    A configured type wins. Otherwise the most preferred alias that occurs in the rows, so an account that
    only reports ``offsite_conversion.fb_pixel_purchase`` is still read, and never two aliases at once.
    """
    if configured:
        return configured
    seen: set[str] = set()
    for row in rows:
        for item in row.get("actions") or ():
            if isinstance(item, Mapping) and "action_type" in item:
                seen.add(str(item["action_type"]))
    for alias in PURCHASE_ALIASES:
        if alias in seen:
            return alias
    return PURCHASE_ALIASES[0]


def _action_value(row: Mapping[str, Any], key: str, action: str, where: str) -> Decimal:
    items = row.get(key)
    if items is None:
        return Decimal(0)
    if not isinstance(items, list):
        raise InputError(
            f"{where}: field {key!r} must be a list of actions, got {type(items).__name__}"
        )
    for item in items:
        if not isinstance(item, Mapping) or "action_type" not in item:
            raise InputError(f"{where}: field {key!r} holds a malformed item {item!r}")
        if item["action_type"] == action:
            value = parse_decimal(item.get("value"), f"{where}: {key}[{action}]")
            if value < 0:
                raise InputError(f"{where}: {key}[{action}] is negative ({value})")
            return value
    return Decimal(0)


def _count(row: Mapping[str, Any], key: str, where: str) -> int:
    value = row.get(key)
    if value is None or value == "":
        return 0
    number = parse_decimal(value, f"{where}: {key}")
    if number < 0 or number != number.to_integral_value():
        raise InputError(f"{where}: {key} must be a whole, non-negative count, got {value!r}")
    return int(number)


def insight_record(
    row: Mapping[str, Any], *, level: str, currency: str, purchase_action: str
) -> InsightRecord:
    """One daily insight row (``time_increment=1``) at ``level``, validated."""
    id_key = f"{level}_id" if level != "account" else "account_id"
    where = f"{level} insight {row.get(id_key, '?')} on {row.get('date_start', '?')}"
    start = _required(row, "date_start", where)
    stop = _required(row, "date_stop", where)
    if start != stop:
        raise InputError(f"{where}: not a daily row (date_start {start} != date_stop {stop})")
    try:
        day = date.fromisoformat(start)
    except ValueError:
        raise InputError(f"{where}: date_start {start!r} is not YYYY-MM-DD") from None
    row_currency = row.get("account_currency")
    if row_currency and str(row_currency).upper() != currency:
        raise CurrencyError(
            f"{where}: currency {row_currency} differs from the account's {currency}"
        )
    spend = parse_decimal(row.get("spend", "0"), f"{where}: spend")
    if spend < 0:
        raise InputError(f"{where}: spend is negative ({spend})")
    conversions = _action_value(row, "actions", purchase_action, where)
    if conversions != conversions.to_integral_value():
        raise InputError(
            f"{where}: actions[{purchase_action}] is not a whole count ({conversions})"
        )
    account = account_id(_required(row, "account_id", where))
    return InsightRecord(
        level=level,
        object_id=_required(row, id_key, where) if level != "account" else account,
        date=day,
        account_id=account,
        campaign_id=row.get("campaign_id"),
        adset_id=row.get("adset_id"),
        ad_id=row.get("ad_id"),
        spend=spend,
        impressions=_count(row, "impressions", where),
        reach=_count(row, "reach", where),
        clicks=_count(row, "clicks", where),
        link_clicks=_count(row, "inline_link_clicks", where),
        conversions=int(conversions),
        revenue=_action_value(row, "action_values", purchase_action, where),
        currency=currency,
    )
