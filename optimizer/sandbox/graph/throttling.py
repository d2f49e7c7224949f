"""Rate limits as the Marketing API applies them, on an injectable clock so tests never sleep.

Four counters run side by side, each a rolling window of call timestamps:
- app level (``X-App-Usage``), over quota -> code 4;
- per ad account, a one-minute burst cap -> 613/1487742;
- per ad account, the legacy score (reads 1 point, writes 3, over 300 s; ``X-Ad-Account-Usage``) -> 17/2446079;
- per ad account and Business Use Case (``X-Business-Use-Case-Usage``): ``ads_insights`` -> 80000,
  ``ads_management`` -> 80004.
Plus Meta's rule of at most 4 budget changes per ad set (or CBO campaign) per rolling hour -> code 17.
Usage figures are percentages of quota; the defaults are Meta's standard tier, so ordinary use stays far
below the 85-90 % at which well-behaved clients start sleeping.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from optimizer.sandbox.graph.wire import GraphError

ADS_MANAGEMENT = "ads_management"
ADS_INSIGHTS = "ads_insights"
HOUR = 3600.0


class Clock(Protocol):
    """Seconds since some origin; only differences matter."""

    def now(self) -> float:
        """The current time in seconds."""
        ...

    def advance(self, seconds: float) -> None:
        """Move time forward (the market simulated days: its rolling windows must see them pass)."""
        ...


class SystemClock:
    """Wall-clock time, plus whatever simulated time the market has been advanced by."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """``time.time()`` plus the simulated time added by :meth:`advance`."""
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Jump forward: a day of market simulated is a day of API time."""
        with self._lock:
            self._offset += seconds


class ManualClock:
    """A clock tests move by hand, so rolling windows can be crossed without sleeping."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        """The time the test has set."""
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        with self._lock:
            self._now += seconds


@dataclass(frozen=True)
class Quotas:
    """Limits per rolling window; the defaults are Meta's standard access tier."""

    app_calls_per_hour: int = 1_000_000
    ads_management_per_hour: int = 100_000
    ads_insights_per_hour: int = 190_000
    account_calls_per_minute: int = 10_000
    account_score_max: int = 9_000
    account_score_window: float = 300.0
    budget_changes_per_hour: int = 4


class _Window:
    """A rolling window of weighted events."""

    def __init__(self, span: float) -> None:
        self.span = span
        self.events: deque[tuple[float, int]] = deque()
        self.total = 0

    def prune(self, now: float) -> None:
        while self.events and self.events[0][0] <= now - self.span:
            self.total -= self.events.popleft()[1]

    def add(self, now: float, weight: int = 1) -> None:
        self.events.append((now, weight))
        self.total += weight

    def seconds_until_below(self, now: float, limit: int, weight: int) -> float:
        """How long until ``weight`` more fits under ``limit`` (0 if it already does)."""
        total = self.total
        for stamp, w in self.events:
            if total + weight <= limit:
                break
            total -= w
            if total + weight <= limit:
                return max(0.0, stamp + self.span - now)
        return 0.0


def _pct(used: int, quota: int) -> int:
    return min(100, math.floor(100 * used / quota)) if quota > 0 else 100


class UsageTracker:
    """Counts calls and decides throttling; thread-safe."""

    def __init__(self, quotas: Quotas, clock: Clock) -> None:
        self.quotas = quotas
        self.clock = clock
        self._lock = threading.Lock()
        self._app = _Window(HOUR)
        self._burst: dict[str, _Window] = {}
        self._score: dict[str, _Window] = {}
        self._buc: dict[tuple[str, str], _Window] = {}
        self._budget: dict[str, _Window] = {}
        self._blocked: dict[str, float] = {}

    def _w(self, table: dict[str, _Window], key: str, span: float) -> _Window:
        window = table.get(key)
        if window is None:
            window = table[key] = _Window(span)
        window.prune(self.clock.now())
        return window

    def _bucw(self, account: str, use_case: str) -> _Window:
        window = self._buc.get((account, use_case))
        if window is None:
            window = self._buc[(account, use_case)] = _Window(HOUR)
        window.prune(self.clock.now())
        return window

    def record(self, account: str | None, use_case: str, *, write: bool) -> None:
        """Count one call, or raise the throttling error Graph would answer instead (not counted)."""
        q = self.quotas
        with self._lock:
            now = self.clock.now()
            self._app.prune(now)
            if self._app.total + 1 > q.app_calls_per_hour:
                wait = self._app.seconds_until_below(now, q.app_calls_per_hour, 1)
                raise self._error(
                    account, use_case, 4, None, "(#4) Application request limit reached", wait
                )
            if account is not None:
                weight = 3 if write else 1
                burst = self._w(self._burst, account, 60.0)
                score = self._w(self._score, account, q.account_score_window)
                buc = self._bucw(account, use_case)
                if burst.total + 1 > q.account_calls_per_minute:
                    wait = burst.seconds_until_below(now, q.account_calls_per_minute, 1)
                    raise self._error(
                        account, use_case, 613, 1487742,
                        "(#613) Calls to this api have exceeded the rate limit.", wait,
                    )  # fmt: skip
                if score.total + weight > q.account_score_max:
                    wait = score.seconds_until_below(now, q.account_score_max, weight)
                    raise self._error(
                        account, use_case, 17, 2446079, "(#17) User request limit reached", wait
                    )
                quota = self._quota(use_case)
                if buc.total + 1 > quota:
                    wait = buc.seconds_until_below(now, quota, 1)
                    if use_case == ADS_INSIGHTS:
                        code, text = 80000, "There have been too many calls from this ad-account."
                    else:
                        code, text = 80004, "There have been too many calls to this ad-account."
                    raise self._error(
                        account, use_case, code, None,
                        f"({code}) {text} Wait a bit and try again. For more info, please refer to "
                        f"https://developers.facebook.com/docs/graph-api/overview/rate-limiting#{use_case.replace('_', '-')}.",
                        wait,
                    )  # fmt: skip
                burst.add(now)
                score.add(now, weight)
                buc.add(now)
            self._app.add(now)

    def check_budget_change(self, account: str | None, object_id: str) -> None:
        """Refuse (code 17) a budget change on ``object_id`` when 4 happened within the rolling hour."""
        limit = self.quotas.budget_changes_per_hour
        with self._lock:
            now = self.clock.now()
            window = self._w(self._budget, object_id, HOUR)
            if window.total + 1 > limit:
                wait = window.seconds_until_below(now, limit, 1)
                error = self._error(
                    account, ADS_MANAGEMENT, 17, None, "(#17) User request limit reached", wait,
                    blocks=False,
                )  # fmt: skip
                error.user_title = "Budget Change Limit Reached"
                error.user_msg = (
                    f"The budget of object {object_id} can change at most {limit} times per hour. "
                    "Wait a bit and try again."
                )
                raise error

    def note_budget_change(self, object_id: str) -> None:
        """Count a budget change that went through."""
        with self._lock:
            self._w(self._budget, object_id, HOUR).add(self.clock.now())

    def throttled(
        self, account: str | None, use_case: str, code: int, wait_seconds: float
    ) -> GraphError:
        """A throttling error of ``code`` as fault injection asks for it, with matching headers."""
        messages = {
            4: (None, "(#4) Application request limit reached"),
            17: (2446079, "(#17) User request limit reached"),
            613: (1487742, "(#613) Calls to this api have exceeded the rate limit."),
            80000: (
                None,
                "(#80000) There have been too many calls from this ad-account. Wait a bit and try again.",
            ),
            80004: (
                None,
                "(#80004) There have been too many calls to this ad-account. Wait a bit and try again.",
            ),
        }
        subcode, message = messages[code]
        with self._lock:
            return self._error(account, use_case, code, subcode, message, wait_seconds, forced=True)

    def _quota(self, use_case: str) -> int:
        if use_case == ADS_INSIGHTS:
            return self.quotas.ads_insights_per_hour
        return self.quotas.ads_management_per_hour

    def _error(
        self,
        account: str | None,
        use_case: str,
        code: int,
        subcode: int | None,
        message: str,
        wait: float,
        *,
        forced: bool = False,
        blocks: bool = True,
    ) -> GraphError:
        """Caller holds the lock. ``blocks``: the account's use case stays refused for ``wait`` (a quota);
        otherwise (an injected fault, one ad set's budget limit) only this answer carries the wait."""
        minutes = max(1, math.ceil(wait / 60))
        if account is not None and blocks and not forced:
            self._blocked[f"{account}:{use_case}"] = self.clock.now() + minutes * 60
        headers = self._headers(
            account,
            use_case == ADS_INSIGHTS,
            saturate=use_case if forced else None,
            eta=(use_case, minutes),
        )
        user_msg = {
            17: "There have been too many calls from this ad-account. Please wait a bit and try again.",
            613: "There have been too many calls from this ad-account. Please wait a bit and try again.",
        }.get(code)
        return GraphError(
            code,
            message,
            subcode=subcode,
            transient=True,
            user_title="Ad Account Has Too Many API Calls" if code in (17, 613) else None,
            user_msg=user_msg,
            headers=headers,
        )

    def headers(self, account: str | None, insights: bool) -> dict[str, str]:
        """The usage headers Graph sends with every response (plus the insights throttle header)."""
        with self._lock:
            return self._headers(account, insights)

    def _headers(
        self,
        account: str | None,
        insights: bool,
        saturate: str | None = None,
        eta: tuple[str, int] | None = None,
    ) -> dict[str, str]:
        q = self.quotas
        now = self.clock.now()
        self._app.prune(now)
        app_pct = _pct(self._app.total, q.app_calls_per_hour)
        out = {
            "X-App-Usage": json.dumps(
                {"call_count": app_pct, "total_time": app_pct, "total_cputime": app_pct},
                separators=(",", ":"),
            )
        }
        if account is None:
            if insights:
                out["X-FB-Ads-Insights-Throttle"] = json.dumps(
                    {"app_id_util_pct": app_pct, "acc_id_util_pct": 0}
                )
            return out
        score = self._w(self._score, account, q.account_score_window)
        burst = self._w(self._burst, account, 60.0)
        entries = []
        pcts: dict[str, int] = {}
        for use_case in (ADS_MANAGEMENT, ADS_INSIGHTS):
            pct = _pct(self._bucw(account, use_case).total, self._quota(use_case))
            if use_case == ADS_MANAGEMENT:
                pct = max(
                    pct,
                    _pct(score.total, q.account_score_max),
                    _pct(burst.total, q.account_calls_per_minute),
                )
            if saturate == use_case:
                pct = 100
            pcts[use_case] = pct
            blocked_until = self._blocked.get(f"{account}:{use_case}", 0.0)
            minutes = max(0, math.ceil((blocked_until - now) / 60))
            if eta is not None and eta[0] == use_case:
                minutes = max(minutes, eta[1])
            entries.append(
                {
                    "type": use_case,
                    "call_count": pct,
                    "total_cputime": pct,
                    "total_time": pct,
                    "estimated_time_to_regain_access": minutes,
                    "ads_api_access_tier": "standard_access",
                }
            )
        digits = account.removeprefix("act_")
        out["X-Business-Use-Case-Usage"] = json.dumps({digits: entries}, separators=(",", ":"))
        acc_pct = pcts[ADS_MANAGEMENT]
        out["X-Ad-Account-Usage"] = json.dumps(
            {
                "acc_id_util_pct": acc_pct,
                "reset_time_duration": int(q.account_score_window) if acc_pct else 0,
                "ads_api_access_tier": "standard_access",
            },
            separators=(",", ":"),
        )
        if insights:
            out["X-FB-Ads-Insights-Throttle"] = json.dumps(
                {"app_id_util_pct": app_pct, "acc_id_util_pct": pcts[ADS_INSIGHTS]},
                separators=(",", ":"),
            )
        return out
