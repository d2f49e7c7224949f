"""Who may call: the API version, the access token and, when an app secret is configured, its proof.

Graph reads ``access_token`` from the query (the SDK puts it there even on POSTs) or the form, first value
first; ``appsecret_proof`` is HMAC-SHA256 of the token keyed by the app secret, as the SDK computes it.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from optimizer.sandbox.graph.wire import GraphError, GraphRequest, unsupported

API_VERSION = "v26.0"
_VERSION = re.compile(r"^v(\d+)\.(\d+)$")


def split_path(path: str) -> tuple[str, list[str]]:
    """``/v26.0/act_1/insights/`` -> ``("v26.0", ["act_1", "insights"])``; no version means the current one."""
    segments = [s for s in path.split("/") if s]
    if segments and segments[0].startswith("v") and "." in segments[0]:
        return segments[0], segments[1:]
    return API_VERSION, segments


def check_version(version: str, oldest: tuple[int, int]) -> None:
    """Error 2635 for a version older than ``oldest``, #100 for something that is not a version."""
    match = _VERSION.match(version)
    if match is None:
        raise unsupported("GET", f"/{version}")
    if (int(match.group(1)), int(match.group(2))) < oldest:
        raise GraphError(
            2635,
            f"(#2635) You are calling a deprecated version of the Ads API. Please update to the latest "
            f"version: {API_VERSION}.",
        )


def appsecret_proof(app_secret: str, token: str) -> str:
    """The proof the SDK sends: hex HMAC-SHA256 of the token keyed by the app secret."""
    return hmac.new(app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def authenticate(request: GraphRequest, token: str | None, app_secret: str | None) -> None:
    """190 for a missing or wrong token (any non-empty one passes unless ``token`` fixes it); #100 for a
    missing or wrong ``appsecret_proof`` when ``app_secret`` is set."""
    given = request.first("access_token")
    if not given or (token is not None and not hmac.compare_digest(given, token)):
        raise GraphError(
            190, "Invalid OAuth access token - Cannot parse access token", type_="OAuthException"
        )
    if app_secret:
        proof = request.first("appsecret_proof")
        if not proof:
            raise GraphError(
                100,
                "API calls from the server require an appsecret_proof argument",
                type_="GraphMethodException",
            )
        if not hmac.compare_digest(proof, appsecret_proof(app_secret, given)):
            raise GraphError(
                100,
                "Invalid appsecret_proof provided in the API argument",
                type_="GraphMethodException",
            )
