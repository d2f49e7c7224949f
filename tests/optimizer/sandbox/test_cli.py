"""``adpilot sandbox``: serving on 127.0.0.1 from the command line, and advancing a running sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta

import requests
from typer.testing import CliRunner

from optimizer.cli import app


def test_serve_prints_the_url_and_advance_moves_the_market() -> None:
    command = [sys.executable, "-m", "optimizer.cli", "sandbox", "--port", "0", "--seed", "3", "--adsets", "4",
               "--days", "10", "--token", "tok"]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as server:
        try:
            assert server.stdout is not None
            banner = server.stdout.readline()
            url = banner.split("serving on ", 1)[1].split()[0]
            assert url.startswith("http://127.0.0.1:")
            account = server.stdout.readline().split("example account: ", 1)[1].split()[0]
            listed = requests.get(
                f"{url}/v26.0/me/adaccounts", params={"access_token": "tok"}, timeout=10
            ).json()
            assert [a["id"] for a in listed["data"]] == [account]
            refused = requests.get(
                f"{url}/v26.0/me/adaccounts", params={"access_token": "other"}, timeout=10
            )
            assert refused.json()["error"]["code"] == 190
            before = requests.get(f"{url}/_sandbox/status", timeout=10).json()["today"]
            result = CliRunner().invoke(app, ["sandbox", "advance", "--days", "2", "--url", url])
            assert result.exit_code == 0, result.output
            after = requests.get(f"{url}/_sandbox/status", timeout=10).json()["today"]
            assert date.fromisoformat(after) - date.fromisoformat(before) == timedelta(days=2)
            assert after in result.output
        finally:
            server.terminate()
            server.wait(timeout=10)


def test_bad_fault_spec_is_a_clear_usage_error() -> None:
    result = CliRunner().invoke(app, ["sandbox", "--port", "0", "--faults", "explode=1"])
    assert result.exit_code != 0 and "explode" in result.output


def test_advance_without_a_sandbox_fails_cleanly() -> None:
    result = CliRunner().invoke(app, ["sandbox", "advance", "--url", "http://127.0.0.1:9"])
    assert result.exit_code == 1 and "no sandbox reachable" in result.output


def test_several_accounts_differ_in_size_currency_and_time_zone() -> None:
    from collections import Counter

    from optimizer.sandbox.cli import account_sizes, build_app

    graph = build_app(seed=7, adsets=8, days=5, accounts=4)
    per_account = Counter(s.account_id for s in graph.market.adsets.values())
    assert (
        [per_account[a] for a in graph.market.accounts] == list(account_sizes(8)) == [8, 4, 12, 8]
    )
    accounts = list(graph.market.accounts.values())
    assert len({a.currency for a in accounts}) == 4
    assert len({a.timezone_name for a in accounts}) == 4
