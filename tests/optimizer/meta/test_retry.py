import json

import pytest
import requests
from facebook_business.exceptions import FacebookRequestError

from optimizer.errors import MetaApiError, ThrottledError
from optimizer.meta.failures import Failure, classify
from optimizer.meta.retry import RetryPolicy, call_with_retry
from optimizer.meta.usage import parse_usage


def graph_error(
    code: int, status: int = 400, transient: bool = False, headers=None
) -> FacebookRequestError:
    body = json.dumps(
        {"error": {"message": f"error {code}", "code": code, "is_transient": transient}}
    )
    return FacebookRequestError(
        "Call was not successful", {"method": "GET"}, status, headers or {}, body
    )


def test_classification() -> None:
    assert classify(graph_error(17)) is Failure.THROTTLED
    assert classify(graph_error(80004)) is Failure.THROTTLED
    assert classify(graph_error(2, 500)) is Failure.TRANSIENT
    assert classify(graph_error(2601, transient=True)) is Failure.TRANSIENT
    assert classify(graph_error(190)) is Failure.PERMANENT
    assert classify(graph_error(100, transient=True)) is Failure.PERMANENT
    assert classify(requests.exceptions.ConnectionError()) is Failure.TRANSIENT


def test_usage_headers_give_the_worst_figure_and_the_wait() -> None:
    headers = {
        "X-Business-Use-Case-Usage": json.dumps(
            {
                "123": [
                    {
                        "type": "ads_insights",
                        "call_count": 40,
                        "total_cputime": 97,
                        "total_time": 20,
                        "estimated_time_to_regain_access": 3,
                    }
                ]
            }
        ),
        "X-App-Usage": json.dumps({"call_count": 12, "total_time": 5, "total_cputime": 3}),
    }
    usage = parse_usage(headers)
    assert usage.utilisation == 97 and usage.regain_seconds == 180
    # batch sub-responses carry headers as a list of {name, value}
    assert parse_usage([{"name": "X-App-Usage", "value": '{"call_count": 55}'}]).utilisation == 55
    assert parse_usage({"X-App-Usage": "not json"}).utilisation == 0


def test_throttle_waits_the_announced_time_then_succeeds() -> None:
    slept: list[float] = []
    headers = {
        "x-business-use-case-usage": json.dumps(
            {"1": [{"call_count": 100, "estimated_time_to_regain_access": 2}]}
        )
    }
    outcomes: list[object] = [graph_error(17, headers=headers), "ok"]

    def fn() -> str:
        out = outcomes.pop(0)
        if isinstance(out, Exception):
            raise out
        return str(out)

    policy = RetryPolicy(sleep=slept.append)
    assert call_with_retry(fn, policy) == "ok"
    assert slept == [120.0] and policy.throttles == 1


def test_permanent_errors_are_not_retried() -> None:
    calls = 0

    def fn() -> None:
        nonlocal calls
        calls += 1
        raise graph_error(190)

    with pytest.raises(MetaApiError, match="code 190") as info:
        call_with_retry(fn, RetryPolicy(sleep=lambda s: None))
    assert calls == 1 and info.value.code == 190


def test_wait_budget_ends_in_throttled_error() -> None:
    def fn() -> None:
        raise graph_error(613)

    policy = RetryPolicy(sleep=lambda s: None, throttle_wait=60, wait_budget=100)
    with pytest.raises(ThrottledError):
        call_with_retry(fn, policy)
    assert policy.waited <= 100


def test_transient_errors_retry_with_backoff_until_attempts_run_out() -> None:
    slept: list[float] = []

    def fn() -> None:
        raise graph_error(2, 500, transient=True)

    with pytest.raises(MetaApiError, match="gave up"):
        call_with_retry(fn, RetryPolicy(sleep=slept.append, max_attempts=4))
    assert len(slept) == 3 and all(s > 0 for s in slept)
