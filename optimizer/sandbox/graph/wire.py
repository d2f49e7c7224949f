"""The transport-free request and response every skin (HTTP server, requests adapter, batch item) speaks.

The core answers a :class:`GraphRequest` with a :class:`GraphResponse`; the HTTP server and the in-process
adapter only translate bytes to these and back. Errors travel as :class:`GraphError` until the core turns
them into Meta's JSON error shape, so no code path can answer an error with a non-JSON body.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class GraphRequest:
    """One Graph API call as the sandbox sees it, independent of how it arrived.

    ``query`` and ``form`` are multi-dicts as ordered pairs (``access_token`` may repeat); ``base_url`` is the
    scheme, host and port the caller used, so ``paging.next`` points back at the same sandbox.
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    form: tuple[tuple[str, str], ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    base_url: str = "http://127.0.0.1"

    @classmethod
    def from_wire(
        cls, method: str, target: str, body: bytes, headers: dict[str, str], base_url: str
    ) -> GraphRequest:
        """Decode an HTTP request line's target (``/v26.0/x?y=z``) and body; error #100 if undecodable."""
        split = urlsplit(target)
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        return cls(
            method=method.upper(),
            path=split.path,
            query=tuple(parse_qsl(split.query, keep_blank_values=True)),
            form=tuple(decode_body(body, content_type)),
            headers=dict(headers),
            base_url=base_url,
        )

    def first(self, name: str) -> str | None:
        """The first value of ``name`` in the query, then the form (repeated tokens: the first wins)."""
        for key, value in self.query:
            if key == name:
                return value
        for key, value in self.form:
            if key == name:
                return value
        return None

    def params(self) -> dict[str, str]:
        """Query and form merged, first occurrence of each name kept."""
        merged: dict[str, str] = {}
        for key, value in (*self.query, *self.form):
            merged.setdefault(key, value)
        return merged


@dataclass
class GraphResponse:
    """Status, headers and a JSON-able body; ``drop`` asks the skin to cut the connection instead."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False

    def text(self) -> str:
        """The body as Graph sends it: compact JSON."""
        return json.dumps(self.body, separators=(",", ":"))


class GraphError(Exception):
    """An error the sandbox answers in Meta's JSON shape, with the HTTP status Graph uses for it."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        status: int = 400,
        subcode: int | None = None,
        type_: str = "OAuthException",
        transient: bool | None = None,
        user_title: str | None = None,
        user_msg: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.subcode = subcode
        self.type = type_
        self.transient = transient
        self.user_title = user_title
        self.user_msg = user_msg
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def body(self) -> dict[str, Any]:
        """``{"error": {...}}`` exactly as Graph shapes it, with a fresh ``fbtrace_id``."""
        error: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.transient is not None:
            error["is_transient"] = self.transient
        if self.user_title is not None:
            error["error_user_title"] = self.user_title
        if self.user_msg is not None:
            error["error_user_msg"] = self.user_msg
        error.update(self.extra)
        error["fbtrace_id"] = "A" + secrets.token_urlsafe(15)
        return {"error": error}

    def response(self) -> GraphResponse:
        """This error as a response."""
        return GraphResponse(self.status, self.body(), dict(self.headers))


def decode_body(raw: bytes, content_type: str) -> list[tuple[str, str]]:
    """A POST body as form pairs: url-encoded (the SDK) or a JSON object (scripts using ``json=``).

    JSON values that are not strings are re-encoded as JSON text, the form the SDK would have sent them in.
    Multipart bodies (file uploads) carry nothing the sandbox serves and decode to no pairs.
    """
    if not raw or "multipart/form-data" in content_type:
        return []
    text = raw.decode("utf-8", "replace")
    if "application/json" in content_type:
        try:
            decoded = json.loads(text)
        except ValueError:
            raise invalid_parameter("The request body is not valid JSON") from None
        if not isinstance(decoded, dict):
            raise invalid_parameter("A JSON request body must be an object of parameters")
        return [(str(k), v if isinstance(v, str) else json.dumps(v)) for k, v in decoded.items()]
    return parse_qsl(text, keep_blank_values=True)


def invalid_parameter(message: str, *, subcode: int | None = None) -> GraphError:
    """Error #100, Graph's answer to a malformed or out-of-range parameter."""
    return GraphError(100, f"(#100) {message}", subcode=subcode, type_="OAuthException")


def unknown_object(object_id: str) -> GraphError:
    """Error 100/33: the id names nothing this token can see."""
    return GraphError(
        100,
        f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be loaded "
        "due to missing permissions, or does not support this operation.",
        subcode=33,
        type_="GraphMethodException",
    )


def unsupported(method: str, path: str) -> GraphError:
    """Error #100 for a path or method Graph does not serve."""
    return GraphError(
        100, f"Unsupported {method.lower()} request: {path}", type_="GraphMethodException"
    )
