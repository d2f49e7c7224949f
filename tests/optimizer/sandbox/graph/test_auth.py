"""Version routing, tokens and appsecret_proof."""

from __future__ import annotations

import pytest

from optimizer.sandbox.graph.auth import appsecret_proof, authenticate, check_version, split_path
from optimizer.sandbox.graph.wire import GraphError, GraphRequest


def test_proof_matches_the_sdk_reference_value() -> None:
    # marketing-api.md §1.3: secret "shh", token "TOKEN".
    assert (
        appsecret_proof("shh", "TOKEN")
        == "482a915a0df5f74a451c6e5e221f3c3fd8b88f69476b64b22ba506c61438be66"
    )


def test_paths_with_and_without_version_and_trailing_slash() -> None:
    assert split_path("/v26.0/42/") == ("v26.0", ["42"])
    assert split_path("/v21.0/act_1/insights") == ("v21.0", ["act_1", "insights"])
    assert split_path("/act_1/ads/") == ("v26.0", ["act_1", "ads"])
    assert split_path("/v26.0/") == ("v26.0", [])
    check_version("v21.0", (19, 0))
    with pytest.raises(GraphError) as old:
        check_version("v18.0", (19, 0))
    assert old.value.code == 2635


def _request(*pairs: tuple[str, str]) -> GraphRequest:
    return GraphRequest("GET", "/v26.0/me", pairs)


def test_tokens() -> None:
    authenticate(_request(("access_token", "anything")), None, None)
    authenticate(_request(("access_token", "a"), ("access_token", "b")), "a", None)
    for request, fixed in (
        (_request(), None),
        (_request(("access_token", "")), None),
        (_request(("access_token", "b")), "a"),
    ):
        with pytest.raises(GraphError) as caught:
            authenticate(request, fixed, None)
        assert (caught.value.code, caught.value.status, caught.value.type) == (
            190,
            400,
            "OAuthException",
        )
    proof = appsecret_proof("s", "t")
    authenticate(_request(("access_token", "t"), ("appsecret_proof", proof)), None, "s")
    with pytest.raises(GraphError, match="appsecret_proof"):
        authenticate(_request(("access_token", "t")), None, "s")
    with pytest.raises(GraphError, match="Invalid appsecret_proof"):
        authenticate(_request(("access_token", "t"), ("appsecret_proof", "0" * 64)), None, "s")
