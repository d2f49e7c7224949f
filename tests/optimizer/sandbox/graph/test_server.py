"""The HTTP skin: concurrent clients, JSON errors for every method, start/stop."""

from __future__ import annotations

import http.client
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from optimizer.errors import InputError
from optimizer.sandbox.graph import GraphApp, SandboxServer
from tests.optimizer.sandbox.graph.conftest import TOKEN, Sandbox, small_market


def test_concurrent_clients_are_all_answered(sandbox: Sandbox) -> None:
    adset_ids = list(sandbox.market.adsets)

    def work(index: int) -> list[int]:
        with requests.Session() as session:
            codes = []
            for step in range(15):
                adset_id = adset_ids[(index + step) % len(adset_ids)]
                reply = session.get(
                    f"{sandbox.url}/v26.0/{adset_id}/",
                    params={"access_token": TOKEN, "fields": "name"},
                    timeout=10,
                )
                assert reply.json()["id"] == adset_id
                codes.append(reply.status_code)
            return codes

    before = sandbox.app.requests_served
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(work, range(6)))
    assert all(code == 200 for codes in results for code in codes)
    assert sandbox.app.requests_served - before == 6 * 15


def test_unsupported_methods_answer_graph_json(sandbox: Sandbox) -> None:
    reply = requests.put(f"{sandbox.url}/v26.0/me/", params={"access_token": TOKEN}, timeout=5)
    assert reply.status_code == 400 and reply.json()["error"]["code"] == 100
    assert reply.headers["Content-Type"].startswith("application/json")


def test_start_stop_releases_the_port() -> None:
    server = SandboxServer(GraphApp(small_market(days=3)))
    url = server.start()
    port = int(url.rsplit(":", 1)[1])
    assert requests.get(f"{url}/_sandbox/status", timeout=5).json()["requests_served"] == 1
    server.stop()
    again = SandboxServer(GraphApp(small_market(days=3)), port=port)
    try:
        assert again.start() == url  # the same port binds again at once
    finally:
        again.stop()


def test_a_port_in_use_is_a_clear_error_not_a_traceback(sandbox: Sandbox) -> None:
    port = int(sandbox.url.rsplit(":", 1)[1])
    with pytest.raises(InputError, match=f"port {port} on 127.0.0.1 is already in use"):
        SandboxServer(GraphApp(small_market(days=3)), port=port).start()


def test_malformed_requests_get_json_errors(sandbox: Sandbox) -> None:
    host, port = sandbox.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    connection.putrequest("POST", f"/v26.0/me/?access_token={TOKEN}")
    connection.putheader("Content-Length", "lots")
    connection.endheaders()
    reply = connection.getresponse()
    assert reply.status == 400 and json.loads(reply.read())["error"]["code"] == 100
    connection.close()
    garbled = requests.post(
        f"{sandbox.url}/v26.0/{next(iter(sandbox.market.adsets))}/",
        params={"access_token": TOKEN},
        data=b"name=\xff\xfe",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=5,
    )
    assert garbled.status_code in (200, 400) and (
        "success" in garbled.json() or "error" in garbled.json()
    )
