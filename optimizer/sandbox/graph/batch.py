"""Batch requests: ``POST /vX/`` with a ``batch`` JSON array of up to 50 items, answered item by item.

Each item runs through the same core as a top-level call (auth, throttling, routing), so an item can fail on
its own; the reply is HTTP 200 with an array of ``{code, headers: [{name, value}], body: "<json string>"}``,
or ``null`` for an item the server did not process (the SDK collects those into a retry batch).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from optimizer.sandbox.graph.params import parse_json
from optimizer.sandbox.graph.wire import GraphError, GraphRequest, GraphResponse, invalid_parameter

MAX_ITEMS = 50
_AUTH = ("access_token", "appsecret_proof")


def parse_batch(request: GraphRequest) -> list[dict[str, Any]]:
    """The ``batch`` form field as a list of item objects; errors name the item."""
    raw = request.first("batch")
    if raw is None:
        raise invalid_parameter("The parameter batch is required")
    items = parse_json(raw, "batch")
    if not isinstance(items, list):
        raise invalid_parameter("Param batch must be a JSON array")
    if len(items) > MAX_ITEMS:
        raise GraphError(
            1,
            f"Too many requests in batch message. Maximum batch size is {MAX_ITEMS}",
            type_="GraphBatchException",
        )
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("relative_url"), str):
            raise GraphError(
                100,
                f"(#100) batch[{index}]: each item needs a method and a relative_url",
                type_="GraphBatchException",
            )
    return items


def item_request(request: GraphRequest, version: str, item: dict[str, Any]) -> GraphRequest:
    """A batch item as a request of its own, inheriting the outer call's token and proof."""
    method = str(item.get("method", "GET")).upper()
    relative = item["relative_url"].lstrip("/")
    path, _, query_text = relative.partition("?")
    first = path.split("/", 1)[0]
    if not (first.startswith("v") and first[1:].replace(".", "").isdigit() and "." in first):
        path = f"{version}/{path}"
    query = parse_qsl(query_text, keep_blank_values=True)
    body = item.get("body") or ""
    form = parse_qsl(body, keep_blank_values=True) if isinstance(body, str) else []
    if isinstance(body, dict):
        form = [(str(k), v if isinstance(v, str) else json.dumps(v)) for k, v in body.items()]
    names = {k for k, _ in query} | {k for k, _ in form}
    inherited: list[tuple[str, str]] = []
    for key, value in request.query:
        # The first token and proof of the outer call, unless the item carries its own.
        if key in _AUTH and key not in names and all(key != k for k, _ in inherited):
            inherited.append((key, value))
    return GraphRequest(
        method=method,
        path=f"/{path}",
        query=(*inherited, *query),
        form=tuple(form),
        headers=dict(request.headers),
        base_url=request.base_url,
    )


def item_reply(response: GraphResponse) -> dict[str, Any]:
    """One item's answer in the batch array shape (``body`` is a JSON string)."""
    headers = [{"name": "Content-Type", "value": "text/javascript; charset=UTF-8"}]
    headers += [
        {"name": name, "value": value}
        for name, value in response.headers.items()
        if name != "Content-Type"
    ]
    return {"code": response.status, "headers": headers, "body": response.text()}


def run_batch(
    request: GraphRequest,
    version: str,
    dispatch: Callable[[GraphRequest], GraphResponse],
    skip: Callable[[], bool],
) -> GraphResponse:
    """Answer every item in order; ``skip()`` deciding an item is left unprocessed (``null``)."""
    replies: list[dict[str, Any] | None] = []
    for item in parse_batch(request):
        if skip():
            replies.append(None)
            continue
        replies.append(item_reply(dispatch(item_request(request, version, item))))
    return GraphResponse(200, replies)
