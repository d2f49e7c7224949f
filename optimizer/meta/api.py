"""Building the SDK's API object for Meta or the sandbox, and counting what it costs.

``CountingApi`` subclasses the SDK's ``FacebookAdsApi`` (the pattern Airbyte's connector uses) to count
HTTP calls and read the usage headers of every response, including error responses. The base URL is set
on this API's own session, so several accounts, tests or sandboxes never share a global ``GRAPH``.
"""

from __future__ import annotations

import warnings
from typing import Any

from facebook_business.api import FacebookAdsApi, FacebookResponse
from facebook_business.exceptions import FacebookRequestError
from facebook_business.session import FacebookSession

from optimizer.meta.usage import Usage, parse_usage

# The SDK's type checker cannot check a list of enum values and warns on every correct call.
warnings.filterwarnings(
    "ignore", message=r"value of effective_status might not be compatible", category=UserWarning
)

META_GRAPH_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v26.0"


class CountingApi(FacebookAdsApi):  # type: ignore[misc]
    """A FacebookAdsApi that counts HTTP calls and remembers the latest usage figures."""

    def __init__(self, session: FacebookSession, api_version: str | None = None) -> None:
        super().__init__(session, api_version=api_version)
        self.http_calls = 0
        self.usage = Usage()

    def call(self, *args: Any, **kwargs: Any) -> FacebookResponse:
        self.http_calls += 1
        try:
            response = super().call(*args, **kwargs)
        except FacebookRequestError as exc:
            self.usage = parse_usage(exc.http_headers() or {})
            raise
        self.usage = parse_usage(response.headers() or {})
        return response


def make_api(
    access_token: str,
    *,
    base_url: str = META_GRAPH_URL,
    app_secret: str | None = None,
    api_version: str = DEFAULT_API_VERSION,
    timeout: float = 60.0,
) -> CountingApi:
    """An API object bound to ``base_url`` (Meta, or a sandbox's ``http://127.0.0.1:PORT``)."""
    session = FacebookSession(access_token=access_token, app_secret=app_secret, timeout=timeout)
    session.GRAPH = base_url.rstrip("/")
    return CountingApi(session, api_version=api_version)
