"""``adpilot tune --workers N``: trials on several Dask worker processes, one shared study in PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import optuna
import pytest
from typer.testing import CliRunner

from optimizer.backtest import Knobs
from optimizer.cli import app
from optimizer.fleet import dask_client
from optimizer.store.optuna import optuna_storage
from optimizer.tuning import default_params, tune_on_cluster
from tests.conftest import fresh_pg_database


@dataclass(frozen=True)
class Closeness:
    """A cheap objective with a known best: exploration share near 3%."""

    direction: Literal["maximize", "minimize"] = "maximize"

    def __call__(self, knobs: Knobs) -> float:
        return -abs(knobs.exploration_share - 0.03)


@pytest.mark.postgres
def test_trials_run_on_two_workers_into_one_study() -> None:
    with fresh_pg_database() as db_url:  # worker processes share the study through PostgreSQL
        _two_workers(db_url)


def _two_workers(db_url: str) -> None:
    with dask_client(None, 2) as (client, _):
        result = tune_on_cluster(
            Closeness(), client, trials=8, workers=2, db_url=db_url, study_name="fleet-tune", seed=1
        )
        again = tune_on_cluster(
            Closeness(), client, trials=2, workers=2, db_url=db_url, study_name="fleet-tune", seed=1
        )
    study = optuna.load_study(study_name="fleet-tune", storage=optuna_storage(db_url))
    trials = study.get_trials(deepcopy=False)
    assert result.trials == 8 and again.trials == 10 == len(trials)  # resumed, not restarted
    assert len({t.user_attrs["process"] for t in trials}) == 2  # both workers ran trials
    assert trials[0].params == default_params(policy_knobs=True)  # the defaults went first
    assert result.default_value is not None and result.best_value >= result.default_value
    assert again.best_value >= result.best_value


def test_several_workers_refuse_sqlite(tmp_path) -> None:
    result = CliRunner().invoke(
        app,
        ["tune", "--sandbox", "--workers", "2", "--trials", "2", "--db", str(tmp_path / "x.db")],
    )
    assert result.exit_code == 1
    assert "PostgreSQL" in result.output
