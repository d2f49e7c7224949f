"""What a creation or an update may set, checked field by field before anything changes.

Each function takes the raw fields (Python values or the strings of a form-encoded request) and returns
the clean values, or raises :class:`~.errors.MarketError` naming the first bad field. The market applies the
result only when the whole request is valid, so a refused request changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from optimizer.sandbox.market import validation as check
from optimizer.sandbox.market.entities import BID_AMOUNT_STRATEGIES, Account, AdSet, Campaign
from optimizer.sandbox.market.errors import MarketError

#: Fields accepted on creation that the simulation does not model (kept out of errors, not stored).
IGNORED_FIELDS = frozenset(
    {
        "special_ad_categories", "buying_type", "is_adset_budget_sharing_enabled", "promoted_object",
        "start_time", "pacing_type", "destination_type", "attribution_spec", "execution_options",
        "tracking_specs", "conversion_specs", "adlabels", "access_token", "appsecret_proof",
    }
)  # fmt: skip
#: ``AdAccount.account_status`` values: 1 active, 2 disabled, 3 unsettled, 7 pending risk review, ...
ACCOUNT_STATUSES = frozenset({1, 2, 3, 7, 8, 9, 100, 101, 201, 202})
#: A budget change beyond this ratio counts as a significant edit (practitioners' rule of thumb; Meta's
#: own threshold is not documented) and sends the ad sets back into learning.
SIGNIFICANT_BUDGET_CHANGE = 0.2

CAMPAIGN_FIELDS = frozenset(
    {"name", "objective", "status", "daily_budget", "lifetime_budget", "bid_strategy", "end_time"}
)
ADSET_FIELDS = frozenset(
    {
        "name", "campaign_id", "status", "daily_budget", "lifetime_budget", "bid_strategy",
        "bid_amount", "bid_constraints", "optimization_goal", "billing_event", "targeting", "end_time",
    }
)  # fmt: skip
CREATIVE_FIELDS = frozenset(
    {
        "name", "call_to_action_type", "title", "body", "link_url", "image_hash", "object_story_spec",
        "page_id",
    }
)  # fmt: skip
AD_FIELDS = frozenset({"name", "adset_id", "creative_id", "creative", "status"})
DEFAULT_TARGETING: dict[str, Any] = {"geo_locations": {"countries": ["US"]}}


def refuse_unknown(fields: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Refuse a field the object does not take (the Graph API's "invalid parameter")."""
    known = set(allowed) | IGNORED_FIELDS
    for name in fields:
        if name not in known:
            raise MarketError(name, "is not a field the sandbox can set here")


def budgets(fields: Mapping[str, Any], currency: str) -> tuple[int | None, int | None]:
    """The daily and lifetime budgets given (minor units); at most one of them."""
    daily = fields.get("daily_budget")
    lifetime = fields.get("lifetime_budget")
    if daily is not None and lifetime is not None:
        raise MarketError("lifetime_budget", "set daily_budget or lifetime_budget, not both")
    return (
        check.budget("daily_budget", daily, currency) if daily is not None else None,
        check.budget("lifetime_budget", lifetime, currency) if lifetime is not None else None,
    )


def check_bid(
    strategy: str | None, amount: int | None, constraints: Mapping[str, Any] | None
) -> None:
    """A capped strategy needs its amount; a minimum-ROAS strategy needs its floor."""
    if strategy in BID_AMOUNT_STRATEGIES and amount is None:
        raise MarketError("bid_amount", f"{strategy} needs a bid_amount (minor units)")
    if strategy == "LOWEST_COST_WITH_MIN_ROAS" and not (constraints or {}).get(
        "roas_average_floor"
    ):
        raise MarketError(
            "bid_constraints", "LOWEST_COST_WITH_MIN_ROAS needs bid_constraints.roas_average_floor"
        )


def _end_time(fields: Mapping[str, Any]) -> Any:
    return check.timestamp("end_time", fields["end_time"]) if fields.get("end_time") else None


def _optional(fields: Mapping[str, Any], name: str, parse: Any) -> Any:
    return parse(fields[name]) if fields.get(name) is not None else None


# -- creations ------------------------------------------------------------------------------------------
def new_campaign(fields: Mapping[str, Any], currency: str) -> dict[str, Any]:
    """A campaign's fields; a budget makes it CBO, with LOWEST_COST_WITHOUT_CAP unless told otherwise."""
    refuse_unknown(fields, CAMPAIGN_FIELDS)
    daily, lifetime = budgets(fields, currency)
    strategy = fields.get("bid_strategy")
    if strategy is not None:
        strategy = check.bid_strategy(strategy)
        if daily is None and lifetime is None:
            raise MarketError("bid_strategy", "only a campaign with a campaign budget takes one")
    elif daily is not None or lifetime is not None:
        strategy = "LOWEST_COST_WITHOUT_CAP"
    return {
        "name": check.text("name", fields.get("name")),
        "objective": check.objective(fields.get("objective", "OUTCOME_SALES")),
        "status": check.status(fields.get("status", "ACTIVE")),
        "daily_budget": daily,
        "lifetime_budget": lifetime,
        "bid_strategy": strategy,
        "end_time": _end_time(fields),
    }


def new_adset(fields: Mapping[str, Any], campaign: Campaign, currency: str) -> dict[str, Any]:
    """An ad set's fields: its own budget and strategy, or none of either under a CBO campaign."""
    refuse_unknown(fields, ADSET_FIELDS)
    daily, lifetime = budgets(fields, currency)
    strategy: str | None = None
    if campaign.is_cbo:
        for name in ("daily_budget", "lifetime_budget", "bid_strategy"):
            if fields.get(name) is not None:
                raise MarketError(
                    name, f"campaign {campaign.id} holds the budget (CBO), not its ad sets"
                )
    else:
        if daily is None and lifetime is None:
            raise MarketError("daily_budget", "an ad set in a campaign without a budget needs one")
        strategy = check.bid_strategy(fields.get("bid_strategy", "LOWEST_COST_WITHOUT_CAP"))
    amount = _optional(fields, "bid_amount", check.bid_amount)
    constraints = _optional(fields, "bid_constraints", check.bid_constraints)
    check_bid(strategy or campaign.bid_strategy, amount, constraints)
    return {
        "name": check.text("name", fields.get("name")),
        "status": check.status(fields.get("status", "ACTIVE")),
        "daily_budget": daily,
        "lifetime_budget": lifetime,
        "bid_strategy": strategy,
        "bid_amount": amount,
        "bid_constraints": constraints,
        "optimization_goal": check.text(
            "optimization_goal", fields.get("optimization_goal", "OFFSITE_CONVERSIONS")
        ),
        "billing_event": check.text("billing_event", fields.get("billing_event", "IMPRESSIONS")),
        "targeting": check.mapping("targeting", fields.get("targeting", DEFAULT_TARGETING)),
        "end_time": _end_time(fields),
    }


def new_creative(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A link-ad creative from flat fields or an ``object_story_spec`` with ``link_data``; ``name`` may be
    None (the market names it after its id)."""
    refuse_unknown(fields, CREATIVE_FIELDS)
    flat = dict(fields)
    if fields.get("object_story_spec") is not None:
        spec = check.mapping("object_story_spec", fields["object_story_spec"])
        link = check.mapping("object_story_spec.link_data", spec.get("link_data"))
        cta = link.get("call_to_action") or {}
        flat.setdefault("page_id", spec.get("page_id"))
        flat.setdefault("link_url", link.get("link"))
        flat.setdefault("body", link.get("message"))
        flat.setdefault("title", link.get("name"))
        flat.setdefault("image_hash", link.get("image_hash"))
        if isinstance(cta, dict) and cta.get("type") is not None:
            flat.setdefault("call_to_action_type", cta["type"])
    return {
        "call_to_action_type": check.call_to_action(
            "call_to_action_type", flat.get("call_to_action_type")
        ),
        "name": _optional(flat, "name", lambda v: check.text("name", v)),
        "link_url": check.text("link_url", flat.get("link_url") or "https://shop.example.com/"),
        "title": str(flat.get("title") or ""),
        "body": str(flat.get("body") or ""),
        "image_hash": str(flat.get("image_hash") or ""),
        "page_id": str(flat.get("page_id") or "100000000000001"),
    }


def new_ad(fields: Mapping[str, Any]) -> dict[str, Any]:
    """An ad's own fields (its ad set and creative are looked up by the market)."""
    refuse_unknown(fields, AD_FIELDS)
    return {
        "name": check.text("name", fields.get("name")),
        "status": check.status(fields.get("status", "ACTIVE")),
    }


def creative_reference(fields: Mapping[str, Any]) -> object:
    """The creative id of ``creative_id`` or ``creative={"creative_id": ...}``."""
    if fields.get("creative_id") is None and fields.get("creative") is not None:
        return check.mapping("creative", fields["creative"]).get("creative_id")
    return fields.get("creative_id")


# -- updates --------------------------------------------------------------------------------------------
def _common(current_status: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    if current_status == "DELETED":
        raise MarketError("status", "the object is deleted and cannot be changed")
    clean: dict[str, Any] = {}
    if "name" in changes:
        clean["name"] = check.text("name", changes["name"])
    if "status" in changes:
        clean["status"] = check.status(changes["status"])
    return clean


def _other(name: str) -> str:
    return "lifetime_budget" if name == "daily_budget" else "daily_budget"


def campaign_changes(
    campaign: Campaign, changes: Mapping[str, Any], currency: str, members: Iterable[AdSet]
) -> dict[str, Any]:
    """Budget and bid strategy only on a CBO campaign, and never a switch between daily and lifetime."""
    refuse_unknown(changes, CAMPAIGN_FIELDS - {"objective"})
    clean = _common(campaign.status, changes)
    for name in ("daily_budget", "lifetime_budget"):
        if name in changes:
            if not campaign.is_cbo:
                raise MarketError(
                    name, f"campaign {campaign.id} budgets its ad sets; set {name} there"
                )
            if getattr(campaign, name) is None:
                raise MarketError(
                    name, f"campaign {campaign.id} has a {_other(name)}; cannot switch"
                )
            clean[name] = check.budget(name, changes[name], currency)
    if "bid_strategy" in changes:
        if not campaign.is_cbo:
            raise MarketError("bid_strategy", f"campaign {campaign.id} has no campaign budget")
        clean["bid_strategy"] = check.bid_strategy(changes["bid_strategy"])
        for adset in members:
            if adset.status != "DELETED":
                check_bid(clean["bid_strategy"], adset.bid_amount, adset.bid_constraints)
    if "end_time" in changes:
        clean["end_time"] = check.timestamp("end_time", changes["end_time"])
    return clean


def adset_changes(
    adset: AdSet, campaign: Campaign, changes: Mapping[str, Any], currency: str
) -> dict[str, Any]:
    """No budget or strategy under CBO; the resulting strategy must have its amount or floor."""
    refuse_unknown(changes, ADSET_FIELDS - {"campaign_id", "optimization_goal", "billing_event"})
    clean = _common(adset.status, changes)
    for name in ("daily_budget", "lifetime_budget"):
        if name in changes:
            if campaign.is_cbo:
                raise MarketError(
                    name, f"campaign {campaign.id} holds the budget (CBO), not its ad sets"
                )
            if getattr(adset, name) is None:
                raise MarketError(name, f"ad set {adset.id} has a {_other(name)}; cannot switch")
            clean[name] = check.budget(name, changes[name], currency)
    if "bid_strategy" in changes:
        if campaign.is_cbo:
            raise MarketError(
                "bid_strategy", f"campaign {campaign.id} (CBO) holds the bid strategy"
            )
        clean["bid_strategy"] = check.bid_strategy(changes["bid_strategy"])
    for name, parse in (
        ("bid_amount", check.bid_amount),
        ("bid_constraints", check.bid_constraints),
    ):
        if name in changes:
            clean[name] = None if changes[name] is None else parse(changes[name])
    if "end_time" in changes:
        clean["end_time"] = check.timestamp("end_time", changes["end_time"])
    if "targeting" in changes:
        clean["targeting"] = check.mapping("targeting", changes["targeting"])
    check_bid(
        clean.get("bid_strategy", adset.bid_strategy or campaign.bid_strategy),
        clean.get("bid_amount", adset.bid_amount),
        clean.get("bid_constraints", adset.bid_constraints),
    )
    return clean


def ad_changes(current_status: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    """An ad's name and status (its creative is resolved by the market)."""
    refuse_unknown(changes, {"name", "status", "creative_id", "creative"})
    return _common(current_status, changes)


def account_changes(account: Account, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Accounts take a new name, or (sandbox only, to stage billing trouble) an ``account_status``."""
    refuse_unknown(changes, {"name", "account_status"})
    clean: dict[str, Any] = {}
    if "name" in changes:
        clean["name"] = check.text("name", changes["name"])
    if "account_status" in changes:
        status = check.integer("account_status", changes["account_status"])
        if status not in ACCOUNT_STATUSES:
            raise MarketError(
                "account_status", f"{status} is not one of {sorted(ACCOUNT_STATUSES)}"
            )
        clean["account_status"] = status
    return clean


def significant(current: Campaign | AdSet, clean: Mapping[str, Any]) -> bool:
    """Whether applying ``clean`` to ``current`` is a significant edit (learning restarts)."""
    for name in ("daily_budget", "lifetime_budget"):
        old, new = getattr(current, name), clean.get(name)
        if new is not None and old and abs(new / old - 1) > SIGNIFICANT_BUDGET_CHANGE:
            return True
    for name in ("bid_strategy", "bid_amount", "bid_constraints", "targeting"):
        if name in clean and clean[name] != getattr(current, name, None):
            return True
    return False
