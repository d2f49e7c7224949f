"""The Graph API object of a fleet worker: every call first draws from the shared app budget.

A subclass of the client's :class:`~optimizer.meta.api.CountingApi`, so counting and usage headers stay
where they are; this adds the draw before each call and, when Meta answers an app-level throttle (code 4)
anyway, pauses the whole fleet until the regain time the answer announces.
"""

from __future__ import annotations

from typing import Any

from facebook_business.api import FacebookResponse
from facebook_business.exceptions import FacebookRequestError
from facebook_business.session import FacebookSession

from optimizer.config import Settings
from optimizer.errors import InputError
from optimizer.fleet.budget import RateBudget
from optimizer.meta.api import META_GRAPH_URL, CountingApi
from optimizer.meta.connect import SANDBOX_TOKEN
from optimizer.meta.failures import regain_seconds

APP_THROTTLE = 4
#: Pause after an app-level throttle that announces no regain time (seconds of API time).
DEFAULT_APP_PAUSE = 60.0


def calls_in(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    """What one SDK call costs against the app limit: a batch counts each of its requests, as Meta does."""
    params = kwargs.get("params", args[2] if len(args) > 2 else None)
    batch = params.get("batch") if isinstance(params, dict) else None
    return max(1, len(batch)) if isinstance(batch, list) else 1


class MeteredApi(CountingApi):
    """A CountingApi that asks ``budget`` before every call; ``budget_waited`` sums the waits."""

    def __init__(
        self, session: FacebookSession, budget: RateBudget, api_version: str | None = None
    ) -> None:
        super().__init__(session, api_version=api_version)
        self.budget = budget
        self.budget_waited = 0.0
        self.app_throttles = 0

    def call(self, *args: Any, **kwargs: Any) -> FacebookResponse:
        self.budget_waited += self.budget.acquire(calls_in(args, kwargs))
        try:
            return super().call(*args, **kwargs)
        except FacebookRequestError as exc:
            if exc.api_error_code() == APP_THROTTLE:
                self.app_throttles += 1
                self.budget.pause(regain_seconds(exc) or DEFAULT_APP_PAUSE)
            raise


def metered_api(settings: Settings, budget: RateBudget, timeout: float = 60.0) -> MeteredApi:
    """The API object :func:`optimizer.meta.connect.connect` would make, drawing from ``budget``."""
    if settings.sandbox_url is None and settings.access_token is None:
        raise InputError(
            "no access token on this worker: set META_ACCESS_TOKEN in the workers' environment, "
            "or pass --sandbox URL"
        )
    token = settings.access_token.get_secret_value() if settings.access_token else SANDBOX_TOKEN
    secret = settings.app_secret.get_secret_value() if settings.app_secret else None
    session = FacebookSession(access_token=token, app_secret=secret, timeout=timeout)
    session.GRAPH = (settings.sandbox_url or META_GRAPH_URL).rstrip("/")
    return MeteredApi(session, budget, api_version=settings.api_version)
