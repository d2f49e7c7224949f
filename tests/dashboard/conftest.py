"""Dashboard fixtures: a store synced from a small sandbox, copied per test, and caches cleared."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from optimizer.sandbox.market import MarketConfig
from optimizer.store import Store
from optimizer.sync.run import sync_account
from tests.conftest import RunningSandbox
from tests.optimizer.sync.test_sync_sandbox import client_for

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
#: Small but complete: a CBO campaign, ad-set budgets, bid caps, 45 days.
SMALL = {"seed": 11, "campaigns": 2, "adsets": 6, "ads_per_adset": 1, "history_days": 45}


def sync_into(sandbox: RunningSandbox, url: str) -> None:
    with Store(url) as store:
        sync_account(client_for(sandbox), store, sandbox.account_id, today=sandbox.market.today)


def run_experiment(sandbox: RunningSandbox, url: str, days: int = 4) -> int:
    """A 3-arm CTA experiment launched in the sandbox and stepped ``days`` simulated days."""
    import optuna
    import requests

    from experiments.runner import create_experiment, step
    from experiments.spec import ExperimentSpec, parse_arms
    from experiments.stats.decision import DecisionPolicy

    spec = ExperimentSpec(
        name="Which CTA sells the summer photo",
        arms=parse_arms("SHOP_NOW:summer,LEARN_MORE:summer,BUY_NOW:summer"),
        control="SHOP_NOW:summer",
        metric="ctr",
        daily_budget=Decimal("300.00"),
        policy=DecisionPolicy(min_runtime_days=3, min_units_per_arm=2000, max_runtime_days=10),
        seed=1,
    )
    storage = optuna.storages.InMemoryStorage()
    client = client_for(sandbox)
    with Store(url) as store:
        experiment_id = create_experiment(
            store, client, sandbox.account_id, spec, today=sandbox.market.today, storage=storage
        )
        for _ in range(days):
            answer = requests.post(f"{sandbox.url}/_sandbox/advance", data={"days": 1}, timeout=30)
            answer.raise_for_status()
            if step(
                store, client, experiment_id, today=sandbox.market.today, storage=storage
            ).concluded:
                break
    return experiment_id


@pytest.fixture(scope="session")
def synced_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file synced once per session from a small sandbox (which is stopped afterwards)."""
    path = tmp_path_factory.mktemp("dashboard") / "synced.db"
    sandbox = RunningSandbox(MarketConfig(**SMALL))  # type: ignore[arg-type]
    try:
        sync_into(sandbox, f"sqlite:///{path}")
        run_experiment(sandbox, f"sqlite:///{path}")
    finally:
        sandbox.close()
    return path


@pytest.fixture
def synced_url(synced_file: Path, tmp_path: Path) -> str:
    """A private copy of the synced database: a test may write to it."""
    copy = tmp_path / "adpilot.db"
    shutil.copy(synced_file, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(
        'currency = "USD"\nobjective = "revenue"\nmin_budget = 5.0\nmax_daily_change = 0.2\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture(autouse=True)
def _fresh_streamlit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Streamlit's caches outlive an AppTest (streamlit#9139); the environment must not leak in."""
    import streamlit as st

    for name in (
        "ADPILOT_DB",
        "ADPILOT_SANDBOX_URL",
        "ADPILOT_POLICY",
        "ADPILOT_DASHBOARD_PASSWORD",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ADPILOT_CONFIG", "/nonexistent/adpilot-config.toml")
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
