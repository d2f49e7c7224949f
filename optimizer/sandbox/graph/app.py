"""The sandbox's core: ``GraphApp.handle(GraphRequest) -> GraphResponse``, transport-free.

One call goes: control endpoints (``/_sandbox/...``, outside the Graph namespace) -> version check ->
access token (and ``appsecret_proof`` when an app secret is configured) -> injected faults -> rate limits ->
routing to nodes, edges, insights, report runs or a batch. Every error leaves as Meta's JSON error shape and
every response carries the usage headers. One lock serialises calls: the market is a single-threaded model.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from optimizer.sandbox.graph import batch as batching
from optimizer.sandbox.graph.auth import authenticate, check_version, split_path
from optimizer.sandbox.graph.entities import EDGE_KINDS, Entities
from optimizer.sandbox.graph.faults import FaultInjector, FaultSpec
from optimizer.sandbox.graph.insights import (
    InsightsEngine,
    InsightsQuery,
    InsightsRows,
    first_day_of,
    parse_query,
)
from optimizer.sandbox.graph.paging import paginate
from optimizer.sandbox.graph.params import (
    parse_fields,
    parse_int,
)
from optimizer.sandbox.graph.render import account_digits
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

log = logging.getLogger(__name__)

#: Async fault families in precedence order, with the report-run plan each selects.
_ASYNC_FAULTS = (
    ("async_fail", "fail"),
    ("async_skip", "skip"),
    ("async_stuck", "stuck"),
    ("async_slow", "slow"),
)


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
        self.entities = Entities(market, self.usage)
        self.engine = InsightsEngine(market)
        self.requests_served = 0
        self._lock = threading.RLock()
        self._rows_cache: OrderedDict[tuple[Any, ...], InsightsRows] = OrderedDict()

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
        version, segments = split_path(request.path)
        account, insights = self._usage_target(segments)
        response = self._guard(
            lambda: self._call(request, version, segments, account, insights, top),
            account,
            insights,
        )
        response.headers.setdefault("facebook-api-version", version)
        if top and self.faults.fires("drop_reply"):
            return GraphResponse(0, None, drop=True)
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
        check_version(version, self.config.min_version)
        authenticate(request, self.config.token, self.config.app_secret)
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
            self.clock.advance(days * 86_400.0)  # hourly and daily windows see the days pass
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
                return self.entities.listing(request, list(self.market.accounts.values()))
            raise unsupported(method, request.path)
        if len(segments) > 2:
            raise unsupported(method, request.path)
        node_id = segments[0]
        run = self.reports.get(node_id)
        if run is not None:
            return self._report_run(request, run, segments[1:])
        obj = self.entities.lookup(node_id)
        if len(segments) == 1:
            if method == "GET":
                return self.entities.node(request, obj)
            if method == "POST":
                return self.entities.update(request, obj)
            if method == "DELETE":
                return self.entities.update(request, obj, {"status": "DELETED"})
            raise unsupported(method, request.path)
        edge = segments[1]
        if edge == "insights":
            if method == "GET":
                return self._insights(request, obj)
            if method == "POST":
                return self._async_insights(request, obj)
        elif method == "GET" and edge == "minimum_budgets" and isinstance(obj, Account):
            return self.entities.minimum_budgets(request, obj)
        elif method == "GET":
            children = self.entities.children(obj, edge)
            if children is not None:
                return self.entities.listing(request, self.entities.filtered(request, children))
        elif method == "POST" and isinstance(obj, Account) and edge in EDGE_KINDS:
            return self.entities.create(request, obj, edge)
        raise unsupported(method, request.path)

    # -- insights -------------------------------------------------------------------------------------------

    def _query(
        self, request: GraphRequest, obj: Any
    ) -> tuple[Account, tuple[str, str] | None, InsightsQuery]:
        if isinstance(obj, Creative):
            raise unsupported(request.method, request.path)
        account = self.entities.account_of(obj)
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
    ) -> InsightsRows:
        """Rows of a query, cached per market day so paging through a result does not recompute it."""
        key = (
            account.id, scope, self.market.today, self.entities.revision,
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
