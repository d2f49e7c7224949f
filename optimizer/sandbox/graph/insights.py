"""The Insights API over the market's ad-level daily rows: parse a query, aggregate exactly, shape rows.

Every level is an exact Decimal/int sum of the same ad-level rows, so ad, ad set, campaign and account
answers agree to the cent. As on Meta, a deleted object has no rows of its own unless the query filters on
``effective_status`` (connectors pass every status), though its delivery stays in its parents' totals. Rows for objects or periods without delivery are left out. Purchases are reported
under the several aliases Meta uses (identical values), so a client that adds aliases up double counts, as it
would against Meta. Reach is summed across days and ads (an upper bound: the market does not deduplicate
people). The market attributes purchases to clicks; with ``action_attribution_windows`` each action item
carries the click windows with the full value and view windows with "0".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, overload

from optimizer.sandbox.graph.dates import buckets, preset_range
from optimizer.sandbox.graph.params import (
    filtering_rules,
    parse_date,
    parse_fields,
    parse_json,
    parse_list,
    rule_matches,
)
from optimizer.sandbox.graph.render import account_digits
from optimizer.sandbox.graph.wire import invalid_parameter
from optimizer.sandbox.market import Account, DailyMetrics, Market

LEVELS = ("account", "campaign", "adset", "ad")
PURCHASE_ALIASES = (
    "purchase", "omni_purchase", "offsite_conversion.fb_pixel_purchase", "onsite_web_purchase",
    "onsite_web_app_purchase", "web_in_store_purchase",
)  # fmt: skip
ADD_TO_CART_ALIASES = ("add_to_cart", "omni_add_to_cart", "offsite_conversion.fb_pixel_add_to_cart")
LANDING_PAGE_ALIASES = ("landing_page_view", "omni_landing_page_view")
DEFAULT_FIELDS = ("impressions", "spend")
_ENTITY_ATTRIBUTES = frozenset(
    {"id", "name", "effective_status", "status", "configured_status", "objective", "optimization_goal",
     "campaign_id", "adset_id", "bid_strategy"}
)  # fmt: skip
_SIX = Decimal("0.000001")


@dataclass(frozen=True)
class InsightsQuery:
    """A parsed insights request."""

    level: str
    ranges: tuple[tuple[date, date], ...]
    increment: int | str
    fields: tuple[str, ...]
    entity_rules: tuple[tuple[str, str, str, Any], ...] = ()
    metric_rules: tuple[tuple[str, str, Any], ...] = ()
    action_types: tuple[tuple[str, Any], ...] = ()
    windows: tuple[str, ...] = ()
    separate_ranges: bool = False
    raw: Mapping[str, str] = field(default_factory=dict)


def parse_query(
    params: Mapping[str, str], *, node_level: str, today: date, first_day: date
) -> InsightsQuery:
    """Decode ``level``, dates, ``time_increment``, ``fields``, ``filtering`` and windows; error #100 on misuse."""
    level = params.get("level") or node_level
    if level not in LEVELS:
        raise invalid_parameter(f"Param level must be one of {{{', '.join(LEVELS)}}}")
    if LEVELS.index(level) < LEVELS.index(node_level):
        # Graph answers the node's own level when a coarser one is asked of a child node.
        level = node_level
    ranges: list[tuple[date, date]]
    separate = False
    if params.get("time_ranges"):
        decoded = parse_json(params["time_ranges"], "time_ranges")
        if not isinstance(decoded, list) or not decoded:
            raise invalid_parameter("Param time_ranges must be a non-empty array of {since, until}")
        ranges = [_range(item, f"time_ranges[{i}]") for i, item in enumerate(decoded)]
        separate = True
    elif params.get("time_range"):
        ranges = [_range(parse_json(params["time_range"], "time_range"), "time_range")]
    else:
        ranges = [preset_range(params.get("date_preset") or "last_30d", today, first_day)]
    increment = _increment(params.get("time_increment"))
    selection = parse_fields(params.get("fields"))
    names = tuple(dict.fromkeys(sel.name for sel in selection)) if selection else DEFAULT_FIELDS
    breakdowns = parse_list(params.get("breakdowns"), "breakdowns") or []
    if breakdowns:
        # A permanent error: clients must not retry it, and silently unbroken rows would mislabel data.
        raise invalid_parameter(
            f"Param breakdowns: the sandbox reports without breakdowns ({', '.join(breakdowns)}); "
            "ask again with breakdowns=[]"
        )
    windows = tuple(
        parse_list(params.get("action_attribution_windows"), "action_attribution_windows") or ()
    )
    entity_rules: list[tuple[str, str, str, Any]] = []
    metric_rules: list[tuple[str, str, Any]] = []
    action_types: list[tuple[str, Any]] = []
    for name, operator, value in filtering_rules(params.get("filtering")):
        prefix, _, attribute = name.rpartition(".")
        if attribute == "action_type":
            action_types.append((operator, value))
        elif prefix in LEVELS and attribute in _ENTITY_ATTRIBUTES:
            entity_rules.append((prefix, attribute, operator, value))
        elif attribute in METRICS:
            metric_rules.append((attribute, operator, value))
        else:
            raise invalid_parameter(f"Filtering field {name!r} is invalid")
    return InsightsQuery(
        level=level,
        ranges=tuple(ranges),
        increment=increment,
        fields=names,
        entity_rules=tuple(entity_rules),
        metric_rules=tuple(metric_rules),
        action_types=tuple(action_types),
        windows=windows,
        separate_ranges=separate,
        raw=dict(params),
    )


def _range(value: Any, field_name: str) -> tuple[date, date]:
    if not isinstance(value, dict) or "since" not in value or "until" not in value:
        raise invalid_parameter(f"Param {field_name} must be a JSON object with since and until")
    since = parse_date(value["since"], f"{field_name}.since")
    until = parse_date(value["until"], f"{field_name}.until")
    if since > until:
        raise invalid_parameter(f"Param {field_name}: since {since} is after until {until}")
    return since, until


def _increment(value: str | None) -> int | str:
    if value is None or value == "" or value == "all_days":
        return "all_days"
    if value == "monthly":
        return "monthly"
    try:
        days = int(value)
    except ValueError:
        raise invalid_parameter("Param time_increment must be 1-90, monthly or all_days") from None
    if not 1 <= days <= 90:
        raise invalid_parameter("Param time_increment must be 1-90, monthly or all_days")
    return days


class _Totals:
    """Exact sums of ad-level rows."""

    __slots__ = (
        "spend",
        "impressions",
        "reach",
        "clicks",
        "link_clicks",
        "lpv",
        "atc",
        "purchases",
        "value",
    )

    def __init__(self) -> None:
        self.spend = Decimal(0)
        self.value = Decimal(0)
        self.impressions = self.reach = self.clicks = self.link_clicks = 0
        self.lpv = self.atc = self.purchases = 0

    def add(self, m: DailyMetrics) -> None:
        self.spend += m.spend
        self.value += m.purchase_value
        self.impressions += m.impressions
        self.reach += m.reach
        self.clicks += m.clicks
        self.link_clicks += m.link_clicks
        self.lpv += m.landing_page_views
        self.atc += m.add_to_cart
        self.purchases += m.purchases


def _ratio(numerator: Decimal | int, denominator: Decimal | int, scale: int = 1) -> str | None:
    if not denominator:
        return None
    value = Decimal(numerator) * scale / Decimal(denominator)
    return format(value.quantize(_SIX, rounding=ROUND_HALF_EVEN), "f")


#: Metric fields a filter may compare; computed on the aggregated row.
METRICS: dict[str, Any] = {
    "spend": lambda t: t.spend,
    "impressions": lambda t: t.impressions,
    "reach": lambda t: t.reach,
    "clicks": lambda t: t.clicks,
    "inline_link_clicks": lambda t: t.link_clicks,
    "ctr": lambda t: _ratio(t.clicks, t.impressions, 100) or 0,
    "cpm": lambda t: _ratio(t.spend, t.impressions, 1000) or 0,
    "cpc": lambda t: _ratio(t.spend, t.clicks) or 0,
    "frequency": lambda t: _ratio(t.impressions, t.reach) or 0,
}


#: Plain metric fields as Graph formats them (numbers as strings; ratios to 6 places).
_FORMATTED: dict[str, Callable[[_Totals], str | None]] = {
    "spend": lambda t: format(t.spend, "f"),
    "impressions": lambda t: str(t.impressions),
    "reach": lambda t: str(t.reach),
    "clicks": lambda t: str(t.clicks),
    "inline_link_clicks": lambda t: str(t.link_clicks),
    "cpm": lambda t: _ratio(t.spend, t.impressions, 1000),
    "cpp": lambda t: _ratio(t.spend, t.reach, 1000),
    "cpc": lambda t: _ratio(t.spend, t.clicks),
    "ctr": lambda t: _ratio(t.clicks, t.impressions, 100),
    "inline_link_click_ctr": lambda t: _ratio(t.link_clicks, t.impressions, 100),
    "cost_per_inline_link_click": lambda t: _ratio(t.spend, t.link_clicks),
    "frequency": lambda t: _ratio(t.impressions, t.reach),
}


class _RowShape:
    """What one query's rows hold, decided once per query instead of once per row."""

    def __init__(self, query: InsightsQuery, account: Account) -> None:
        def allowed(names: Iterable[str]) -> tuple[str, ...]:
            return tuple(
                a for a in names if all(rule_matches(a, op, v) for op, v in query.action_types)
            )

        self.fields = query.fields
        self.currency = account.currency
        self.windows = query.windows
        self.link = allowed(("link_click",))
        self.lpv = allowed(LANDING_PAGE_ALIASES)
        self.atc = allowed(ADD_TO_CART_ALIASES)
        self.purchase = allowed(PURCHASE_ALIASES)

    def _item(self, action_type: str, value: str) -> dict[str, str]:
        item = {"action_type": action_type, "value": value}
        for window in self.windows:
            if window.endswith("_view"):
                item[window] = "0"
            elif window.endswith("_click") or window in ("dda", "default"):
                item[window] = value
        return item

    def _counts(self, t: _Totals) -> list[tuple[str, int]]:
        groups = (
            (self.link, t.link_clicks),
            (self.lpv, t.lpv),
            (self.atc, t.atc),
            (self.purchase, t.purchases),
        )
        return [(alias, n) for aliases, n in groups if n for alias in aliases]

    def build(self, names: dict[str, str], period: tuple[date, date], t: _Totals) -> dict[str, Any]:
        """One row: the requested fields that have a value, then ``date_start``/``date_stop``."""
        row: dict[str, Any] = {}
        counts: list[tuple[str, int]] | None = None
        for name in self.fields:
            value: Any = None
            formatter = _FORMATTED.get(name)
            if formatter is not None:
                value = formatter(t)
            elif name in names:
                value = names[name]
            elif name == "account_currency":
                value = self.currency
            elif name == "buying_type":
                value = "AUCTION"
            elif name in ("actions", "cost_per_action_type"):
                counts = self._counts(t) if counts is None else counts
                if name == "actions":
                    value = [self._item(a, str(n)) for a, n in counts] or None
                else:
                    value = [
                        {"action_type": a, "value": _ratio(t.spend, n)} for a, n in counts
                    ] or None
            elif name == "action_values":
                if t.purchases and t.value:
                    text = format(t.value, "f")
                    value = [self._item(a, text) for a in self.purchase] or None
            elif name in ("purchase_roas", "website_purchase_roas"):
                roas = _ratio(t.value, t.spend) if t.value else None
                if roas is not None:
                    kind = (
                        "omni_purchase"
                        if name == "purchase_roas"
                        else "offsite_conversion.fb_pixel_purchase"
                    )
                    value = [{"action_type": kind, "value": roas}]
            if value is not None:
                row[name] = value
        row["date_start"] = period[0].isoformat()
        row["date_stop"] = period[1].isoformat()
        return row


_Record = tuple[dict[str, str], tuple[date, date], _Totals]


class InsightsRows(Sequence[dict[str, Any]]):
    """A query's rows, kept as exact totals and rendered only when a page is served.

    A 90-day ad-level answer holds hundreds of thousands of rows; rendering them all as JSON-ready dicts up
    front would cost seconds and hundreds of megabytes for rows that are served 25 or 500 at a time.
    """

    def __init__(self, shape: _RowShape, records: list[_Record]) -> None:
        self._shape = shape
        self._records = records

    def __len__(self) -> int:
        return len(self._records)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self._shape.build(*record) for record in self._records[index]]
        return self._shape.build(*self._records[index])


class InsightsEngine:
    """Answers :class:`InsightsQuery` objects from one market."""

    def __init__(self, market: Market) -> None:
        self.market = market

    def rows(
        self, account: Account, scope: tuple[str, str] | None, query: InsightsQuery
    ) -> InsightsRows:
        """All rows of ``query`` for ``account``, restricted to ``scope`` (``("adset", id)``) if given."""
        level_key = {
            "account": None,
            "campaign": "campaign_id",
            "adset": "adset_id",
            "ad": "ad_id",
        }[query.level]
        out: list[tuple[tuple[date, str], _Record]] = []
        # Deleted objects get no rows of their own unless an effective_status filter asks for them
        # (their delivery still counts in their parents' and the account's totals).
        hide_deleted = level_key is not None and not any(
            rule[1] == "effective_status" for rule in query.entity_rules
        )
        for since, until in query.ranges:
            periods = (
                [(since, until)]
                if query.separate_ranges
                else buckets(since, until, query.increment)
            )
            period_of = {}
            for start, stop in periods:
                day = start
                while day <= stop:
                    period_of[day] = (start, stop)
                    day = date.fromordinal(day.toordinal() + 1)
            groups: dict[tuple[tuple[date, date], str], _Totals] = {}
            scope_key = f"{scope[0]}_id" if scope is not None else None
            passes: dict[str, bool] = {}  # entity filters depend on the ad only: decide once per ad
            account_key = account_digits(account.id)
            for m in self.market.metrics(account.id, since, until):
                if (
                    scope_key is not None
                    and scope is not None
                    and getattr(m, scope_key) != scope[1]
                ):
                    continue
                if query.entity_rules:
                    ok = passes.get(m.ad_id)
                    if ok is None:
                        ok = passes[m.ad_id] = self._entity_ok(m, query)
                    if not ok:
                        continue
                period = period_of.get(m.date)
                if period is None:
                    continue
                key_id = getattr(m, level_key) if level_key else account_key
                totals = groups.get((period, key_id))
                if totals is None:
                    totals = groups[(period, key_id)] = _Totals()
                totals.add(m)
            names: dict[str, dict[str, str]] = {}
            hidden: dict[str, bool] = {}
            for (period, key_id), totals in groups.items():
                if totals.impressions == 0 and totals.spend == 0:
                    continue
                if hide_deleted:
                    if key_id not in hidden:
                        hidden[key_id] = self.market.effective_status(key_id) == "DELETED"
                    if hidden[key_id]:
                        continue
                if not all(
                    rule_matches(METRICS[name](totals), op, value)
                    for name, op, value in query.metric_rules
                ):
                    continue
                if key_id not in names:
                    names[key_id] = self._names(query.level, key_id, account)
                out.append(((period[0], key_id), (names[key_id], period, totals)))
        out.sort(key=lambda pair: pair[0])
        return InsightsRows(_RowShape(query, account), [record for _, record in out])

    def _entity_ok(self, m: DailyMetrics, query: InsightsQuery) -> bool:
        for kind, attribute, operator, value in query.entity_rules:
            if not rule_matches(self._attribute(m, kind, attribute), operator, value):
                return False
        return True

    def _attribute(self, m: DailyMetrics, kind: str, attribute: str) -> Any:
        object_id = m.account_id if kind == "account" else getattr(m, f"{kind}_id")
        if attribute == "id":
            return account_digits(object_id) if kind == "account" else object_id
        if attribute == "effective_status":
            return self.market.effective_status(object_id)
        tables: dict[str, dict[str, Any]] = {
            "campaign": self.market.campaigns,
            "adset": self.market.adsets,
            "ad": self.market.ads,
        }
        table = tables.get(kind)
        obj = table.get(object_id) if table is not None else self.market.accounts.get(object_id)
        if attribute == "configured_status":
            attribute = "status"
        return getattr(obj, attribute, None)

    def _names(self, level: str, key_id: str, account: Account) -> dict[str, str]:
        names = {"account_id": account_digits(account.id), "account_name": account.name}
        if level == "account":
            return names
        ad = self.market.ads.get(key_id) if level == "ad" else None
        adset = (
            self.market.adsets.get(ad.adset_id if ad else key_id)
            if level in ("ad", "adset")
            else None
        )
        campaign_id = ad.campaign_id if ad else adset.campaign_id if adset else key_id
        campaign = self.market.campaigns.get(campaign_id)
        if campaign is not None:
            names.update(
                campaign_id=campaign.id, campaign_name=campaign.name, objective=campaign.objective
            )
        if adset is not None:
            names.update(
                adset_id=adset.id, adset_name=adset.name, optimization_goal=adset.optimization_goal
            )
        if ad is not None:
            names.update(ad_id=ad.id, ad_name=ad.name)
        return names


def first_day_of(market: Market, account: Account) -> date:
    """The account's first day with objects (the start of ``maximum``)."""
    days: Iterable[date] = (
        c.created_time.date() for c in market.campaigns.values() if c.account_id == account.id
    )
    return min(days, default=market.today)
