"""A small synced sandbox account for the applier's tests, and a spy on the market's updates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from optimizer.apply import Change, ObjectType
from optimizer.meta.api import make_api
from optimizer.meta.client import MetaClient
from optimizer.meta.retry import RetryPolicy
from optimizer.sandbox.market import AdSet, Campaign, MarketConfig
from optimizer.store import Store
from optimizer.sync.run import sync_account
from tests.conftest import RunningSandbox

CONFIG = MarketConfig(seed=11, campaigns=3, adsets=12, ads_per_adset=1, history_days=21)


@dataclass
class Account:
    sandbox: RunningSandbox
    client: MetaClient
    store: Store
    #: every (object id, changes) the market was asked to apply, in order
    updates: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def account_id(self) -> str:
        return self.sandbox.account_id

    def budget(self, object_id: str) -> int | None:
        market = self.sandbox.market
        obj = market.adsets.get(object_id) or market.campaigns[object_id]
        return obj.daily_budget

    def set_budget_behind_our_back(self, object_id: str, value: int) -> None:
        """Change a budget at "Meta" without any API call (an edit the test wants to go unnoticed)."""
        market = self.sandbox.market
        obj = market.adsets.get(object_id) or market.campaigns[object_id]
        obj.daily_budget = value

    def budget_updates(self, object_id: str | None = None) -> int:
        return sum(
            1
            for oid, changes in self.updates
            if "daily_budget" in changes and (object_id is None or oid == object_id)
        )

    def raises(self, factor: float, count: int | None = None) -> list[Change]:
        """Budget changes by ``factor`` for the first ``count`` ad sets that hold a daily budget."""
        market = self.sandbox.market
        held: list[AdSet | Campaign] = [
            a for a in market.adsets.values() if a.daily_budget and a.status == "ACTIVE"
        ]
        held += [c for c in market.campaigns.values() if c.daily_budget and c.status == "ACTIVE"]
        held.sort(key=lambda o: o.id)
        changes = []
        for obj in held[:count]:
            kind: ObjectType = "campaign" if obj.id in market.campaigns else "adset"
            before = int(obj.daily_budget or 0)
            changes.append(
                Change(obj.id, kind, "daily_budget", before, round(before * factor), "test")
            )
        return changes


def connect(sandbox: RunningSandbox, **retry: Any) -> MetaClient:
    api = make_api("sandbox-token", base_url=sandbox.url)
    return MetaClient(api, retry=RetryPolicy(sleep=sandbox.clock.advance, **retry))


@pytest.fixture
def account_factory(
    sandbox_factory: type[RunningSandbox], store: Store, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Account]:
    """``account_factory(faults="...")``: a synced sandbox account whose market updates are recorded."""

    def make(faults: str | None = None, config: MarketConfig = CONFIG) -> Account:
        sandbox = sandbox_factory(config)
        client = connect(sandbox)
        sync_account(client, store, sandbox.account_id, today=sandbox.market.today)
        account = Account(sandbox, client, store)
        original = sandbox.market.update

        def spy(object_id: str, changes: Any) -> None:
            account.updates.append((object_id, dict(changes)))
            original(object_id, changes)

        monkeypatch.setattr(sandbox.market, "update", spy)
        if faults:  # after the sync: the faults meet the applier only
            from optimizer.sandbox.graph.faults import FaultInjector, FaultSpec

            sandbox.app.faults = FaultInjector(FaultSpec.parse(faults))
        return account

    return make
