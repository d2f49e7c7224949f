"""One sync run: pull an ad account's entities and daily insights through the client into the store.

All or nothing: every row of the run is written inside one database transaction, committed only when the
whole pull has succeeded, so a throttle that outlasts the wait budget, a failed report run or a malformed row
leaves the store exactly as it was (the failure itself is recorded in the sync-run log). Insight pages are
upserted as they arrive, so memory stays bounded on large accounts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from optimizer.errors import AdpilotError, SyncError
from optimizer.meta.client import (
    AD_FIELDS,
    ADSET_FIELDS,
    CAMPAIGN_FIELDS,
    CREATIVE_FIELDS,
    MetaClient,
)
from optimizer.meta.reports import DateRange
from optimizer.store import Store
from optimizer.sync.records import (
    PURCHASE_ALIASES,
    account_record,
    ad_record,
    adset_record,
    campaign_record,
    choose_purchase_action,
    creative_record,
    insight_record,
)
from optimizer.sync.window import account_today, sync_window

log = logging.getLogger(__name__)

#: Rows upserted per statement group while streaming insight pages.
WRITE_CHUNK = 5000

Progress = Callable[[str, int], None]  # (stage, rows so far)


@dataclass
class SyncReport:
    """What one run pulled and what it cost."""

    account_id: str
    since: date
    until: date
    purchase_action: str
    entities: dict[str, int] = field(default_factory=dict)
    insight_rows: dict[str, int] = field(default_factory=dict)
    http_calls: int = 0
    pages: int = 0
    report_runs: int = 0
    retries: int = 0
    throttle_waits: int = 0
    waited_seconds: float = 0.0
    run_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["since"], data["until"] = self.since.isoformat(), self.until.isoformat()
        return data


def _resolve_action(
    rows: Iterator[Mapping[str, Any]], configured: str | None
) -> tuple[str, list[Mapping[str, Any]]]:
    """Read ahead until a purchase alias shows up (or the rows end) to fix the canonical action."""
    if configured:
        return configured, []
    buffered: list[Mapping[str, Any]] = []
    for row in rows:
        buffered.append(row)
        actions = row.get("actions") or ()
        if any(
            isinstance(a, Mapping) and a.get("action_type") in PURCHASE_ALIASES for a in actions
        ):
            break
    return choose_purchase_action(buffered), buffered


def _chunked(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def sync_account(
    client: MetaClient,
    store: Store,
    account_id: str,
    *,
    since: date | None = None,
    until: date | None = None,
    today: date | None = None,
    lookback_days: int = 28,
    levels: Sequence[str] = ("adset", "ad"),
    insights_mode: str = "auto",
    purchase_action: str | None = None,
    progress: Progress | None = None,
) -> SyncReport:
    """Pull ``account_id`` into ``store``; raise :class:`SyncError` (store untouched) if it cannot finish."""
    calls_before = client.http_calls
    account = account_record(client.account(account_id))
    known = store.account(account.id)
    configured = purchase_action or (known.purchase_action_type if known else None)
    today = today or account_today(account.timezone_name)
    window = sync_window(
        today,
        since=since,
        until=until,
        last_synced=store.last_synced_until(account.id),
        lookback_days=lookback_days,
    )
    run_id = store.start_sync_run(account.id, window.since, window.until)
    report = SyncReport(account.id, window.since, window.until, configured or "")
    report.run_id = run_id
    try:
        with store.transaction() as session:
            _pull(
                client,
                store,
                session,
                account,
                window,
                configured,
                levels,
                insights_mode,
                report,
                progress,
                today,
            )
    except AdpilotError as exc:
        _account_costs(client, report, calls_before)
        store.finish_sync_run(run_id, ok=False, api_calls=report.http_calls, rows=0, error=str(exc))
        raise SyncError(
            f"sync of {account.id} {window.since}..{window.until} failed, nothing written: {exc}"
        ) from exc
    except BaseException as exc:
        store.finish_sync_run(
            run_id, ok=False, api_calls=client.http_calls - calls_before, rows=0, error=repr(exc)
        )
        raise
    _account_costs(client, report, calls_before)
    rows = sum(report.insight_rows.values()) + sum(report.entities.values())
    store.finish_sync_run(run_id, ok=True, api_calls=report.http_calls, rows=rows, error=None)
    return report


def _account_costs(client: MetaClient, report: SyncReport, calls_before: int) -> None:
    report.http_calls = client.http_calls - calls_before
    report.pages = client.stats.pages
    report.report_runs = client.stats.report_runs
    report.retries = client.retry.retries
    report.throttle_waits = client.retry.throttles
    report.waited_seconds = client.retry.waited


def _pull(
    client: MetaClient,
    store: Store,
    session: Any,
    account: Any,
    window: DateRange,
    configured: str | None,
    levels: Sequence[str],
    insights_mode: str,
    report: SyncReport,
    progress: Progress | None,
    today: date,
) -> None:
    aid = account.id
    tell = progress or (lambda stage, n: None)
    entity_edges: list[
        tuple[str, Sequence[str], Callable[[Mapping[str, Any], str], Any], Callable[..., int]]
    ] = [
        ("campaigns", CAMPAIGN_FIELDS, campaign_record, store.upsert_campaigns),
        ("adsets", ADSET_FIELDS, adset_record, store.upsert_adsets),
        ("adcreatives", CREATIVE_FIELDS, creative_record, store.upsert_creatives),
        ("ads", AD_FIELDS, ad_record, store.upsert_ads),
    ]
    pulled: dict[str, list[dict[str, Any]]] = {}
    for edge, fields, convert, _ in entity_edges:
        pulled[edge] = [asdict(convert(row, aid)) for row in client.edge(aid, edge, fields)]
        tell(edge, len(pulled[edge]))
    action = configured
    insight_streams: list[tuple[str, Iterator[Mapping[str, Any]]]] = []
    for level in levels:
        rows: Iterator[Mapping[str, Any]] = iter(
            client.insights(aid, level=level, window=window, mode=insights_mode)
        )
        if action is None:
            action, ahead = _resolve_action(rows, None)
            rows = _chain(ahead, rows)
        insight_streams.append((level, rows))
    action = action or PURCHASE_ALIASES[0]
    report.purchase_action = action
    store.upsert_accounts(session, [{**asdict(account), "purchase_action_type": action}])
    for edge, _, _, upsert in entity_edges:
        report.entities[edge] = upsert(session, pulled[edge])
    store.observe_budgets(session, aid, today, pulled["campaigns"], pulled["adsets"])
    for level, stream in insight_streams:
        written = 0
        records = (
            asdict(
                insight_record(row, level=level, currency=account.currency, purchase_action=action)
            )
            for row in stream
        )
        for chunk in _chunked(records, WRITE_CHUNK):
            written += store.upsert_insights(session, chunk)
            tell(f"{level} insights", written)
        report.insight_rows[level] = written


def _chain(
    first: list[Mapping[str, Any]], rest: Iterator[Mapping[str, Any]]
) -> Iterator[Mapping[str, Any]]:
    yield from first
    yield from rest
