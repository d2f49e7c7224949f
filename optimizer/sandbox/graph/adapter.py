"""The sandbox in-process: a ``requests`` transport adapter, no sockets.

Mount it on the SDK's session (``FacebookSession.requests``) or any ``requests.Session`` under a base URL
and point the client at that URL; ``paging.next`` links use the same base URL. A dropped-connection fault
raises ``requests.ConnectionError``, as a cut socket does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from optimizer.sandbox.graph.app import GraphApp

DEFAULT_BASE_URL = "http://graph.sandbox.local"


class SandboxAdapter(BaseAdapter):
    """``requests`` adapter answering from a :class:`GraphApp`."""

    def __init__(self, app: GraphApp, base_url: str = DEFAULT_BASE_URL) -> None:
        super().__init__()
        self.app = app
        self.base_url = base_url.rstrip("/")

    def mount(self, session: requests.Session) -> requests.Session:
        """Route ``session``'s calls to ``base_url`` through this adapter; returns the session."""
        session.mount(self.base_url, self)
        return session

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """Answer one prepared request."""
        split = urlsplit(request.url or "")
        target = f"{split.path}?{split.query}" if split.query else split.path
        body = request.body
        raw = body.encode() if isinstance(body, str) else (body or b"")
        answer = self.app.handle_wire(
            (request.method or "GET"), target, bytes(raw), dict(request.headers), self.base_url
        )
        if answer.drop:
            raise requests.ConnectionError(
                "Connection aborted: the Graph sandbox dropped the connection (fault injection)",
                request=request,
            )
        response = requests.Response()
        response.status_code = answer.status
        response.headers = CaseInsensitiveDict(answer.headers)
        response._content = answer.text().encode()
        response.encoding = "utf-8"
        response.url = request.url or ""
        response.request = request
        response.reason = _REASONS.get(answer.status, "")
        return response

    def close(self) -> None:
        """Nothing to release."""


_REASONS = {
    200: "OK",
    400: "Bad Request",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
