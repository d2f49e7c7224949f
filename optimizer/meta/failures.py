"""Which Graph API failures to retry, to wait out, or to give up on at once.

Meta's SDK retries nothing and sleeps on nothing, so this is the client's job. Throttles (codes 4, 17, 32,
613, 80000-80014) are waited out, using ``estimated_time_to_regain_access`` when the response gives it;
transient faults (code 1/2, 2601 "job not ready", HTTP 5xx, dropped connections, unparsable bodies) are
retried with jittered backoff; everything else (100 bad parameter, 190 bad token, 200 permission, 2635
deprecated version, ...) is permanent and retrying it would only burn quota.
"""

from __future__ import annotations

import enum

import requests
from facebook_business.exceptions import FacebookBadObjectError, FacebookRequestError

from optimizer.meta.usage import parse_usage

THROTTLE_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
TRANSIENT_CODES = frozenset({1, 2, 2601})
PERMANENT_CODES = frozenset({10, 100, 190, 200, 294, 2635})


class Failure(enum.Enum):
    THROTTLED = "throttled"
    TRANSIENT = "transient"
    PERMANENT = "permanent"


def classify(exc: BaseException) -> Failure:
    """Sort an exception raised by an SDK call into throttled, transient or permanent."""
    if isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.Timeout):
        return Failure.TRANSIENT
    if isinstance(exc, FacebookBadObjectError):
        return (
            Failure.TRANSIENT
        )  # a 200 whose body could not be parsed (proxy HTML, truncated JSON)
    if isinstance(exc, FacebookRequestError):
        code = exc.api_error_code()
        if code in THROTTLE_CODES:
            return Failure.THROTTLED
        if code in PERMANENT_CODES:
            return Failure.PERMANENT
        if code in TRANSIENT_CODES or exc.api_transient_error():
            return Failure.TRANSIENT
        status = exc.http_status()
        if isinstance(status, int) and status >= 500:
            return Failure.TRANSIENT
        return Failure.PERMANENT
    return Failure.PERMANENT


def regain_seconds(exc: BaseException) -> float:
    """The wait a throttling response announces (usage headers), or 0 when it announces none."""
    if isinstance(exc, FacebookRequestError):
        return parse_usage(exc.http_headers() or {}).regain_seconds
    return 0.0


def describe(exc: BaseException) -> str:
    """A one-line description of an API failure without request parameters (which may hold secrets)."""
    if isinstance(exc, FacebookRequestError):
        parts = [f"code {exc.api_error_code()}"]
        if exc.api_error_subcode():
            parts.append(f"subcode {exc.api_error_subcode()}")
        parts.append(f"HTTP {exc.http_status()}")
        return f"{exc.api_error_message() or 'Graph API error'} ({', '.join(parts)})"
    return f"{type(exc).__name__}: {exc}".splitlines()[0]
