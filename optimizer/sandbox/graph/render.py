"""Market objects rendered as Graph nodes: only the requested fields, typed the way Graph types them.

Budgets are strings of minor units, ids are strings, times are ``2024-01-01T00:00:00-0500`` in the account's
time zone, nested selections (``creative{id,call_to_action_type}``, ``object_story_spec{link_data}``) are
honoured, and a real field the sandbox does not model is left out of the answer (as Graph leaves out empty
fields) instead of failing the whole request with error #100.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from optimizer.sandbox.graph.params import FieldSel
from optimizer.sandbox.market import Account, Ad, AdSet, Campaign, Creative, Market

#: Money fields Graph answers as strings of minor units.
STRING_MONEY = frozenset(
    {"daily_budget", "lifetime_budget", "budget_remaining", "spend_cap", "amount_spent", "balance"}
)

Getter = Callable[[Any, "Renderer"], Any]


def account_digits(account_id: str) -> str:
    """``act_123`` or ``123`` to ``123``."""
    return account_id.removeprefix("act_")


class Renderer:
    """Renders market objects for one request (time zones are per account)."""

    def __init__(self, market: Market) -> None:
        self.market = market

    # -- values -------------------------------------------------------------------------------------------

    def account_of(self, obj: Any) -> Account | None:
        """The ad account ``obj`` belongs to."""
        if isinstance(obj, Account):
            return obj
        account_id = getattr(obj, "account_id", None)
        if account_id is None:
            return None
        return (
            self.market.accounts.get(account_id)
            or self.market.accounts.get(f"act_{account_digits(account_id)}")
            or self.market.accounts.get(account_digits(account_id))
        )

    def value(self, obj: Any, name: str, raw: Any) -> Any:
        """One attribute value in Graph's JSON typing."""
        if raw is None:
            return None
        if isinstance(raw, bool):
            return raw
        if name in STRING_MONEY and isinstance(raw, int):
            return str(raw)
        if isinstance(raw, datetime):
            account = self.account_of(obj)
            zone = ZoneInfo(account.timezone_name) if account else None
            local = raw.astimezone(zone) if zone and raw.tzinfo else raw
            return local.strftime("%Y-%m-%dT%H:%M:%S%z")
        if isinstance(raw, date):
            return raw.isoformat()
        if isinstance(raw, Decimal):
            return format(raw, "f")
        if dataclasses.is_dataclass(raw) and not isinstance(raw, type):
            return {
                k: self.value(raw, k, v)
                for k, v in dataclasses.asdict(raw).items()
                if v is not None
            }
        if isinstance(raw, Mapping):
            return {str(k): self.value(obj, str(k), v) for k, v in raw.items() if v is not None}
        if isinstance(raw, list | tuple):
            return [self.value(obj, name, v) for v in raw]
        return raw

    # -- nodes --------------------------------------------------------------------------------------------

    def node(self, obj: Any, selection: tuple[FieldSel, ...] | None) -> dict[str, Any]:
        """``obj`` with the fields in ``selection`` (just ``id`` when nothing was asked for)."""
        getters = _GETTERS.get(type(obj), {})
        out: dict[str, Any] = {}
        for sel in selection or (FieldSel("id"),):
            if sel.name in out:
                continue
            getter = getters.get(sel.name)
            if getter is not None:
                value = getter(obj, self)
            elif dataclasses.is_dataclass(obj) and sel.name in _attribute_names(type(obj)):
                value = self.value(obj, sel.name, getattr(obj, sel.name))
            elif sel.name != "id" and isinstance(getattr(type(obj), sel.name, None), property):
                value = self.value(obj, sel.name, getattr(obj, sel.name))
            else:
                continue
            if value is None:
                continue
            out[sel.name] = self._nested(value, sel.children)
        if "id" not in out:
            # Graph answers every node with its id, asked for or not.
            id_getter = getters.get("id")
            out["id"] = (
                id_getter(obj, self)
                if id_getter
                else self.value(obj, "id", getattr(obj, "id", None))
            )
        return out

    def _nested(self, value: Any, children: tuple[FieldSel, ...] | None) -> Any:
        """Apply a brace selection to an already rendered value."""
        if isinstance(value, _Ref):
            return self.node(value.obj, children)
        if isinstance(value, _Edge):
            return {"data": [self.node(o, children) for o in value.objs]}
        if children is None or not isinstance(value, dict):
            return value
        out = {}
        for sel in children:
            if sel.name in value:
                out[sel.name] = self._nested(value[sel.name], sel.children)
        return out


@dataclasses.dataclass(frozen=True)
class _Ref:
    """A reference to another node, rendered as ``{"id": ...}`` or with the nested selection."""

    obj: Any


@dataclasses.dataclass(frozen=True)
class _Edge:
    """An edge asked for as a field (``adsets{name}``), rendered as ``{"data": [...]}``."""

    objs: list[Any]


def _attribute_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))


def _effective(obj: Any, r: Renderer) -> Any:
    return r.market.effective_status(obj.id)


def _campaign_ref(obj: Any, r: Renderer) -> Any:
    campaign = r.market.campaigns.get(obj.campaign_id)
    return _Ref(campaign) if campaign else None


def _adset_ref(obj: Any, r: Renderer) -> Any:
    adset = r.market.adsets.get(obj.adset_id)
    return _Ref(adset) if adset else None


def _account_ref(obj: Any, r: Renderer) -> Any:
    account = r.account_of(obj)
    return _Ref(account) if account else None


def _created(obj: Any, r: Renderer) -> Any:
    return r.value(obj, "created_time", obj.created_time)


def _adset_bid_strategy(obj: AdSet, r: Renderer) -> Any:
    """Ad sets of a campaign-budget campaign follow the campaign's bid strategy."""
    if obj.bid_strategy is not None:
        return obj.bid_strategy
    campaign = r.market.campaigns.get(obj.campaign_id)
    return campaign.bid_strategy if campaign else None


_COMMON: dict[str, Getter] = {
    "account_id": lambda o, r: account_digits(o.account_id),
    "account": _account_ref,
    "configured_status": lambda o, r: o.status,
    "effective_status": _effective,
    "updated_time": _created,
    "start_time": _created,
}

_GETTERS: dict[type, dict[str, Getter]] = {
    Account: {
        "id": lambda o, r: f"act_{account_digits(o.id)}",
        "account_id": lambda o, r: account_digits(o.id),
        "timezone_offset_hours_utc": lambda o, r: _utc_offset_hours(o.timezone_name, r),
        "campaigns": lambda o, r: _Edge(_children(r.market.campaigns, "account_id", o.id)),
        "adsets": lambda o, r: _Edge(_children(r.market.adsets, "account_id", o.id)),
        "ads": lambda o, r: _Edge(_children(r.market.ads, "account_id", o.id)),
    },
    Campaign: {
        **_COMMON,
        "buying_type": lambda o, r: "AUCTION",
        "special_ad_categories": lambda o, r: [],
        "stop_time": lambda o, r: r.value(o, "end_time", o.end_time),
        "adsets": lambda o, r: _Edge(_children(r.market.adsets, "campaign_id", o.id)),
        "ads": lambda o, r: _Edge(_children(r.market.ads, "campaign_id", o.id)),
    },
    AdSet: {
        **_COMMON,
        "campaign": _campaign_ref,
        "bid_strategy": _adset_bid_strategy,
        "ads": lambda o, r: _Edge(_children(r.market.ads, "adset_id", o.id)),
    },
    Ad: {
        **_COMMON,
        "campaign": _campaign_ref,
        "adset": _adset_ref,
        "creative": lambda o, r: (
            _Ref(r.market.creatives[o.creative_id]) if o.creative_id in r.market.creatives else None
        ),
    },
    Creative: {
        "account_id": lambda o, r: account_digits(o.account_id),
        "object_story_spec": lambda o, r: r.value(o, "object_story_spec", o.object_story_spec),
        "status": lambda o, r: "ACTIVE",
        "link_url": lambda o, r: o.link_url,
        "object_url": lambda o, r: o.link_url,
    },
}


def _children(table: Mapping[str, Any], key: str, parent_id: str) -> list[Any]:
    wanted = {parent_id, account_digits(parent_id)}
    return [obj for obj in table.values() if getattr(obj, key) in wanted]


def _utc_offset_hours(timezone_name: str, r: Renderer) -> int:
    today = r.market.today
    now = datetime(today.year, today.month, today.day, 12, tzinfo=ZoneInfo(timezone_name))
    offset = now.utcoffset()
    return int(offset.total_seconds() // 3600) if offset is not None else 0
