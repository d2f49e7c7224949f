"""Experiments run against the Graph API sandbox: arms as real ads, daily steps, conclusion, stop, failures."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import optuna
import pytest
import requests
from optuna.trial import TrialState

from experiments.design import ArmDesign
from experiments.runner import (
    create_experiment,
    load_evaluation,
    step,
    stop_experiment,
)
from experiments.spec import ExperimentSpec, parse_arms
from experiments.stats.decision import DecisionPolicy, Status
from optimizer.config import Settings
from optimizer.errors import InputError, MetaApiError
from optimizer.meta.client import MetaClient
from optimizer.meta.connect import connect
from optimizer.sandbox.market import MarketConfig
from optimizer.store import Store
from optimizer.store.experiments import Experiment, ExperimentArm

MARKET = MarketConfig(
    seed=25, campaigns=1, adsets=2, ads_per_adset=1, history_days=3, cbo_campaigns=0
)


@dataclass
class Lab:
    sandbox: Any
    client: MetaClient
    store: Store
    storage: optuna.storages.BaseStorage

    @property
    def today(self) -> date:
        return self.sandbox.market.today  # type: ignore[no-any-return]

    def next_day(self) -> date:
        """The market simulates today; the sandbox moves its clock a day with it (budget-change limits roll over)."""
        answer = requests.post(f"{self.sandbox.url}/_sandbox/advance", data={"days": 1}, timeout=30)
        answer.raise_for_status()
        return self.today


@pytest.fixture
def lab(sandbox_factory: Any, tmp_path: Path) -> Iterator[Lab]:
    sandbox = sandbox_factory(MARKET)
    store = Store(f"sqlite:///{tmp_path / 'app.db'}")
    try:
        yield Lab(
            sandbox, connect(Settings(), sandbox.url), store, optuna.storages.InMemoryStorage()
        )
    finally:
        store.close()


def _spec(**changes: Any) -> ExperimentSpec:
    fields: dict[str, Any] = {
        "name": "Which CTA sells the summer photo",
        "arms": parse_arms("SHOP_NOW:summer,LEARN_MORE:summer,BUY_NOW:summer,ORDER_NOW:summer"),
        "control": "SHOP_NOW:summer",
        "metric": "ctr",
        "daily_budget": Decimal("400.00"),
        "policy": DecisionPolicy(min_runtime_days=5, min_units_per_arm=5000, max_runtime_days=21),
        "seed": 1,
    }
    fields.update(changes)
    return ExperimentSpec(**fields)


def _arms(lab: Lab, experiment_id: int) -> dict[str, ExperimentArm]:
    with lab.store.transaction() as session:
        rows = session.query(ExperimentArm).filter_by(experiment_id=experiment_id).all()
    return {r.name: r for r in rows}


def test_create_launches_one_campaign_adset_creative_and_ad_per_arm(lab: Lab) -> None:
    spec = _spec()
    experiment_id = create_experiment(
        lab.store, lab.client, lab.sandbox.account_id, spec, today=lab.today, storage=lab.storage
    )
    market = lab.sandbox.market
    arms = _arms(lab, experiment_id)
    assert list(arms) == [a.name for a in spec.arms]
    for name, arm in arms.items():
        adset = market.adsets[arm.adset_id]
        ad = market.ads[arm.ad_id]
        creative = market.creatives[arm.creative_id]
        assert adset.campaign_id == arm.campaign_id and ad.adset_id == arm.adset_id
        assert adset.daily_budget == 10_000 == arm.daily_budget  # $400 split four ways, in cents
        assert market.campaigns[arm.campaign_id].daily_budget is None  # the ad set holds the budget
        assert creative.call_to_action_type == name.split(":")[0]
        assert arm.status == "live" and arm.launched_on == lab.today
        assert arm.is_control == (name == "SHOP_NOW:summer")
    with lab.store.transaction() as session:
        experiment = session.get(Experiment, experiment_id)
        assert experiment is not None
        assert experiment.status == "running" and experiment.currency == "USD"
        assert ExperimentSpec.from_json(experiment.spec) == spec
        study = experiment.study_name
    design = ArmDesign(lab.storage, study, spec.creatives, spec.ctas)
    trials = design.study.get_trials()
    assert [t.params["cta"] for t in trials] == ["SHOP_NOW", "LEARN_MORE", "BUY_NOW", "ORDER_NOW"]
    assert sorted(a.trial_number for a in arms.values()) == [0, 1, 2, 3]  # type: ignore[type-var]


def test_refused_launch_pauses_what_was_created_and_keeps_the_record(lab: Lab) -> None:
    spec = _spec(daily_budget=Decimal("2.00"))  # 50 cents per arm: below the sandbox's minimum
    with pytest.raises(MetaApiError):
        create_experiment(
            lab.store,
            lab.client,
            lab.sandbox.account_id,
            spec,
            today=lab.today,
            storage=lab.storage,
        )
    with lab.store.transaction() as session:
        (experiment,) = session.query(Experiment).all()
        assert experiment.status == "failed" and experiment.error
        arms = session.query(ExperimentArm).all()
        assert len(arms) == 4 and {a.status for a in arms} == {"failed"}
        campaigns = [a.campaign_id for a in arms if a.campaign_id]
        study = experiment.study_name
    for campaign in campaigns:
        assert lab.sandbox.market.campaigns[campaign].status == "PAUSED"
    states = ArmDesign(lab.storage, study, spec.creatives, spec.ctas).states()
    assert set(states.values()) == {TrialState.FAIL}


def test_steps_reweight_budgets_then_conclude_on_the_true_best_arm(lab: Lab) -> None:
    spec = _spec()
    start = lab.today
    experiment_id = create_experiment(
        lab.store, lab.client, lab.sandbox.account_id, spec, today=start, storage=lab.storage
    )
    arms = _arms(lab, experiment_id)
    truth = lab.sandbox.market.truth
    true_ctr = {name: truth.ad_rates(arm.ad_id, start)["ctr"] for name, arm in arms.items()}
    best = max(true_ctr, key=lambda n: true_ctr[n])

    results = []
    for _ in range(int(spec.policy.max_runtime_days)):
        result = step(
            lab.store, lab.client, experiment_id, today=lab.next_day(), storage=lab.storage
        )
        results.append(result)
        assert not result.errors
        if result.concluded:
            break
    final = results[-1]
    assert final.concluded
    decision = final.evaluation.decision
    expected = Status.NO_WINNER if best == spec.control else Status.WINNER
    assert decision.status == expected
    assert decision.winner == (None if best == spec.control else best)
    # budgets followed the traffic shares while the test ran and always summed to the total
    moved = [r for r in results if not r.concluded and len(set(r.budgets.values())) > 1]
    assert moved, "allocation never left the even split"
    for r in moved:
        assert sum(r.budgets.values()) == 40_000
        assert min(r.shares.values()) >= spec.floor - 1e-9
    # top-two Thompson sampling ends up measuring the two truly best arms most
    top_two = set(sorted(true_ctr, key=lambda n: true_ctr[n])[-2:])
    last = moved[-1].shares
    assert set(sorted(last, key=lambda n: last[n])[-2:]) == top_two
    market = lab.sandbox.market
    for name, arm in _arms(lab, experiment_id).items():
        kept = name == (decision.winner or spec.control)
        assert market.campaigns[arm.campaign_id].status == ("ACTIVE" if kept else "PAUSED")
        assert arm.status == "concluded" and arm.told_state == "complete"
    # Optuna's record: every arm complete with its posterior mean; the best trial is the true best
    with lab.store.transaction() as session:
        study = session.get(Experiment, experiment_id).study_name  # type: ignore[union-attr]
    design = ArmDesign(lab.storage, study, spec.creatives, spec.ctas)
    assert {t.state for t in design.study.get_trials()} == {TrialState.COMPLETE}
    assert f"{design.study.best_trial.params['cta']}:summer" == best


def test_stop_pauses_every_arm_and_prunes_the_trials(lab: Lab) -> None:
    spec = _spec()
    experiment_id = create_experiment(
        lab.store, lab.client, lab.sandbox.account_id, spec, today=lab.today, storage=lab.storage
    )
    step(lab.store, lab.client, experiment_id, today=lab.next_day(), storage=lab.storage)
    evaluation = stop_experiment(
        lab.store, lab.client, experiment_id, today=lab.today, storage=lab.storage
    )
    assert evaluation.decision.status == Status.KEEP_RUNNING
    arms = _arms(lab, experiment_id)
    assert {lab.sandbox.market.campaigns[a.campaign_id].status for a in arms.values()} == {"PAUSED"}
    assert {a.status for a in arms.values()} == {"stopped"}
    with lab.store.transaction() as session:
        experiment = session.get(Experiment, experiment_id)
        assert experiment is not None and experiment.status == "stopped"
        study = experiment.study_name
    states = ArmDesign(lab.storage, study, spec.creatives, spec.ctas).states()
    assert set(states.values()) == {TrialState.PRUNED}
    with pytest.raises(InputError, match="stopped"):
        step(lab.store, lab.client, experiment_id, today=lab.today, storage=lab.storage)
    assert load_evaluation(lab.store, experiment_id).totals["SHOP_NOW:summer"].impressions > 0


def test_larger_design_space_retires_hopeless_arms_and_launches_optunas_proposals(
    lab: Lab,
) -> None:
    spec = _spec(
        arms=parse_arms("SHOP_NOW:summer,LEARN_MORE:summer,BUY_NOW:summer"),
        space_creatives=("summer", "city"),
        space_ctas=("SHOP_NOW", "LEARN_MORE", "BUY_NOW", "ORDER_NOW"),
        max_live_arms=3,
        retire_below=0.05,
        floor=0.05,
        policy=DecisionPolicy(min_runtime_days=5, min_units_per_arm=5000, max_runtime_days=8),
    )
    experiment_id = create_experiment(
        lab.store, lab.client, lab.sandbox.account_id, spec, today=lab.today, storage=lab.storage
    )
    retired: list[str] = []
    launched: list[str] = []
    for _ in range(8):
        result = step(
            lab.store, lab.client, experiment_id, today=lab.next_day(), storage=lab.storage
        )
        assert not result.errors
        retired += result.retired
        launched += result.launched
        live = [a for a in _arms(lab, experiment_id).values() if a.status == "live"]
        assert len(live) <= spec.live_arms
        if result.concluded:
            break
    assert retired and launched
    arms = _arms(lab, experiment_id)
    assert len(arms) == 3 + len(launched) and len(set(arms)) == len(arms)  # nothing launched twice
    assert "SHOP_NOW:summer" not in retired  # the control is never retired
    with lab.store.transaction() as session:
        study = session.get(Experiment, experiment_id).study_name  # type: ignore[union-attr]
    design = ArmDesign(lab.storage, study, spec.creatives, spec.ctas)
    trials = {t.number: t for t in design.study.get_trials()}
    for name in retired:
        arm = arms[name]
        trial = trials[arm.trial_number]  # type: ignore[index]
        assert trial.state == TrialState.COMPLETE and trial.value == arm.told_value
        assert lab.sandbox.market.campaigns[arm.campaign_id].status == "PAUSED"
    for name in launched:
        arm = arms[name]
        assert trials[arm.trial_number].params == {"creative": arm.creative, "cta": arm.cta}  # type: ignore[index]
        assert lab.sandbox.market.ads[arm.ad_id].adset_id == arm.adset_id


def test_capped_budget_steps_stay_clear_of_significant_edits(lab: Lab) -> None:
    spec = _spec(metric="ctr", max_budget_change=0.2)
    experiment_id = create_experiment(
        lab.store, lab.client, lab.sandbox.account_id, spec, today=lab.today, storage=lab.storage
    )
    arms = _arms(lab, experiment_id)
    seen: dict[str, list[int]] = {name: [arm.daily_budget] for name, arm in arms.items()}
    for _ in range(int(spec.policy.max_runtime_days)):
        result = step(
            lab.store, lab.client, experiment_id, today=lab.next_day(), storage=lab.storage
        )
        assert not result.errors
        if result.concluded:
            break
        assert sum(result.budgets.values()) == 40_000
        for name, budget in result.budgets.items():
            seen[name].append(budget)
            assert lab.sandbox.market.adsets[arms[name].adset_id].daily_budget == budget
    assert result.concluded and result.evaluation.decision.winner == "LEARN_MORE:summer"
    for name, budgets in seen.items():
        steps = [b / a - 1 for a, b in zip(budgets, budgets[1:], strict=False)]
        assert all(abs(s) <= 0.2 for s in steps), (name, budgets)
    assert max(seen["LEARN_MORE:summer"]) > 10_000 * 1.2  # it still moved, over several nights


def test_control_share_keeps_the_control_measured(lab: Lab) -> None:
    spec = _spec(control_share=0.25)
    experiment_id = create_experiment(
        lab.store, lab.client, lab.sandbox.account_id, spec, today=lab.today, storage=lab.storage
    )
    for _ in range(3):
        result = step(
            lab.store, lab.client, experiment_id, today=lab.next_day(), storage=lab.storage
        )
        assert result.shares["SHOP_NOW:summer"] >= 0.25 - 1e-12
        assert sum(result.budgets.values()) == 40_000
    assert result.budgets["SHOP_NOW:summer"] == 10_000  # the poor control is held at 25%


def test_arms_on_an_existing_creative_reuse_its_text_and_link(lab: Lab) -> None:
    market = lab.sandbox.market
    source = next(iter(market.creatives.values()))
    spec = _spec(
        arms=parse_arms(f"SHOP_NOW:{source.id},BUY_NOW:{source.id}"),
        control=f"SHOP_NOW:{source.id}",
    )
    experiment_id = create_experiment(
        lab.store, lab.client, lab.sandbox.account_id, spec, today=lab.today, storage=lab.storage
    )
    for name, arm in _arms(lab, experiment_id).items():
        made = market.creatives[arm.creative_id]
        assert made.id != source.id and made.call_to_action_type == name.split(":")[0]
        assert (made.title, made.body, made.link_url) == (
            source.title,
            source.body,
            source.link_url,
        )
