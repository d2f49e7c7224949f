"""Fixtures: a small seeded market served over real HTTP (port 0) and the SDK pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from facebook_business.api import FacebookAdsApi
from facebook_business.session import FacebookSession

from optimizer.sandbox.graph import GraphApp, ManualClock, Quotas, SandboxConfig, SandboxServer
from optimizer.sandbox.graph.faults import FaultSpec
from optimizer.sandbox.market import Market, MarketConfig

TOKEN = "SANDBOX-TOKEN"
START = date(2026, 1, 5)  # a Monday; with 35 days of history "today" is Monday 2026-02-09


def small_market(seed: int = 11, days: int = 35) -> Market:
    """3 campaigns, 8 ad sets, 16 ads, a month of history: big enough for paging, fast to build."""
    return Market(
        MarketConfig(
            seed=seed, campaigns=3, adsets=8, ads_per_adset=2, history_days=days, start_date=START
        )
    )


@dataclass
class Sandbox:
    app: GraphApp
    url: str
    clock: ManualClock

    @property
    def market(self) -> Market:
        return self.app.market

    @property
    def account_id(self) -> str:
        return next(iter(self.market.accounts))


def start(
    faults: str | None = None,
    quotas: Quotas | None = None,
    *,
    app_secret: str | None = None,
    token: str | None = None,
    max_sync_rows: int = 50_000,
    oversize_code: int = 1,
) -> tuple[Sandbox, SandboxServer]:
    clock = ManualClock()
    config = SandboxConfig(
        token=token,
        app_secret=app_secret,
        faults=FaultSpec.parse(faults),
        quotas=quotas or Quotas(),
        max_sync_rows=max_sync_rows,
        oversize_code=oversize_code,
    )
    app = GraphApp(small_market(), config, clock)
    server = SandboxServer(app)
    url = server.start()
    return Sandbox(app, url, clock), server


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box, server = start()
    try:
        yield box
    finally:
        server.stop()


@pytest.fixture
def sdk() -> Iterator[None]:
    """Point the SDK's class-level GRAPH at a sandbox (set by the test via ``use``), restoring it after."""
    original = FacebookSession.GRAPH
    try:
        yield
    finally:
        FacebookSession.GRAPH = original
        FacebookAdsApi.set_default_api(None)


def use(url: str, *, app_secret: str | None = None, token: str = TOKEN) -> FacebookAdsApi:
    """``FacebookSession.GRAPH = url`` and a fresh default API, exactly as a user would configure it."""
    FacebookSession.GRAPH = url
    return FacebookAdsApi.init(
        access_token=token, app_secret=app_secret, crash_log=False, api_version="v26.0"
    )
