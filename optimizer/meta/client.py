"""The Graph API client adpilot uses: entity edges, insights (sync or async), batched node updates.

Everything goes through the official SDK objects (``AdAccount``, ``AdReportRun``, batches) bound to one
:class:`~optimizer.meta.api.CountingApi`; every HTTP call is wrapped in :func:`call_with_retry`, page by
page, so a throttle in the middle of a paged read resumes at the page it stopped on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from facebook_business.adobjects.adaccount import AdAccount
from facebook_business.adobjects.adreportrun import AdReportRun
from facebook_business.adobjects.user import User
from facebook_business.api import Cursor, FacebookResponse

from optimizer.errors import MetaApiError
from optimizer.meta.api import CountingApi
from optimizer.meta.reports import COMPLETED, FAILED, DateRange, ReportFailed
from optimizer.meta.retry import RetryPolicy, call_with_retry

log = logging.getLogger(__name__)

ACCOUNT_FIELDS = ["id", "account_id", "name", "currency", "timezone_name", "account_status"]
CAMPAIGN_FIELDS = [
    "id", "account_id", "name", "objective", "status", "effective_status", "daily_budget",
    "lifetime_budget", "bid_strategy", "buying_type", "created_time", "updated_time",
]  # fmt: skip
ADSET_FIELDS = [
    "id", "account_id", "campaign_id", "name", "status", "effective_status", "daily_budget",
    "lifetime_budget", "bid_strategy", "bid_amount", "bid_constraints", "optimization_goal",
    "billing_event", "created_time", "updated_time",
]  # fmt: skip
AD_FIELDS = [
    "id", "account_id", "campaign_id", "adset_id", "name", "status", "effective_status",
    "creative", "created_time", "updated_time",
]  # fmt: skip
CREATIVE_FIELDS = [
    "id", "account_id", "name", "call_to_action_type", "title", "body", "object_story_spec",
]  # fmt: skip
INSIGHT_FIELDS = [
    "account_id", "campaign_id", "campaign_name", "adset_id", "adset_name", "ad_id", "ad_name",
    "date_start", "date_stop", "spend", "impressions", "reach", "clicks", "inline_link_clicks",
    "actions", "action_values", "account_currency",
]  # fmt: skip
ALL_STATUSES = ["ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "CAMPAIGN_PAUSED", "ADSET_PAUSED",
                "IN_PROCESS", "WITH_ISSUES", "PENDING_REVIEW", "DISAPPROVED"]  # fmt: skip

Row = dict[str, Any]


@dataclass
class ClientStats:
    """What a client run cost: HTTP calls, result pages, report runs, waiting."""

    pages: int = 0
    report_runs: int = 0
    report_retries: int = 0


@dataclass
class NodeUpdate:
    """One node update (``POST /<id>/``) to send in a batch, e.g. ``{"daily_budget": 6000}``."""

    object_id: str
    params: Mapping[str, Any]


@dataclass
class UpdateResult:
    """The fate of one :class:`NodeUpdate`: applied, or failed with Meta's error."""

    object_id: str
    ok: bool
    response: str
    error_code: int | None = None


@dataclass
class MetaClient:
    """Reads and writes one app's ad accounts through the SDK, with retries and cost accounting."""

    api: CountingApi
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    page_size: int = 500
    poll_interval: float = 5.0
    report_timeout: float = 3600.0
    sync_max_days: int = 7  # longer insight ranges use async report runs
    stats: ClientStats = field(default_factory=ClientStats)

    # -- plumbing -----------------------------------------------------------------------------

    def _pages(self, open_cursor: Callable[[], Cursor], what: str) -> Iterator[Row]:
        """Rows of an SDK ``Cursor``, each page fetched under the retry policy."""
        cursor = call_with_retry(open_cursor, self.retry, what)
        self.stats.pages += 1
        while True:
            while len(cursor):
                yield next(cursor).export_all_data()
            if not call_with_retry(cursor.load_next_page, self.retry, what):
                return
            self.stats.pages += 1

    def _raw_pages(
        self, path: tuple[str, ...], params: Mapping[str, Any], what: str
    ) -> Iterator[Row]:
        """Rows of a paged edge as plain dicts, paging exactly like the SDK's Cursor (v19+).

        Bulk reads skip the SDK's per-field object parsing, which costs more than the HTTP itself on
        large pulls; the SDK still builds, signs and sends every request and raises its errors.
        """
        query = dict(params)
        while True:
            response = call_with_retry(
                lambda: self.api.call("GET", path, params=query), self.retry, what
            )
            self.stats.pages += 1
            body = response.json()
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, list):
                raise MetaApiError(f"{what}: the answer has no data list")
            yield from data
            paging = body.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not (after and paging.get("next")):
                return
            query["after"] = after

    @property
    def http_calls(self) -> int:
        return self.api.http_calls

    # -- reads --------------------------------------------------------------------------------

    def ad_accounts(self) -> list[Row]:
        """The ad accounts the token can see (``/me/adaccounts``)."""
        me = User(fbid="me", api=self.api)
        fields = ["id", "account_id", "name", "currency", "timezone_name"]
        opener = lambda: me.get_ad_accounts(fields=fields, params={"limit": self.page_size})  # noqa: E731
        return list(self._pages(opener, "list ad accounts"))

    def account(self, account_id: str) -> Row:
        """The ad account node: currency, time zone, status."""
        node = AdAccount(account_id, api=self.api)
        result = call_with_retry(
            lambda: node.api_get(fields=ACCOUNT_FIELDS), self.retry, f"read {account_id}"
        )
        data: Row = result.export_all_data()
        return data

    def edge(self, account_id: str, edge: str, fields: Sequence[str]) -> Iterator[Row]:
        """Every object on an account edge (campaigns, adsets, ads, adcreatives), all statuses."""
        params: dict[str, Any] = {"limit": self.page_size, "fields": ",".join(fields)}
        if edge != "adcreatives":
            params["effective_status"] = ALL_STATUSES
        return self._raw_pages((account_id, edge), params, f"read {edge}")

    def insights(
        self,
        account_id: str,
        *,
        level: str,
        window: DateRange,
        fields: Sequence[str] = INSIGHT_FIELDS,
        mode: str = "auto",
    ) -> Iterator[Row]:
        """Daily insights (``time_increment=1``) of every object at ``level`` over ``window``.

        ``mode`` is "sync" (paged GETs), "async" (report runs) or "auto" (async above
        ``sync_max_days`` days).
        """
        use_async = mode == "async" or (mode == "auto" and window.days > self.sync_max_days)
        if not use_async:
            yield from self._sync_insights(account_id, level, window, fields)
            return
        yield from self._async_insights(account_id, level, window, fields, attempt=1)

    def _insight_params(self, level: str, window: DateRange) -> dict[str, Any]:
        return {
            "level": level,
            "time_increment": 1,
            "time_range": window.as_param(),
            "limit": self.page_size,
            "filtering": [
                {
                    "field": f"{level if level != 'account' else 'ad'}.effective_status",
                    "operator": "IN",
                    "value": ALL_STATUSES,
                }  # fmt: skip
            ],
        }

    def _sync_insights(
        self, account_id: str, level: str, window: DateRange, fields: Sequence[str]
    ) -> Iterator[Row]:
        params = {**self._insight_params(level, window), "fields": ",".join(fields)}
        what = f"insights {level} {window.since}..{window.until}"
        yield from self._raw_pages((account_id, "insights"), params, what)

    def _async_insights(
        self, account_id: str, level: str, window: DateRange, fields: Sequence[str], attempt: int
    ) -> Iterator[Row]:
        try:
            job = self._run_report(account_id, level, window, fields)
        except ReportFailed as exc:
            self.stats.report_retries += 1
            if attempt == 1:
                log.warning("%s; starting it again", exc)
                yield from self._async_insights(account_id, level, window, fields, attempt=2)
                return
            if window.days == 1:
                raise
            log.warning("%s again; splitting %d days in halves", exc, window.days)
            for half in window.halves():
                yield from self._async_insights(account_id, level, half, fields, attempt=1)
            return
        what = f"report {job.get_id()} results"
        yield from self._raw_pages((job.get_id(), "insights"), {"limit": self.page_size}, what)

    def _run_report(
        self, account_id: str, level: str, window: DateRange, fields: Sequence[str]
    ) -> AdReportRun:
        account = AdAccount(account_id, api=self.api)
        params = self._insight_params(level, window)
        what = f"report {level} {window.since}..{window.until}"
        job = call_with_retry(
            lambda: account.get_insights(fields=list(fields), params=params, is_async=True),
            self.retry,
            what,
        )
        self.stats.report_runs += 1
        waited, pause = 0.0, 0.25
        while True:
            job = call_with_retry(job.api_get, self.retry, f"poll {what}")
            status = job.get(AdReportRun.Field.async_status)
            if status == COMPLETED:
                return job
            if status in FAILED:
                detail = job.get("error_message") or ""
                raise ReportFailed(f"{what}: {status} {detail}".strip())
            if waited >= self.report_timeout:
                raise ReportFailed(
                    f"{what}: not finished after {waited:.0f}s ({status}, "
                    f"{job.get(AdReportRun.Field.async_percent_completion)}%)"
                )
            self.retry.sleep(
                pause
            )  # short jobs finish in seconds: start fast, back off to the interval
            waited += pause
            pause = min(pause * 2, self.poll_interval)

    # -- writes -------------------------------------------------------------------------------

    def update_nodes(
        self, updates: Sequence[NodeUpdate], *, max_rounds: int = 5
    ) -> list[UpdateResult]:
        """Send node updates in batches of 50; items Meta did not process (``null``) are re-sent."""
        results: dict[int, UpdateResult] = {}
        for start in range(0, len(updates), 50):
            chunk = list(enumerate(updates))[start : start + 50]
            pending = chunk
            for _ in range(max_rounds):
                if not pending:
                    break
                pending = self._send_batch(pending, results)
            for index, update in pending:
                results[index] = UpdateResult(update.object_id, False, "not processed by Meta")
        return [results[i] for i in range(len(updates))]

    def _send_batch(
        self, items: list[tuple[int, NodeUpdate]], results: dict[int, UpdateResult]
    ) -> list[tuple[int, NodeUpdate]]:
        batch = self.api.new_batch()
        for index, update in items:

            def ok(resp: FacebookResponse, index: int = index, oid: str = update.object_id) -> None:
                results[index] = UpdateResult(oid, True, str(resp.body()))

            def fail(
                resp: FacebookResponse, index: int = index, oid: str = update.object_id
            ) -> None:
                err = resp.error()
                results[index] = UpdateResult(
                    oid, False, str(resp.body()), error_code=err.api_error_code()
                )

            batch.add(
                "POST", (update.object_id, ""), params=dict(update.params), success=ok, failure=fail
            )
        call_with_retry(batch.execute, self.retry, f"batch of {len(items)} updates")
        return [(i, u) for i, u in items if i not in results]
