"""A live experiment's arms own their budgets: the nightly allocation must not move them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import optuna

from experiments.runner import create_experiment, stop_experiment
from experiments.spec import ExperimentSpec, parse_arms
from experiments.stats.decision import DecisionPolicy
from optimizer.config import Settings
from optimizer.meta.connect import connect
from optimizer.nightly import run_nightly
from optimizer.sandbox.market import MarketConfig
from optimizer.store import Store
from optimizer.sync.run import sync_account


def test_nightly_excludes_live_experiment_arms_then_takes_them_back(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    sandbox = sandbox_factory(
        MarketConfig(seed=4, campaigns=2, adsets=6, ads_per_adset=1, history_days=30)
    )
    client = connect(Settings(), sandbox.url)
    with Store(f"sqlite:///{tmp_path / 'app.db'}") as store:
        today = sandbox.market.today
        spec = ExperimentSpec(
            name="CTA test",
            arms=parse_arms("SHOP_NOW:spring,LEARN_MORE:spring"),
            control="SHOP_NOW:spring",
            metric="ctr",
            daily_budget=Decimal("100.00"),
            policy=DecisionPolicy(min_runtime_days=5, min_units_per_arm=5000, max_runtime_days=21),
            seed=1,
        )
        storage = optuna.storages.InMemoryStorage()
        experiment_id = create_experiment(
            store, client, sandbox.account_id, spec, today=today, storage=storage
        )
        held = store.experiment_object_ids(sandbox.account_id)
        assert len(held) == 4  # two arms: an ad set and a campaign each

        sandbox.market.advance(1)
        sync_account(client, store, sandbox.account_id, today=sandbox.market.today)
        report = run_nightly(
            client, store, sandbox.account_id, as_of=sandbox.market.today, sync=False
        )
        moved = {r["object_id"] for r in report.rows if r["status"] not in ("unchanged", "skipped")}
        assert moved, "the other ad sets still get recommendations"
        assert not moved & held
        arms = [r for r in report.rows if r["object_id"] in held]
        assert arms and all("excluded by the policy" in r["reason"] for r in arms)

        stop_experiment(store, client, experiment_id, today=sandbox.market.today, storage=storage)
        assert store.experiment_object_ids(sandbox.account_id) == set()
        assert today + timedelta(days=1) == sandbox.market.today
