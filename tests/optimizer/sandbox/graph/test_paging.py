"""Cursor paging: opaque cursors, next only while more pages exist, every original parameter kept."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from optimizer.sandbox.graph.paging import decode_cursor, encode_cursor, paginate
from optimizer.sandbox.graph.wire import GraphError, GraphRequest


def _request(**params: str) -> GraphRequest:
    query = (
        ("access_token", "T"), ("appsecret_proof", "P"), ("access_token", "T2"), ("appsecret_proof", "P"),
        *params.items(),
    )  # fmt: skip
    return GraphRequest("GET", "/v26.0/act_1/insights", query, base_url="http://127.0.0.1:9999")


def test_walk_forward_and_back() -> None:
    items = list(range(7))
    first = paginate(_request(limit="3", level="ad"), items)
    assert first.items == [0, 1, 2] and "previous" not in first.paging
    nxt = first.paging["next"]
    split = urlsplit(nxt)
    assert (
        f"{split.scheme}://{split.netloc}" == "http://127.0.0.1:9999"
        and split.path == "/v26.0/act_1/insights"
    )
    query = parse_qsl(split.query)
    assert [v for k, v in query if k == "access_token"] == ["T"]  # one token: URLs must not grow
    assert [v for k, v in query if k == "appsecret_proof"] == ["P"]
    assert ("level", "ad") in query and ("limit", "3") in query
    second = paginate(_request(limit="3", level="ad", after=dict(query)["after"]), items)
    assert second.items == [3, 4, 5] and "previous" in second.paging
    third = paginate(_request(limit="3", after=second.paging["cursors"]["after"]), items)
    assert third.items == [6] and "next" not in third.paging
    assert set(third.paging["cursors"]) == {"before", "after"}
    back = paginate(_request(limit="3", before=third.paging["cursors"]["before"]), items)
    assert back.items == [3, 4, 5]


def test_exact_multiple_has_no_next_on_the_last_page_and_empty_results_keep_cursors() -> None:
    page = paginate(_request(limit="2", after=encode_cursor(1)), [1, 2, 3, 4])
    assert page.items == [3, 4] and "next" not in page.paging
    empty = paginate(_request(), [])
    assert empty.items == [] and set(empty.paging["cursors"]) == {"before", "after"}


def test_cursors_are_opaque_and_checked() -> None:
    cursor = encode_cursor(41)
    assert "41" not in cursor and decode_cursor(cursor, "after") == 41
    with pytest.raises(GraphError) as caught:
        decode_cursor("not-a-cursor", "after")
    assert caught.value.code == 100 and "after" in caught.value.message
    with pytest.raises(GraphError):
        paginate(_request(limit="0"), [1])
