"""Optuna design: separate storage, launch order, proposals without repeats, outcomes told, determinism."""

from __future__ import annotations

import uuid
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState
from sqlalchemy import create_engine, inspect

from experiments.design import ArmDesign, optuna_storage, optuna_storage_url, posterior_mean
from experiments.spec import Arm
from experiments.stats.models import MeanStats, ProportionStats
from optimizer.store import Store

CREATIVES = ("photo", "video", "carousel")
CTAS = ("SHOP_NOW", "LEARN_MORE", "BUY_NOW")


def _design(seed: int = 3) -> ArmDesign:
    """Design logic does not depend on the storage: in memory keeps these tests fast."""
    return ArmDesign(optuna.storages.InMemoryStorage(), "exp-1", CREATIVES, CTAS, seed=seed)


def test_sqlite_storage_is_a_sibling_file_apart_from_the_app_tables(tmp_path: Path) -> None:
    app_url = f"sqlite:///{tmp_path / 'app.db'}"
    assert optuna_storage_url(app_url) == f"sqlite:///{tmp_path / 'app.optuna.db'}"
    store = Store(app_url)
    design = ArmDesign(optuna_storage(app_url), "exp-x", CREATIVES, CTAS)
    design.launch([Arm("SHOP_NOW", "photo")])
    app_tables = set(inspect(store.engine).get_table_names())
    store.close()
    optuna_tables = set(inspect(create_engine(optuna_storage_url(app_url))).get_table_names())
    assert "experiments" in app_tables and "alembic_version" not in app_tables
    assert {"studies", "trials", "alembic_version"} <= optuna_tables


def test_postgres_url_keeps_the_database_and_uses_the_optuna_schema() -> None:
    url = "postgresql+psycopg://u:p@db:5432/adpilot"
    assert optuna_storage_url(url) == url


def test_launch_gives_trials_in_arm_order_with_their_params() -> None:
    design = _design()
    arms = [Arm("SHOP_NOW", "photo"), Arm("LEARN_MORE", "photo"), Arm("BUY_NOW", "video")]
    trials = design.launch(arms)
    assert [t.number for t in trials] == [0, 1, 2]
    frozen = design.study.get_trials()
    assert [(t.params["cta"], t.params["creative"]) for t in frozen] == [
        ("SHOP_NOW", "photo"),
        ("LEARN_MORE", "photo"),
        ("BUY_NOW", "video"),
    ]
    assert all(t.state == TrialState.RUNNING for t in frozen)


def test_proposals_never_repeat_and_stop_when_the_space_is_used_up() -> None:
    design = _design()
    design.launch([Arm("SHOP_NOW", "photo"), Arm("LEARN_MORE", "photo")])
    proposed = design.propose(20)
    names = [t.arm.name for t in proposed]
    assert len(names) == len(set(names)) == 9 - 2
    assert "SHOP_NOW:photo" not in names
    assert design.propose(1) == []
    live = [t for t in design.study.get_trials() if t.state == TrialState.RUNNING]
    assert len(live) == 9
    # duplicates the sampler asked for were told FAIL and carry what they duplicated
    for trial in design.study.get_trials(states=(TrialState.FAIL,)):
        assert trial.user_attrs["duplicate_of"] in {t.user_attrs["arm"] for t in live}


def test_proposals_are_deterministic_for_a_seed() -> None:
    first = _design(seed=11)
    second = _design(seed=11)
    for design in (first, second):
        design.launch([Arm("SHOP_NOW", "photo"), Arm("LEARN_MORE", "video")])
        design.complete(0, 0.02)
        design.complete(1, 0.01)
    assert [t.arm for t in first.propose(3)] == [t.arm for t in second.propose(3)]


def test_outcomes_are_told_complete_pruned_failed_and_survive_reloading(tmp_path: Path) -> None:
    storage = optuna_storage(f"sqlite:///{tmp_path / 'app.db'}")
    design = ArmDesign(storage, "exp-told", CREATIVES, CTAS)
    trials = design.launch([Arm("SHOP_NOW", "photo"), Arm("LEARN_MORE", "photo")])
    (extra,) = design.propose(1)
    design.complete(trials[0].number, 0.031)
    design.prune(trials[1].number)
    design.fail(extra.number)
    design.complete(trials[0].number, 0.5)  # already finished: ignored, not an error
    reloaded = optuna.storages.RDBStorage(optuna_storage_url(f"sqlite:///{tmp_path / 'app.db'}"))
    again = ArmDesign(reloaded, "exp-told", CREATIVES, CTAS)  # as another process would load it
    states = again.states()
    assert states[trials[0].number] == TrialState.COMPLETE
    assert states[trials[1].number] == TrialState.PRUNED
    assert states[extra.number] == TrialState.FAIL
    assert again.study.best_trial.value == pytest.approx(0.031)
    assert again.study.best_trial.params == {"creative": "photo", "cta": "SHOP_NOW"}


def test_minimising_study_for_inverse_metrics() -> None:
    storage = optuna.storages.InMemoryStorage()
    design = ArmDesign(storage, "cpa", CREATIVES, CTAS, maximize=False)
    trials = design.launch([Arm("SHOP_NOW", "photo"), Arm("BUY_NOW", "photo")])
    design.complete(trials[0].number, 30.0)
    design.complete(trials[1].number, 20.0)
    assert design.study.best_trial.params["cta"] == "BUY_NOW"


def test_posterior_mean_is_the_beta_mean_for_proportions() -> None:
    assert posterior_mean(ProportionStats(100, 9)) == pytest.approx(10 / 102)
    assert posterior_mean(MeanStats(4, 10.0, 30.0)) == pytest.approx(2.5)


@pytest.mark.postgres
def test_postgres_studies_live_in_their_own_schema(pg_session_url: str) -> None:
    store = Store(pg_session_url)
    storage = optuna_storage(pg_session_url)
    design = ArmDesign(storage, f"exp-pg-{uuid.uuid4().hex}", CREATIVES, CTAS)
    (trial,) = design.launch([Arm("SHOP_NOW", "photo")])
    design.complete(trial.number, 0.02)
    inspector = inspect(store.engine)
    public = set(inspector.get_table_names())
    optuna_tables = set(inspector.get_table_names(schema="optuna"))
    store.close()
    assert "experiments" in public and "alembic_version" not in public and "trials" not in public
    assert {"studies", "trials", "alembic_version"} <= optuna_tables
    assert design.study.best_trial.value == pytest.approx(0.02)
