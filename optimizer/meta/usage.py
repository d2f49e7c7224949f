"""Rate-limit usage headers: how close an ad account (and the app) is to being throttled.

The SDK parses none of these headers. Meta sends, as JSON strings:
``X-Business-Use-Case-Usage`` ({business_id: [{type, call_count, total_cputime, total_time,
estimated_time_to_regain_access (minutes)}]}), ``X-Ad-Account-Usage`` ({acc_id_util_pct,
reset_time_duration (seconds)}), ``X-App-Usage`` ({call_count, total_time, total_cputime}) and, on
insights, ``X-FB-Ads-Insights-Throttle`` ({app_id_util_pct, acc_id_util_pct}). Percentages are of quota;
throttling starts at 100. Following Airbyte's connector, utilisation is the maximum over all of them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

USAGE_HEADERS = (
    "x-business-use-case-usage",
    "x-ad-account-usage",
    "x-app-usage",
    "x-fb-ads-insights-throttle",
)


@dataclass(frozen=True)
class Usage:
    """The worst utilisation (percent of quota) and the longest announced wait (seconds) in one response."""

    utilisation: float = 0.0
    regain_seconds: float = 0.0

    def worse(self, other: Usage) -> Usage:
        return Usage(
            max(self.utilisation, other.utilisation), max(self.regain_seconds, other.regain_seconds)
        )


def _load(value: object) -> Any:
    if isinstance(value, dict | list):
        return value
    try:
        return json.loads(str(value))
    except (TypeError, ValueError):
        return None


def _number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def _header_items(headers: object) -> dict[str, object]:
    """Headers as a lower-cased dict: a requests mapping, or a batch item's [{name, value}] list."""
    if isinstance(headers, Mapping):
        return {str(k).lower(): v for k, v in headers.items()}
    items: dict[str, object] = {}
    if isinstance(headers, list):
        for entry in headers:
            if isinstance(entry, Mapping) and "name" in entry:
                items[str(entry["name"]).lower()] = entry.get("value")
    return items


def parse_usage(headers: object) -> Usage:
    """Read every usage header present; unknown shapes count as zero rather than failing a sync."""
    found = _header_items(headers)
    usage = Usage()
    buc = _load(found.get("x-business-use-case-usage"))
    if isinstance(buc, dict):
        for entries in buc.values():
            for entry in entries if isinstance(entries, list) else []:
                if not isinstance(entry, dict):
                    continue
                pct = max(
                    _number(entry.get(k)) for k in ("call_count", "total_cputime", "total_time")
                )
                wait = _number(entry.get("estimated_time_to_regain_access")) * 60.0
                usage = usage.worse(Usage(pct, wait))
    account = _load(found.get("x-ad-account-usage"))
    if isinstance(account, dict):
        pct = _number(account.get("acc_id_util_pct"))
        wait = _number(account.get("reset_time_duration")) if pct >= 100 else 0.0
        usage = usage.worse(Usage(pct, wait))
    app = _load(found.get("x-app-usage"))
    if isinstance(app, dict):
        pct = max(_number(app.get(k)) for k in ("call_count", "total_cputime", "total_time"))
        usage = usage.worse(Usage(pct, 0.0))
    insights = _load(found.get("x-fb-ads-insights-throttle"))
    if isinstance(insights, dict):
        pct = max(_number(insights.get(k)) for k in ("app_id_util_pct", "acc_id_util_pct"))
        usage = usage.worse(Usage(pct, 0.0))
    return usage
