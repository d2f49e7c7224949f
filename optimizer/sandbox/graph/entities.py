"""Entity endpoints: node reads, edge lists with filters, updates and creation, over the market's objects.

Updates and creations pass the form's strings straight to the market, which validates them and names the
offending field; budget changes are counted against Meta's limit of 4 per object per rolling hour.
``revision`` counts changes, so cached insights answers that filter on statuses can tell they are stale.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from optimizer.sandbox.graph.paging import paginate
from optimizer.sandbox.graph.params import (
    filtering_rules,
    parse_bool,
    parse_fields,
    parse_list,
    rule_matches,
)
from optimizer.sandbox.graph.render import Renderer, account_digits
from optimizer.sandbox.graph.throttling import UsageTracker
from optimizer.sandbox.graph.wire import (
    GraphRequest,
    GraphResponse,
    invalid_parameter,
    unknown_object,
    unsupported,
)
from optimizer.sandbox.market import Account, Ad, AdSet, Campaign, Creative, Market
from optimizer.sandbox.market.validation import minimum_daily_budget

#: Parameters that steer the transport, never object fields.
TRANSPORT_PARAMS = frozenset(
    {"access_token", "appsecret_proof", "fields", "format", "method", "pretty", "suppress_http_code",
     "locale", "include_headers", "debug", "summary", "limit", "after", "before"}
)  # fmt: skip
EDGE_KINDS = {"campaigns": Campaign, "adsets": AdSet, "ads": Ad, "adcreatives": Creative}


class Entities:
    """Reads and writes of accounts, campaigns, ad sets, ads and creatives."""

    def __init__(self, market: Market, usage: UsageTracker) -> None:
        self.market = market
        self.usage = usage
        self.renderer = Renderer(market)
        self.revision = 0

    def node(self, request: GraphRequest, obj: Any) -> GraphResponse:
        """``GET /<id>/`` with ``fields``."""
        return GraphResponse(200, self.renderer.node(obj, parse_fields(request.first("fields"))))

    def lookup(self, node_id: str) -> Any:
        """The account, campaign, ad set, ad or creative with ``node_id``; error 100/33 if none."""
        if node_id.startswith("act_"):
            account = self.account(node_id)
            if account is None:
                raise unknown_object(node_id)
            return account
        for table in (
            self.market.campaigns,
            self.market.adsets,
            self.market.ads,
            self.market.creatives,
        ):
            obj = table.get(node_id)
            if obj is not None:
                return obj
        raise unknown_object(node_id)

    def account(self, account_id: str) -> Account | None:
        """The ad account for ``act_123`` or ``123``."""
        digits = account_digits(account_id)
        return self.market.accounts.get(f"act_{digits}") or self.market.accounts.get(digits)

    def account_of(self, obj: Any) -> Account:
        """The ad account an object belongs to."""
        if isinstance(obj, Account):
            return obj
        account = self.account(obj.account_id)
        if account is None:
            raise unknown_object(obj.account_id)
        return account

    # -- entities -------------------------------------------------------------------------------------------

    def children(self, obj: Any, edge: str) -> list[Any] | None:
        """The objects on ``obj``'s ``edge`` (newest first, as Graph lists them); None if no such edge."""
        kind = EDGE_KINDS.get(edge)
        if kind is None:
            return None
        tables: dict[type, dict[str, Any]] = {
            Campaign: self.market.campaigns, AdSet: self.market.adsets, Ad: self.market.ads,
            Creative: self.market.creatives,
        }  # fmt: skip
        table = tables[kind]
        if isinstance(obj, Account):
            key, wanted = (
                "account_id",
                {obj.id, account_digits(obj.id), f"act_{account_digits(obj.id)}"},
            )
        elif isinstance(obj, Campaign) and kind in (AdSet, Ad):
            key, wanted = "campaign_id", {obj.id}
        elif isinstance(obj, AdSet) and kind is Ad:
            key, wanted = "adset_id", {obj.id}
        else:
            return None
        children = [o for o in table.values() if getattr(o, key) in wanted]
        children.sort(
            key=lambda o: (getattr(o, "created_time", None) or 0, _id_key(o.id)), reverse=True
        )
        return children

    def filtered(self, request: GraphRequest, objs: list[Any]) -> list[Any]:
        """``objs`` passing ``effective_status`` and ``filtering``; unset, Graph leaves out deleted and
        archived objects (they stay readable by id)."""
        statuses = parse_list(request.first("effective_status"), "effective_status")
        rules = filtering_rules(request.first("filtering"))
        out = []
        for obj in objs:
            if isinstance(obj, Creative):
                effective = None
            else:
                effective = self.market.effective_status(obj.id)
            if statuses is not None and effective is not None and effective not in statuses:
                continue
            if statuses is None and effective in ("DELETED", "ARCHIVED"):
                continue
            if all(
                rule_matches(self._attribute(obj, name), op, value) for name, op, value in rules
            ):
                out.append(obj)
        return out

    def _attribute(self, obj: Any, name: str) -> Any:
        prefix, _, attribute = name.rpartition(".")
        target = obj
        if prefix:
            ref = {"campaign": "campaign_id", "adset": "adset_id", "ad": "ad_id"}.get(prefix)
            own = {"campaign": Campaign, "adset": AdSet, "ad": Ad}.get(prefix)
            if own is not None and isinstance(obj, own):
                target = obj
            elif ref is not None and hasattr(obj, ref):
                target = self.lookup(getattr(obj, ref))
            else:
                raise invalid_parameter(f"Filtering field {name!r} is invalid for this edge")
        if attribute == "effective_status":
            return self.market.effective_status(target.id)
        if attribute == "configured_status":
            attribute = "status"
        if not hasattr(target, attribute):
            raise invalid_parameter(f"Filtering field {name!r} is invalid")
        return getattr(target, attribute)

    def listing(self, request: GraphRequest, objs: list[Any]) -> GraphResponse:
        """One page of ``objs`` with the requested fields, and ``summary.total_count`` if asked."""
        selection = parse_fields(request.first("fields"))
        page = paginate(request, objs)
        body: dict[str, Any] = {
            "data": [self.renderer.node(o, selection) for o in page.items],
            "paging": page.paging,
        }
        if parse_bool(request.first("summary")):
            body["summary"] = {"total_count": len(objs)}
        return GraphResponse(200, body)

    def minimum_budgets(self, request: GraphRequest, account: Account) -> GraphResponse:
        """``GET act_<id>/minimum_budgets``: the smallest daily budget the market accepts, in minor units."""
        floor = minimum_daily_budget(account.currency)
        row = {
            "currency": account.currency,
            "min_daily_budget_imp": floor,
            "min_daily_budget_high_freq": floor,
            "min_daily_budget_low_freq": floor,
            "min_daily_budget_video_views": floor,
        }
        page = paginate(request, [row])
        return GraphResponse(200, {"data": page.items, "paging": page.paging})

    def _changes(self, request: GraphRequest) -> dict[str, str]:
        return {k: v for k, v in request.params().items() if k not in TRANSPORT_PARAMS}

    def update(
        self, request: GraphRequest, obj: Any, changes: dict[str, str] | None = None
    ) -> GraphResponse:
        """``POST /<id>/``: apply the form's fields (budget changes count toward 4 per hour)."""
        if isinstance(obj, Account):
            raise unsupported(request.method, request.path)
        changes = self._changes(request) if changes is None else changes
        budget = isinstance(obj, Campaign | AdSet) and bool(
            {"daily_budget", "lifetime_budget"} & changes.keys()
        )
        account = f"act_{account_digits(obj.account_id)}"
        if budget:
            self.usage.check_budget_change(account, obj.id)
        if changes:
            self.market.update(obj.id, changes)
            self.revision += 1
        if budget:
            self.usage.note_budget_change(obj.id)
        return GraphResponse(200, {"success": True})

    def create(self, request: GraphRequest, account: Account, edge: str) -> GraphResponse:
        """``POST act_<id>/<edge>``: create a campaign, ad set, ad or creative; answers its id."""
        fields = self._changes(request)
        creators: dict[str, Callable[[str, dict[str, str]], Any]] = {
            "campaigns": self.market.create_campaign,
            "adsets": self.market.create_adset,
            "ads": self.market.create_ad,
            "adcreatives": self.market.create_creative,
        }
        created = creators[edge](account.id, fields)
        self.revision += 1
        return GraphResponse(200, {"id": created.id})


def _id_key(object_id: str) -> tuple[int, str]:
    return (len(object_id), object_id)
