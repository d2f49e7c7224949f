"""``tune``: seeded, never worse than the defaults, persisted beside the app database and resumable."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest

from budgets import BudgetPolicy
from optimizer.backtest import Knobs
from optimizer.errors import InputError
from optimizer.models import ModelConfig
from optimizer.store.optuna import optuna_storage_url
from optimizer.tuning import (
    RollingOrigin,
    SandboxLoop,
    apply_knobs,
    default_params,
    knobs_from_params,
    read_tuned,
    rolling_origin_error,
    tune,
    tuned_path,
    write_tuned,
)


def test_sandbox_tune_beats_or_equals_the_defaults_and_resumes(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'app.db'}"
    loop = SandboxLoop(days=3, adsets=8, history_days=30)
    first = tune(loop, trials=3, db_url=db, study_name="t", seed=3)
    assert first.trials == 3
    assert first.default_value is not None
    assert first.best_value >= first.default_value
    # the defaults were really scored: the same knobs give the same value again
    assert loop(knobs_from_params(default_params(policy_knobs=True))) == first.default_value
    assert loop(first.knobs) == pytest.approx(first.best_value)
    assert (tmp_path / "app.optuna.db").exists()
    again = tune(loop, trials=2, db_url=db, study_name="t", seed=3)
    assert again.trials == 5
    assert again.best_value >= first.best_value
    assert again.default_value == first.default_value
    stored = optuna.load_study(study_name="t", storage=optuna_storage_url(db))
    assert len(stored.trials) == 5


def _account(days: int = 70, n: int = 6, seed: int = 0) -> pd.DataFrame:
    """Noise-free conversions on power curves: a perfect forecaster scores zero."""
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(n):
        rate, b = 0.05 * (1 + a / 4), 0.6 + 0.04 * a
        for d in range(days):
            spend = 100.0 * np.exp(rng.normal(0, 0.2))
            conv = rate * 100.0 * (spend / 100.0) ** b
            rows.append(
                {"date": date(2026, 1, 1) + timedelta(days=d), "adset_id": f"a{a}",
                 "campaign_id": "c", "spend": spend, "impressions": 400.0 * spend**b,
                 "clicks": 0.0, "conversions": conv, "revenue": conv * 40}
            )  # fmt: skip
    return pd.DataFrame(rows)


def test_rolling_origin_scores_forecasts_against_what_happened() -> None:
    history = _account()
    assert rolling_origin_error(history, ModelConfig()) < 0.05
    broken = history.copy()
    late = broken["date"] >= date(2026, 2, 10)
    broken.loc[late, "conversions"] *= 2.0  # performance doubles: the past mispredicts it
    assert rolling_origin_error(broken, ModelConfig()) > 0.2
    assert np.isnan(rolling_origin_error(history.iloc[:0], ModelConfig()))


def test_account_tune_minimises_forecast_error(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'app.db'}"
    result = tune(
        RollingOrigin(_account(), windows=2), trials=2, db_url=db, study_name="acc",
        policy_knobs=False,
    )  # fmt: skip
    assert result.default_value is not None
    assert result.best_value <= result.default_value
    assert set(result.best_params) == {"prior_strength", "half_life_days", "elasticity_prior"}
    with pytest.raises(InputError, match="minimizes"):
        tune(SandboxLoop(days=1, adsets=8, history_days=30), trials=1, db_url=db, study_name="acc")


def test_tuned_file_round_trips_and_applies_to_a_policy(tmp_path: Path) -> None:
    knobs = knobs_from_params(
        {"prior_strength": 0.8, "half_life_days": 14.0, "elasticity_prior": 0.7,
         "exploration_share": 0.05, "risk_quantile": 0.3}
    )  # fmt: skip
    assert knobs.risk == "quantile" and knobs.risk_quantile == 0.3
    path = tuned_path(tmp_path / "policy.toml")
    assert path.name == "policy.tuned.toml"
    write_tuned(path, knobs, {"name": "t", "objective": "sandbox", "value": 0.93})
    assert read_tuned(path) == knobs
    policy = apply_knobs(BudgetPolicy(currency="USD", total_daily_budget=100), knobs)
    assert (policy.exploration_share, policy.risk, policy.risk_quantile) == (0.05, "quantile", 0.3)
    assert Knobs() == knobs_from_params(default_params(policy_knobs=True))
    path.write_text("[model]\nprior_strength = 'x'\n")
    with pytest.raises(InputError, match="policy.tuned.toml"):
        read_tuned(path)
