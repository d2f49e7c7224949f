"""Cursor paging exactly as the SDK's ``Cursor`` and ``paging.next``-following connectors expect.

Every page carries ``paging.cursors.before/after`` (the SDK stops silently without them); ``paging.next`` is an
absolute URL on the sandbox's own host with every original query parameter plus ``after=`` and is present
only while more pages exist (the SDK >= 19 stops on its absence); ``previous`` appears after the first page.
Cursors are opaque base64 tokens of a position, as Graph's are.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from optimizer.sandbox.graph.params import parse_int
from optimizer.sandbox.graph.wire import GraphRequest, invalid_parameter

T = TypeVar("T")

DEFAULT_LIMIT = 25
MAX_LIMIT = 5000
_PAGING_PARAMS = {"after", "before"}


def encode_cursor(position: int) -> str:
    """An opaque cursor for ``position`` (the index of an item in the result)."""
    return base64.urlsafe_b64encode(f"sbx:{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, field: str) -> int:
    """The position behind a cursor this sandbox issued; error #100 for anything else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        prefix, _, number = text.partition(":")
        if prefix != "sbx":
            raise ValueError(cursor)
        position = int(number)
    except ValueError:
        raise invalid_parameter(f"Param {field} is not a valid cursor") from None
    if position < 0:
        raise invalid_parameter(f"Param {field} is not a valid cursor")
    return position


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of items and the ``paging`` object that goes with it."""

    items: list[T]
    paging: dict[str, Any]


def page_limit(request: GraphRequest, default: int = DEFAULT_LIMIT) -> int:
    """The ``limit`` asked for, capped at the largest page the sandbox serves."""
    limit = parse_int(request.first("limit"), "limit", low=1)
    return min(limit if limit is not None else default, MAX_LIMIT)


def paginate(request: GraphRequest, items: Sequence[T], *, path: str | None = None) -> Page[T]:
    """Slice ``items`` for ``request``'s ``limit``/``after``/``before`` and build its ``paging``.

    ``path`` overrides the URL path used in ``next``/``previous`` (batch items page on their own path).
    """
    limit = page_limit(request)
    after, before = request.first("after"), request.first("before")
    if after:
        start = decode_cursor(after, "after") + 1
    elif before:
        start = max(0, decode_cursor(before, "before") - limit)
    else:
        start = 0
    end = min(start + limit, len(items))
    if before and not after:
        end = min(end, decode_cursor(before, "before"))
    start = min(start, len(items))
    chosen = list(items[start:end])
    paging: dict[str, Any] = {}
    if chosen:
        paging["cursors"] = {"before": encode_cursor(start), "after": encode_cursor(end - 1)}
    else:
        # Graph still answers with cursors on an empty page; the SDK needs them to parse the page.
        paging["cursors"] = {
            "before": encode_cursor(start),
            "after": encode_cursor(max(start - 1, 0)),
        }
    if chosen and end < len(items):
        paging["next"] = _url(request, path, "after", encode_cursor(end - 1))
    if chosen and start > 0:
        paging["previous"] = _url(request, path, "before", encode_cursor(start))
    return Page(chosen, paging)


def _url(request: GraphRequest, path: str | None, key: str, cursor: str) -> str:
    """The same request on the sandbox's own host, with every original parameter and the new cursor."""
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, value in request.query:
        # Keep each parameter once: SDKs <= 17.0.1 follow ``next`` and add their token and proof again,
        # so URLs that repeated them would grow with every page (SDK issue #641).
        if name in _PAGING_PARAMS or name in seen:
            continue
        seen.add(name)
        pairs.append((name, value))
    pairs.append((key, cursor))
    return f"{request.base_url}{path or request.path}?{urlencode(pairs)}"
