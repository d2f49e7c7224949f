"""Retrying SDK calls: wait out throttles, back off on transient faults, never retry permanent errors.

Built on tenacity with an injectable ``sleep`` so tests run instantly (or advance a simulated clock). The
total time spent waiting is bounded by ``wait_budget``: a run that would wait longer fails with
:class:`~optimizer.errors.ThrottledError` so a scheduler can move on to other accounts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from facebook_business.exceptions import FacebookRequestError
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from optimizer.errors import MetaApiError, ThrottledError
from optimizer.meta.failures import Failure, classify, describe, regain_seconds

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class RetryPolicy:
    """How hard to try. ``sleep`` is injectable; ``waited`` and ``retries`` accumulate across calls."""

    max_attempts: int = 6
    initial_wait: float = 1.0
    max_wait: float = 60.0
    throttle_wait: float = 60.0  # used when a throttle announces no regain time
    wait_budget: float = (
        3600.0  # seconds of waiting allowed in total (per client run) before giving up
    )
    sleep: Callable[[float], None] = time.sleep
    waited: float = field(default=0.0, init=False)
    retries: int = field(default=0, init=False)
    throttles: int = field(default=0, init=False)


def _to_error(exc: BaseException, what: str, policy: RetryPolicy) -> MetaApiError:
    kind = classify(exc)
    code = exc.api_error_code() if isinstance(exc, FacebookRequestError) else None
    sub = exc.api_error_subcode() if isinstance(exc, FacebookRequestError) else None
    status = exc.http_status() if isinstance(exc, FacebookRequestError) else None
    if kind is Failure.THROTTLED:
        return ThrottledError(
            f"{what}: still rate-limited after waiting {policy.waited:.0f}s: {describe(exc)}",
            code=code,
            subcode=sub,
            http_status=status,
        )
    prefix = "gave up after retries" if kind is Failure.TRANSIENT else "failed"
    return MetaApiError(
        f"{what}: {prefix}: {describe(exc)}", code=code, subcode=sub, http_status=status
    )


def call_with_retry(fn: Callable[[], T], policy: RetryPolicy, what: str = "Graph API call") -> T:
    """Run ``fn`` under ``policy``; raise :class:`MetaApiError` (or ThrottledError) when it cannot succeed."""
    backoff = wait_exponential_jitter(initial=policy.initial_wait, max=policy.max_wait)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if exc is not None and classify(exc) is Failure.THROTTLED:
            return regain_seconds(exc) or policy.throttle_wait
        return float(backoff(state))

    def give_up(state: RetryCallState) -> bool:
        if stop_after_attempt(policy.max_attempts)(state):
            return True
        return policy.waited + wait(state) > policy.wait_budget

    def before_sleep(state: RetryCallState) -> None:
        delay = state.next_action.sleep if state.next_action else 0.0
        policy.waited += delay
        policy.retries += 1
        exc = state.outcome.exception() if state.outcome else None
        if exc is not None and classify(exc) is Failure.THROTTLED:
            policy.throttles += 1
        log.warning(
            "%s: %s; retry %d in %.1fs",
            what,
            describe(exc) if exc else "?",
            state.attempt_number,
            delay,
        )

    retrying = Retrying(
        retry=retry_if_exception(lambda e: classify(e) is not Failure.PERMANENT),
        wait=wait,
        stop=give_up,
        sleep=policy.sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        return retrying(fn)
    except MetaApiError:
        raise
    except Exception as exc:  # an SDK or transport failure we could not get past
        if classify(exc) is Failure.PERMANENT and not isinstance(exc, FacebookRequestError):
            raise
        raise _to_error(exc, what, policy) from exc
