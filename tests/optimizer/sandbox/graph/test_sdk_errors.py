"""Auth, throttling and every fault family, as the SDK and a plain client observe them."""

from __future__ import annotations

import json

import pytest
import requests
from facebook_business.adobjects.adaccount import AdAccount
from facebook_business.adobjects.adset import AdSet
from facebook_business.adobjects.user import User
from facebook_business.exceptions import FacebookRequestError

from optimizer.sandbox.graph import Quotas
from tests.optimizer.sandbox.graph.conftest import TOKEN, start, use

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _error(call) -> FacebookRequestError:
    with pytest.raises(FacebookRequestError) as caught:
        call()
    return caught.value


def test_invalid_token_is_190_and_app_secret_proof_is_checked(sdk: None) -> None:
    box, server = start(token="the-token", app_secret="s3cret")
    try:
        use(box.url, token="wrong", app_secret="s3cret")
        error = _error(lambda: list(User(fbid="me").get_ad_accounts()))
        assert (error.api_error_code(), error.http_status(), error.api_error_type()) == (
            190,
            400,
            "OAuthException",
        )
        use(box.url, token="the-token", app_secret="not-the-secret")
        error = _error(lambda: list(User(fbid="me").get_ad_accounts()))
        assert error.api_error_code() == 100 and "appsecret_proof" in error.api_error_message()
        use(box.url, token="the-token", app_secret="s3cret")
        assert [a["id"] for a in User(fbid="me").get_ad_accounts()] == [box.account_id]
        missing = requests.get(f"{box.url}/v26.0/me/adaccounts", timeout=5)
        assert missing.status_code == 400 and missing.json()["error"]["code"] == 190
    finally:
        server.stop()


def test_repeated_access_token_uses_the_first(sdk: None) -> None:
    box, server = start(token="good")
    try:
        reply = requests.get(
            f"{box.url}/v26.0/me/adaccounts?access_token=good&access_token=bad", timeout=5
        )
        assert reply.status_code == 200 and reply.json()["data"][0]["id"] == box.account_id
    finally:
        server.stop()


def test_insights_quota_throttles_with_80000_and_readable_headers(sdk: None) -> None:
    box, server = start(quotas=Quotas(ads_insights_per_hour=3))
    try:
        use(box.url)
        account = AdAccount(box.account_id)
        for _ in range(3):
            cursor = account.get_insights(fields=["spend"], params={"date_preset": "last_7d"})
        usage = json.loads(cursor.headers()["x-business-use-case-usage"])
        insights = next(e for e in usage[box.account_id[4:]] if e["type"] == "ads_insights")
        assert insights["call_count"] == 100 and insights["estimated_time_to_regain_access"] == 0
        error = _error(
            lambda: account.get_insights(fields=["spend"], params={"date_preset": "last_7d"})
        )
        assert (error.api_error_code(), error.http_status(), error.api_transient_error()) == (
            80000,
            400,
            True,
        )
        headers = error.http_headers()
        usage = json.loads(headers["X-Business-Use-Case-Usage"])
        insights = next(e for e in usage[box.account_id[4:]] if e["type"] == "ads_insights")
        assert (
            insights["estimated_time_to_regain_access"] == 60
        )  # minutes until the first call leaves the hour
        assert json.loads(headers["x-fb-ads-insights-throttle"])["acc_id_util_pct"] == 100
        # Management calls have their own use case and still go through.
        AdSet(next(iter(box.market.adsets))).api_get(fields=["name"])
        box.clock.advance(3601)
        assert list(account.get_insights(fields=["spend"], params={"date_preset": "last_7d"}))
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("quotas", "code", "subcode"),
    [
        (Quotas(ads_management_per_hour=2), 80004, None),
        (Quotas(account_score_max=4), 17, 2446079),
        (Quotas(account_calls_per_minute=2), 613, 1487742),
        (Quotas(app_calls_per_hour=2), 4, None),
    ],
)
def test_each_quota_answers_its_code(
    sdk: None, quotas: Quotas, code: int, subcode: int | None
) -> None:
    box, server = start(quotas=quotas)
    try:
        use(box.url)
        adset = AdSet(next(iter(box.market.adsets)))
        adset.api_update(params={"name": "one"})  # a write: 3 points on the account score
        adset.api_get(fields=["name"])
        error = _error(lambda: adset.api_get(fields=["name"]))
        assert (error.api_error_code(), error.api_error_subcode()) == (code, subcode)
        assert error.api_transient_error()
        assert "x-app-usage" in error.http_headers()
    finally:
        server.stop()


def test_ordinary_use_stays_far_below_the_throttling_threshold(sdk: None) -> None:
    box, server = start()
    try:
        use(box.url)
        for _ in range(20):
            cursor = AdAccount(box.account_id).get_insights(
                fields=["spend"],
                params={"level": "ad", "time_increment": 1, "date_preset": "last_7d"},
            )
            list(cursor)
        headers = cursor.headers()
        for entry in json.loads(headers["x-business-use-case-usage"])[box.account_id[4:]]:
            assert entry["call_count"] < 10
        assert json.loads(headers["x-ad-account-usage"])["acc_id_util_pct"] < 10
        assert json.loads(headers["x-app-usage"])["call_count"] < 10
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("spec", "codes", "statuses"),
    [
        ("throttle=every1", {4, 17, 613, 80004}, {400}),
        ("transient=every1", {1, 2}, {500}),
        ("server_error=every1", {2}, {500, 502, 503}),
    ],
)
def test_request_fault_families_answer_json_errors(
    sdk: None, spec: str, codes: set, statuses: set
) -> None:
    box, server = start(spec)
    try:
        use(box.url)
        seen = set()
        for _ in range(8):
            error = _error(lambda: AdSet(next(iter(box.market.adsets))).api_get(fields=["name"]))
            assert error.api_error_code() in codes and error.http_status() in statuses
            assert error.api_transient_error()
            seen.add(error.api_error_code())
        assert len(seen) >= min(2, len(codes))  # the seeded generator varies the code
    finally:
        server.stop()


def test_dropped_connection_is_a_requests_connection_error(sdk: None) -> None:
    box, server = start("drop=every2")
    try:
        use(box.url)
        adset = AdSet(next(iter(box.market.adsets)))
        adset.api_get(fields=["name"])
        with pytest.raises(requests.ConnectionError):
            adset.api_get(fields=["name"])
        assert adset.api_get(fields=["name"])["id"] == adset["id"]
    finally:
        server.stop()


def test_faults_are_reproducible_for_a_seed(sdk: None) -> None:
    outcomes = []
    for _ in range(2):
        box, server = start("transient=0.3,seed=5")
        try:
            sequence = []
            for _ in range(30):
                reply = requests.get(
                    f"{box.url}/v26.0/me/", params={"access_token": TOKEN}, timeout=5
                )
                sequence.append(reply.status_code)
            outcomes.append(sequence)
        finally:
            server.stop()
    assert outcomes[0] == outcomes[1] and 500 in outcomes[0] and 200 in outcomes[0]


def _poll(job, times: int) -> list[tuple[str, int]]:
    seen = []
    for _ in range(times):
        job = job.api_get()
        seen.append((job["async_status"], job["async_percent_completion"]))
        if job["async_status"] in ("Job Completed", "Job Failed", "Job Skipped"):
            break
    return seen


def _job(box):
    return AdAccount(box.account_id).get_insights(
        fields=["spend"], params={"level": "adset", "date_preset": "last_7d"}, is_async=True
    )


def test_async_slow_sits_at_100_percent_running_before_completing(sdk: None) -> None:
    box, server = start("async_slow")
    try:
        use(box.url)
        job = _job(box)
        seen = _poll(job, 30)
        assert ("Job Running", 100) in seen and seen[-1] == ("Job Completed", 100)
        assert seen.index(("Job Running", 100)) < len(seen) - 1
        assert list(job.get_result())
    finally:
        server.stop()


def test_async_stuck_never_completes_and_results_stay_unavailable(sdk: None) -> None:
    box, server = start("async_stuck")
    try:
        use(box.url)
        job = _job(box)
        seen = _poll(job, 25)
        assert seen[-1] == ("Job Running", 100) and len(seen) == 25
        error = _error(lambda: list(job.get_result()))
        assert (error.api_error_code(), error.api_error_subcode()) == (2601, 1815107)
    finally:
        server.stop()


def test_async_fail_and_skip_are_terminal_with_v25_error_fields(sdk: None) -> None:
    box, server = start("async_fail=every2,async_skip=every3")
    try:
        use(box.url)
        outcomes = []
        for _ in range(3):
            job = _job(box)
            seen = _poll(job, 10)
            outcomes.append(seen[-1][0])
            if seen[-1][0] == "Job Failed":
                failed = job.api_get()
                assert (failed["error_code"], failed["error_subcode"]) == (-2, 2490547)
                assert failed["error_message"] == "Report Failed"
                error = _error(lambda job=job: list(job.get_result()))
                assert error.api_error_code() == 2601 and not error.api_transient_error()
        assert outcomes == ["Job Completed", "Job Failed", "Job Skipped"]
    finally:
        server.stop()


def test_deprecated_version_is_2635(sdk: None) -> None:
    box, server = start()
    try:
        reply = requests.get(f"{box.url}/v17.0/me/", params={"access_token": TOKEN}, timeout=5)
        assert reply.status_code == 400 and reply.json()["error"]["code"] == 2635
    finally:
        server.stop()


def test_drop_reply_applies_the_write_but_loses_the_answer(sdk: None) -> None:
    box, server = start("drop_reply=every1")
    try:
        use(box.url)
        adset_id = next(a.id for a in box.market.adsets.values() if a.daily_budget is not None)
        with pytest.raises(requests.ConnectionError):
            AdSet(adset_id).api_update(params={"daily_budget": 5555})
        assert box.market.adsets[adset_id].daily_budget == 5555
    finally:
        server.stop()
