"""The sandbox's core: ``GraphApp.handle(GraphRequest) -> GraphResponse``, transport-free.

One call goes: control endpoints (``/_sandbox/...``, outside the Graph namespace) -> version check ->
access token (and ``appsecret_proof`` when an app secret is configured) -> injected faults -> rate limits ->
routing to nodes, edges, insights, report runs or a batch. Every error leaves as Meta's JSON error shape and
every response carries the usage headers. One lock serialises calls: the market is a single-threaded model.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from optimizer.sandbox.graph import batch as batching
from optimizer.sandbox.graph.faults import FaultInjector, FaultSpec
from optimizer.sandbox.graph.insights import (
    InsightsEngine,
    InsightsQuery,
    first_day_of,
    parse_query,
)
from optimizer.sandbox.graph.paging import paginate
from optimizer.sandbox.graph.params import (
    filtering_rules,
    parse_bool,
    parse_fields,
    parse_int,
    parse_list,
    rule_matches,
)
from optimizer.sandbox.graph.render import Renderer, account_digits
from optimizer.sandbox.graph.reports import ReportRun, ReportRuns
from optimizer.sandbox.graph.throttling import (
    ADS_INSIGHTS,
    ADS_MANAGEMENT,
    Clock,
    Quotas,
    SystemClock,
    UsageTracker,
)
from optimizer.sandbox.graph.wire import (
    GraphError,
    GraphRequest,
    GraphResponse,
    invalid_parameter,
    unknown_object,
    unsupported,
)
from optimizer.sandbox.market import Account, Ad, AdSet, Campaign, Creative, Market
from optimizer.sandbox.market.errors import MarketError, UnknownObjectError
from optimizer.sandbox.market.validation import minimum_daily_budget

log = logging.getLogger(__name__)

API_VERSION = "v26.0"
_VERSION = re.compile(r"^v(\d+)\.(\d+)$")
#: Parameters that steer the transport, never object fields.
TRANSPORT_PARAMS = frozenset(
    {"access_token", "appsecret_proof", "fields", "format", "method", "pretty", "suppress_http_code",
     "locale", "include_headers", "debug", "summary", "limit", "after", "before"}
)  # fmt: skip
#: Async fault families in precedence order, with the report-run plan each selects.
_ASYNC_FAULTS = (
    ("async_fail", "fail"),
    ("async_skip", "skip"),
    ("async_stuck", "stuck"),
    ("async_slow", "slow"),
)
EDGE_KINDS = {"campaigns": Campaign, "adsets": AdSet, "ads": Ad, "adcreatives": Creative}


@dataclass
class SandboxConfig:
    """How the sandbox behaves toward clients (the market has its own config)."""

    token: str | None = None
    app_secret: str | None = None
    faults: FaultSpec = field(default_factory=FaultSpec)
    quotas: Quotas = field(default_factory=Quotas)
    #: Sync insights queries producing more rows than this are refused (use an async report run).
    max_sync_rows: int = 50_000
    #: Which refusal: 1 = 500 code 1 "Please reduce the amount of data", 100 = 100/1487534.
    oversize_code: int = 1
    #: Versions older than this answer 2635 (deprecated version).
    min_version: tuple[int, int] = (19, 0)
    user_id: str = "100000000000042"
    user_name: str = "Sandbox User"


class GraphApp:
    """The Graph API wire format over one :class:`Market`."""

    def __init__(
        self, market: Market, config: SandboxConfig | None = None, clock: Clock | None = None
    ) -> None:
        self.market = market
        self.config = config or SandboxConfig()
        self.clock = clock or SystemClock()
        self.usage = UsageTracker(self.config.quotas, self.clock)
        self.faults = FaultInjector(self.config.faults)
        self.reports = ReportRuns()
        self.renderer = Renderer(market)
        self.engine = InsightsEngine(market)
        self.requests_served = 0
        self._lock = threading.RLock()
        self._revision = 0
        self._rows_cache: OrderedDict[tuple[Any, ...], list[dict[str, Any]]] = OrderedDict()

    # -- entry ----------------------------------------------------------------------------------------------

    def handle(self, request: GraphRequest) -> GraphResponse:
        """Answer one call; never raises for anything a client sent."""
        with self._lock:
            self.requests_served += 1
            if request.path.startswith("/_sandbox/"):
                return self._guard(lambda: self._control(request), None, False)
            return self._serve(request, top=True)

    def handle_wire(
        self, method: str, target: str, body: bytes, headers: dict[str, str], base_url: str
    ) -> GraphResponse:
        """Answer raw HTTP pieces (request target, body bytes, headers), as both skins receive them."""
        try:
            request = GraphRequest.from_wire(method, target, body, headers, base_url)
        except GraphError as error:
            return error.response()
        return self.handle(request)

    def _serve(self, request: GraphRequest, *, top: bool) -> GraphResponse:
        version, segments = self._split(request.path)
        account, insights = self._usage_target(segments)
        response = self._guard(
            lambda: self._call(request, version, segments, account, insights, top),
            account,
            insights,
        )
        response.headers.setdefault("facebook-api-version", version)
        return response

    def _guard(self, call: Any, account: str | None, insights: bool) -> GraphResponse:
        """Run ``call``, turning every failure into Meta's error shape, and add the usage headers."""
        try:
            response: GraphResponse = call()
        except GraphError as error:
            response = error.response()
        except UnknownObjectError as error:
            response = unknown_object(error.object_id).response()
        except MarketError as error:
            response = GraphError(
                100,
                f"(#100) {error}",
                type_="OAuthException",
                user_title="Invalid Parameter",
                user_msg=str(error),
                extra={"error_data": {"blame_field_specs": [[error.field]]}},
            ).response()
        except Exception:  # a sandbox bug must still answer in Graph's shape, and be logged
            log.exception("sandbox failed on a request")
            response = GraphError(
                1, "An unknown error occurred", status=500, subcode=99, transient=False
            ).response()
        for name, value in self.usage.headers(account, insights).items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Type", "application/json; charset=UTF-8")
        response.headers.setdefault("x-fb-trace-id", secrets.token_urlsafe(8))
        return response

    def _call(
        self,
        request: GraphRequest,
        version: str,
        segments: list[str],
        account: str | None,
        insights: bool,
        top: bool,
    ) -> GraphResponse:
        self._check_version(version)
        self._authenticate(request)
        if top:
            injected = self._inject(account, insights)
            if injected is not None:
                return injected
        if not segments:
            if request.method != "POST" or not top:
                raise unsupported(request.method, request.path)
            return batching.run_batch(
                request,
                version,
                lambda item: self._serve(item, top=False),
                lambda: self.faults.fires("batch_null"),
            )
        write = request.method in ("POST", "DELETE")
        self.usage.record(account, ADS_INSIGHTS if insights else ADS_MANAGEMENT, write=write)
        return self._route(request, segments)

    # -- plumbing -------------------------------------------------------------------------------------------

    @staticmethod
    def _split(path: str) -> tuple[str, list[str]]:
        segments = [s for s in path.split("/") if s]
        if segments and segments[0].startswith("v") and "." in segments[0]:
            return segments[0], segments[1:]
        return API_VERSION, segments

    def _check_version(self, version: str) -> None:
        match = _VERSION.match(version)
        if match is None:
            raise unsupported("GET", f"/{version}")
        if (int(match.group(1)), int(match.group(2))) < self.config.min_version:
            raise GraphError(
                2635,
                f"(#2635) You are calling a deprecated version of the Ads API. Please update to the latest "
                f"version: {API_VERSION}.",
            )

    def _authenticate(self, request: GraphRequest) -> None:
        token = request.first("access_token")
        if not token or (
            self.config.token is not None and not hmac.compare_digest(token, self.config.token)
        ):
            raise GraphError(
                190,
                "Invalid OAuth access token - Cannot parse access token",
                type_="OAuthException",
            )
        if self.config.app_secret:
            proof = request.first("appsecret_proof")
            if not proof:
                raise GraphError(
                    100,
                    "API calls from the server require an appsecret_proof argument",
                    type_="GraphMethodException",
                )
            expected = hmac.new(
                self.config.app_secret.encode(), token.encode(), hashlib.sha256
            ).hexdigest()
            if not hmac.compare_digest(proof, expected):
                raise GraphError(
                    100,
                    "Invalid appsecret_proof provided in the API argument",
                    type_="GraphMethodException",
                )

    def _inject(self, account: str | None, insights: bool) -> GraphResponse | None:
        """Request-level faults from the spec: dropped connection, 5xx, transient error, throttling."""
        if self.faults.fires("drop"):
            return GraphResponse(0, None, drop=True)
        if self.faults.fires("server_error"):
            status = self.faults.choice("server_error", [500, 502, 503])
            raise GraphError(2, "Service temporarily unavailable", status=status, transient=True)
        if self.faults.fires("transient"):
            code = self.faults.choice("transient", [1, 2])
            if code == 1:
                raise GraphError(
                    1, "An unknown error occurred", status=500, subcode=99, transient=True
                )
            raise GraphError(
                2,
                "An unexpected error has occurred. Please retry your request later.",
                status=500,
                transient=True,
            )
        if self.faults.fires("throttle"):
            use_case = ADS_INSIGHTS if insights else ADS_MANAGEMENT
            code = self.faults.choice("throttle", [80000 if insights else 80004, 17, 613, 4])
            raise self.usage.throttled(
                account, use_case, code, self.faults.choice("throttle", [60.0, 180.0, 300.0])
            )
        return None

    def _usage_target(self, segments: list[str]) -> tuple[str | None, bool]:
        """The ad account a call counts against and whether it is an insights call (best effort)."""
        if not segments:
            return None, False
        head = segments[0]
        insights = len(segments) > 1 and segments[1] == "insights"
        run = self.reports.get(head)
        if run is not None:
            return f"act_{account_digits(run.account_id)}", True
        if head.startswith("act_"):
            return head, insights
        for table in (
            self.market.campaigns,
            self.market.adsets,
            self.market.ads,
            self.market.creatives,
        ):
            obj = table.get(head)
            if obj is not None:
                return f"act_{account_digits(obj.account_id)}", insights
        return None, insights

    # -- control --------------------------------------------------------------------------------------------

    def _control(self, request: GraphRequest) -> GraphResponse:
        action = request.path.removeprefix("/_sandbox/").strip("/")
        if action == "advance" and request.method == "POST":
            days = parse_int(request.first("days") or "1", "days", low=0, high=3660) or 0
            self.market.advance(days)
            self._rows_cache.clear()
            return GraphResponse(200, {"today": self.market.today.isoformat(), "advanced": days})
        if action == "status" and request.method == "GET":
            return GraphResponse(
                200,
                {
                    "today": self.market.today.isoformat(),
                    "accounts": [f"act_{account_digits(a)}" for a in self.market.accounts],
                    "faults": self.config.faults.describe(),
                    "faults_fired": dict(self.faults.fired),
                    "requests_served": self.requests_served,
                },
            )
        raise unsupported(request.method, request.path)

    # -- routing --------------------------------------------------------------------------------------------

    def _route(self, request: GraphRequest, segments: list[str]) -> GraphResponse:
        method = request.method
        if segments[0] == "me":
            if len(segments) == 1 and method == "GET":
                me = {"id": self.config.user_id, "name": self.config.user_name}
                selection = parse_fields(request.first("fields"))
                names = [s.name for s in selection] if selection else ["id", "name"]
                return GraphResponse(200, {k: me[k] for k in names if k in me} | {"id": me["id"]})
            if segments[1:] == ["adaccounts"] and method == "GET":
                return self._list(request, list(self.market.accounts.values()))
            raise unsupported(method, request.path)
        if len(segments) > 2:
            raise unsupported(method, request.path)
        node_id = segments[0]
        run = self.reports.get(node_id)
        if run is not None:
            return self._report_run(request, run, segments[1:])
        obj = self._lookup(node_id)
        if len(segments) == 1:
            if method == "GET":
                return GraphResponse(
                    200, self.renderer.node(obj, parse_fields(request.first("fields")))
                )
            if method == "POST":
                return self._update(request, obj)
            if method == "DELETE":
                return self._update(request, obj, {"status": "DELETED"})
            raise unsupported(method, request.path)
        edge = segments[1]
        if edge == "insights":
            if method == "GET":
                return self._insights(request, obj)
            if method == "POST":
                return self._async_insights(request, obj)
        elif method == "GET" and edge == "minimum_budgets" and isinstance(obj, Account):
            return self._minimum_budgets(request, obj)
        elif method == "GET":
            children = self._children(obj, edge)
            if children is not None:
                return self._list(request, self._filtered(request, children))
        elif method == "POST" and isinstance(obj, Account) and edge in EDGE_KINDS:
            return self._create(request, obj, edge)
        raise unsupported(method, request.path)

    def _lookup(self, node_id: str) -> Any:
        if node_id.startswith("act_"):
            account = self._account(node_id)
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

    def _account(self, account_id: str) -> Account | None:
        digits = account_digits(account_id)
        return self.market.accounts.get(f"act_{digits}") or self.market.accounts.get(digits)

    def _account_of(self, obj: Any) -> Account:
        if isinstance(obj, Account):
            return obj
        account = self._account(obj.account_id)
        if account is None:
            raise unknown_object(obj.account_id)
        return account

    # -- entities -------------------------------------------------------------------------------------------

    def _children(self, obj: Any, edge: str) -> list[Any] | None:
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

    def _filtered(self, request: GraphRequest, objs: list[Any]) -> list[Any]:
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
            if statuses is None and effective == "DELETED":
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
                target = self._lookup(getattr(obj, ref))
            else:
                raise invalid_parameter(f"Filtering field {name!r} is invalid for this edge")
        if attribute == "effective_status":
            return self.market.effective_status(target.id)
        if attribute == "configured_status":
            attribute = "status"
        if not hasattr(target, attribute):
            raise invalid_parameter(f"Filtering field {name!r} is invalid")
        return getattr(target, attribute)

    def _list(self, request: GraphRequest, objs: list[Any]) -> GraphResponse:
        selection = parse_fields(request.first("fields"))
        page = paginate(request, objs)
        body: dict[str, Any] = {
            "data": [self.renderer.node(o, selection) for o in page.items],
            "paging": page.paging,
        }
        if parse_bool(request.first("summary")):
            body["summary"] = {"total_count": len(objs)}
        return GraphResponse(200, body)

    def _minimum_budgets(self, request: GraphRequest, account: Account) -> GraphResponse:
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

    def _update(
        self, request: GraphRequest, obj: Any, changes: dict[str, str] | None = None
    ) -> GraphResponse:
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
            self._revision += 1
        if budget:
            self.usage.note_budget_change(obj.id)
        return GraphResponse(200, {"success": True})

    def _create(self, request: GraphRequest, account: Account, edge: str) -> GraphResponse:
        fields = self._changes(request)
        creators: dict[str, Callable[[str, dict[str, str]], Any]] = {
            "campaigns": self.market.create_campaign,
            "adsets": self.market.create_adset,
            "ads": self.market.create_ad,
            "adcreatives": self.market.create_creative,
        }
        created = creators[edge](account.id, fields)
        self._revision += 1
        return GraphResponse(200, {"id": created.id})

    # -- insights -------------------------------------------------------------------------------------------

    def _query(
        self, request: GraphRequest, obj: Any
    ) -> tuple[Account, tuple[str, str] | None, InsightsQuery]:
        if isinstance(obj, Creative):
            raise unsupported(request.method, request.path)
        account = self._account_of(obj)
        kind = {Account: "account", Campaign: "campaign", AdSet: "adset", Ad: "ad"}[type(obj)]
        scope = None if kind == "account" else (kind, obj.id)
        params = {
            k: v
            for k, v in request.params().items()
            if k not in ("access_token", "appsecret_proof")
        }
        query = parse_query(
            params,
            node_level=kind,
            today=self.market.today,
            first_day=first_day_of(self.market, account),
        )
        return account, scope, query

    def _rows(
        self, account: Account, scope: tuple[str, str] | None, query: InsightsQuery
    ) -> list[dict[str, Any]]:
        """Rows of a query, cached per market day so paging through a result does not recompute it."""
        key = (
            account.id, scope, self.market.today, self._revision,
            tuple(sorted((k, v) for k, v in query.raw.items() if k not in ("after", "before", "limit"))),
        )  # fmt: skip
        rows = self._rows_cache.get(key)
        if rows is None:
            rows = self.engine.rows(account, scope, query)
            self._rows_cache[key] = rows
            while len(self._rows_cache) > 16:
                self._rows_cache.popitem(last=False)
        else:
            self._rows_cache.move_to_end(key)
        return rows

    def _insights(self, request: GraphRequest, obj: Any) -> GraphResponse:
        account, scope, query = self._query(request, obj)
        rows = self._rows(account, scope, query)
        if len(rows) > self.config.max_sync_rows:
            if self.config.oversize_code == 100:
                raise invalid_parameter(
                    "Too much data per call: reduce the date range or the number of objects, or use an async "
                    "report run",
                    subcode=1487534,
                )
            raise GraphError(
                1,
                "Please reduce the amount of data you're asking for, then retry your request",
                status=500,
                subcode=99,
                transient=False,
            )
        page = paginate(request, rows)
        return GraphResponse(200, {"data": page.items, "paging": page.paging})

    def _async_insights(self, request: GraphRequest, obj: Any) -> GraphResponse:
        account, scope, query = self._query(request, obj)
        rows = self.engine.rows(account, scope, query)
        # Every family counts every run, so "every N" means every Nth run for each family independently.
        fired = [plan for name, plan in _ASYNC_FAULTS if self.faults.fires(name)]
        plan = fired[0] if fired else "normal"
        run = self.reports.create(account.id, query, rows, plan, int(self.clock.now()))
        return GraphResponse(200, {"report_run_id": run.id})

    def _report_run(self, request: GraphRequest, run: ReportRun, rest: list[str]) -> GraphResponse:
        if not rest and request.method == "GET":
            run.poll(int(self.clock.now()))
            return GraphResponse(200, run.render(parse_fields(request.first("fields"))))
        if rest == ["insights"] and request.method == "GET":
            page = paginate(request, run.results())
            return GraphResponse(200, {"data": page.items, "paging": page.paging})
        raise unsupported(request.method, request.path)


def _id_key(object_id: str) -> tuple[int, str]:
    return (len(object_id), object_id)
