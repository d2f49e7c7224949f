"""Running an experiment on Meta (or the sandbox): launch arms as real ads, pull, analyse, reweight, stop.

Orchestration only (the statistics are in :mod:`experiments.evaluation`, the design in
:mod:`experiments.design`, the split in :mod:`experiments.traffic`):

* :func:`create_experiment`: one campaign and one ad set per arm (its own daily budget, so the budget
  split *is* the traffic split), one creative with the arm's call to action, one ad. The definition and
  the ids are stored; the arms become Optuna trials. If any creation fails, what was created is paused,
  the trials are told FAIL and the experiment is stored as failed with the error (nothing is lost).
* :func:`step` (daily, or from the nightly job): pull the arms' daily insights since the start, evaluate,
  then either conclude (keep the winner or the control running, pause the rest, tell Optuna each arm's
  posterior mean) or reweight budgets with :func:`~experiments.traffic.allocate_traffic` via one batch of
  node updates. With a design space larger than ``max_live_arms``, arms that have become hopeless are
  retired and Optuna's next proposals launched in their place.
* :func:`stop_experiment`: pause every arm and tell Optuna the unfinished arms were pruned.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd
from optuna.storages import BaseStorage
from sqlalchemy import select
from sqlalchemy.orm import Session

from experiments.budgets import limit_changes, protect_control, split_budget
from experiments.design import ArmDesign, optuna_storage, posterior_mean
from experiments.evaluation import ArmInfo, Evaluation, evaluate
from experiments.metrics import DAILY_COLUMNS, metric_def
from experiments.spec import Arm, ExperimentSpec
from experiments.stats.decision import Status
from experiments.stats.delivery import DeliveryDivergence
from experiments.stats.frame import read_arms
from experiments.traffic import allocate_traffic
from optimizer.errors import AdpilotError, InputError, MetaApiError
from optimizer.meta import create
from optimizer.meta.client import CREATIVE_FIELDS, MetaClient, NodeUpdate
from optimizer.meta.reports import DateRange
from optimizer.money import major_to_minor
from optimizer.store import Store
from optimizer.store.experiments import (
    Experiment,
    ExperimentAllocation,
    ExperimentArm,
    ExperimentArmDay,
)
from optimizer.store.writes import table_of
from optimizer.sync.records import account_record, choose_purchase_action, insight_record

__all__ = [
    "LaunchOptions",
    "StepResult",
    "create_experiment",
    "load_evaluation",
    "pull_results",
    "step",
    "step_all",
    "stop_experiment",
]

FINAL = {Status.WINNER, Status.NO_WINNER, Status.INCONCLUSIVE}


@dataclass(frozen=True)
class LaunchOptions:
    """How arms are set up on Meta: the same audience and bidding for every arm (a fair comparison)."""

    targeting: Mapping[str, Any] = field(
        default_factory=lambda: {"geo_locations": {"countries": ["US"]}}
    )
    link_url: str = "https://shop.example.com/"
    page_id: str | None = None
    objective: str = "OUTCOME_SALES"
    status: str = "ACTIVE"


@dataclass
class StepResult:
    """What one daily step saw and did."""

    evaluation: Evaluation
    concluded: bool = False
    shares: dict[str, float] = field(default_factory=dict)
    budgets: dict[str, int] = field(default_factory=dict)
    retired: list[str] = field(default_factory=list)
    launched: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


# -- store access -------------------------------------------------------------------------------------


def _id(row: Experiment | ExperimentArm) -> int:
    """A stored row's id (rows are flushed before their ids are used)."""
    if row.id is None:
        raise RuntimeError(f"{type(row).__name__} used before it was stored")
    return row.id


def _experiment(session: Session, experiment_id: int) -> Experiment:
    found = session.get(Experiment, experiment_id)
    if found is None:
        raise InputError(f"experiment: no experiment with id {experiment_id}")
    return found


def _arms(session: Session, experiment_id: int) -> list[ExperimentArm]:
    table = table_of(ExperimentArm)
    stmt = select(ExperimentArm).where(table.c.experiment_id == experiment_id)
    return list(session.scalars(stmt.order_by(table.c.id)))


def _rows(session: Session, model: type[Any], experiment_id: int) -> list[Any]:
    stmt = select(model).where(table_of(model).c.experiment_id == experiment_id)
    return list(session.scalars(stmt))


def _design(storage: BaseStorage, experiment: Experiment, spec: ExperimentSpec) -> ArmDesign:
    return ArmDesign(
        storage,
        experiment.study_name,
        spec.creatives,
        spec.ctas,
        maximize=not metric_def(spec.metric).inverse,
        seed=spec.seed,
    )


# -- launching ----------------------------------------------------------------------------------------


def _source_creatives(
    client: MetaClient, account_id: str, spec: ExperimentSpec
) -> dict[str, dict[str, Any]]:
    """Existing creatives named by id in the arms (their text and link are reused with the new CTA)."""
    if not any(c.isdigit() for c in spec.creatives):
        return {}
    return {str(r["id"]): r for r in client.edge(account_id, "adcreatives", CREATIVE_FIELDS)}


def _creative_params(
    arm: Arm, source: Mapping[str, Any] | None, options: LaunchOptions
) -> dict[str, Any]:
    story = dict((source or {}).get("object_story_spec") or {})
    link_data = dict(story.get("link_data") or {})
    link = link_data.get("link") or options.link_url
    link_data.update(
        {
            "link": link,
            "message": link_data.get("message") or (source or {}).get("body") or arm.creative,
            "name": link_data.get("name") or (source or {}).get("title") or arm.creative,
            "call_to_action": {"type": arm.cta, "value": {"link": link}},
        }
    )
    spec: dict[str, Any] = {"link_data": link_data}
    page = options.page_id or story.get("page_id")
    if page:
        spec["page_id"] = page
    return {"name": f"{arm.creative} · {arm.cta}", "object_story_spec": spec}


def _launch_arm(
    client: MetaClient,
    account_id: str,
    experiment: Experiment,
    arm_row: ExperimentArm,
    spec: ExperimentSpec,
    sources: Mapping[str, Mapping[str, Any]],
    options: LaunchOptions,
    created: list[str],
) -> None:
    """Create the arm's campaign, ad set, creative and ad; ids go on ``arm_row`` and into ``created``."""
    arm = Arm(arm_row.cta, arm_row.creative)
    label = f"adpilot experiment {experiment.id} · {arm.name}"
    arm_row.campaign_id = create.create_campaign(
        client,
        account_id,
        {"name": label, "objective": options.objective, "status": options.status},
    )
    created.append(arm_row.campaign_id)
    goal = "LINK_CLICKS" if spec.metric == "ctr" else "OFFSITE_CONVERSIONS"
    arm_row.adset_id = create.create_adset(
        client,
        account_id,
        {
            "name": label,
            "campaign_id": arm_row.campaign_id,
            "daily_budget": arm_row.daily_budget,
            "bid_strategy": "LOWEST_COST_WITHOUT_CAP",
            "billing_event": "IMPRESSIONS",
            "optimization_goal": goal,
            "targeting": dict(options.targeting),
            "status": options.status,
        },
    )
    arm_row.creative_id = create.create_creative(
        client, account_id, _creative_params(arm, sources.get(arm.creative), options)
    )
    arm_row.ad_id = create.create_ad(
        client,
        account_id,
        {
            "name": label,
            "adset_id": arm_row.adset_id,
            "creative": {"creative_id": arm_row.creative_id},
            "status": options.status,
        },
    )


def create_experiment(
    store: Store,
    client: MetaClient,
    account_id: str,
    spec: ExperimentSpec,
    *,
    today: date,
    options: LaunchOptions | None = None,
    storage: BaseStorage | None = None,
) -> int:
    """Launch ``spec`` on ``account_id`` starting ``today``; returns the experiment's id.

    Raises InputError for a budget that cannot be split, MetaApiError if Meta refuses an object (the
    experiment is then stored as ``failed``, created objects paused, trials told FAIL).
    """
    options = options or LaunchOptions()
    storage = storage or optuna_storage(store.url)
    account = account_record(client.account(account_id))
    total = major_to_minor(spec.daily_budget, account.currency)
    budgets = split_budget(total, {a.name: 1.0 for a in spec.arms})
    with store.transaction() as session:
        experiment = Experiment(
            name=spec.name,
            account_id=account.id,
            currency=account.currency,
            status="creating",
            spec=spec.to_json(),
            study_name=f"adpilot-experiment-{uuid.uuid4().hex[:12]}",
        )
        session.add(experiment)
        session.flush()
        for arm in spec.arms:
            session.add(
                ExperimentArm(
                    experiment_id=_id(experiment),
                    name=arm.name,
                    cta=arm.cta,
                    creative=arm.creative,
                    is_control=arm.name == spec.control,
                    status="pending",
                    daily_budget=budgets[arm.name],
                )
            )
    experiment_id = int(experiment.id or 0)
    design = _design(storage, experiment, spec)
    trials = design.launch(spec.arms)
    created: list[str] = []
    with store.transaction() as session:
        experiment = _experiment(session, experiment_id)
        rows = {r.name: r for r in _arms(session, experiment_id)}
        for trial in trials:
            rows[trial.arm.name].trial_number = trial.number
        failure: AdpilotError | None = None
        try:
            sources = _source_creatives(client, account.id, spec)
            for arm in spec.arms:
                _launch_arm(
                    client, account.id, experiment, rows[arm.name], spec, sources, options, created
                )
        except AdpilotError as exc:
            _abandon(client, design, created, list(rows.values()))
            experiment.status, experiment.error = "failed", str(exc)
            for row in rows.values():
                row.status = "failed"
            failure = exc
        if failure is None:
            _go_live(session, experiment, list(rows.values()), total, today)
    if failure is not None:
        raise failure
    return experiment_id


def _go_live(
    session: Session,
    experiment: Experiment,
    rows: Sequence[ExperimentArm],
    total: int,
    today: date,
) -> None:
    """The arms are up: mark them live and record the even starting split."""
    for row in rows:
        row.status = "live"
        row.launched_on = today
        session.add(
            ExperimentAllocation(
                arm_id=_id(row),
                effective_on=today,
                experiment_id=_id(experiment),
                daily_budget=row.daily_budget,
                share=row.daily_budget / total,
            )
        )
    experiment.status = "running"
    experiment.started_on = today


def _abandon(
    client: MetaClient, design: ArmDesign, created: Sequence[str], rows: Sequence[ExperimentArm]
) -> None:
    """After a failed launch: pause what exists, tell every trial FAIL."""
    if created:
        try:
            create.set_status(client, list(created), "PAUSED")
        except AdpilotError:
            pass  # the launch error is what the caller must see
    for row in rows:
        if row.trial_number is not None:
            design.fail(row.trial_number)
            row.told_state = "fail"


# -- results ------------------------------------------------------------------------------------------


def pull_results(store: Store, client: MetaClient, experiment_id: int, *, today: date) -> int:
    """Pull every arm's daily insights from the start to yesterday (re-pulled days replace stored ones).

    Returns the number of arm-days written.
    """
    with store.transaction() as session:
        experiment = _experiment(session, experiment_id)
        arms = {r.ad_id: r for r in _arms(session, experiment_id) if r.ad_id}
        start = experiment.started_on
        account, currency = experiment.account_id, experiment.currency
    until = today - timedelta(days=1)
    if start is None or until < start or not arms:
        return 0
    raw = [
        row
        for row in client.insights(account, level="ad", window=DateRange(start, until))
        if str(row.get("ad_id")) in arms
    ]
    action = choose_purchase_action(raw)
    written = 0
    with store.transaction() as session:
        for row in raw:
            record = insight_record(row, level="ad", currency=currency, purchase_action=action)
            arm = arms[str(record.ad_id)]
            session.merge(
                ExperimentArmDay(
                    arm_id=_id(arm),
                    date=record.date,
                    experiment_id=experiment_id,
                    spend=record.spend,
                    impressions=record.impressions,
                    clicks=record.clicks,
                    link_clicks=record.link_clicks,
                    purchases=record.conversions,
                    revenue=record.revenue,
                )
            )
            written += 1
    return written


def load_evaluation(
    store: Store, experiment_id: int, *, delivery: DeliveryDivergence | None = None
) -> Evaluation:
    """The experiment evaluated from what is stored (no API calls)."""
    with store.transaction() as session:
        experiment = _experiment(session, experiment_id)
        arm_rows = _arms(session, experiment_id)
        days = _rows(session, ExperimentArmDay, experiment_id)
        plans = _rows(session, ExperimentAllocation, experiment_id)
    spec = ExperimentSpec.from_json(experiment.spec)
    names = {r.id: r.name for r in arm_rows}
    daily = pd.DataFrame(
        [
            {
                "arm": names[d.arm_id],
                "date": d.date,
                "spend": d.spend,
                "impressions": d.impressions,
                "clicks": d.clicks,
                "link_clicks": d.link_clicks,
                "purchases": d.purchases,
                "revenue": d.revenue,
            }
            for d in days
        ],
        columns=list(DAILY_COLUMNS),
    )
    allocations = pd.DataFrame(
        [
            {"arm": names[p.arm_id], "effective_on": p.effective_on, "daily_budget": p.daily_budget}
            for p in plans
        ],
        columns=["arm", "effective_on", "daily_budget"],
    )
    arms = [
        ArmInfo(
            r.name,
            r.cta,
            r.creative,
            r.is_control,
            "live" if r.status == "pending" else r.status,
        )
        for r in arm_rows
    ]
    return evaluate(
        spec, arms, daily, allocations, first_day=experiment.started_on, delivery=delivery
    )


# -- the daily step -----------------------------------------------------------------------------------


def _decision_json(evaluation: Evaluation) -> str:
    decision = evaluation.decision
    return json.dumps(
        {
            "status": decision.status.value,
            "winner": decision.winner,
            "reasons": list(decision.reasons),
            "runtime_days": evaluation.runtime_days,
        }
    )


def _tell_outcomes(
    design: ArmDesign, evaluation: Evaluation, rows: Sequence[ExperimentArm], *, finished: bool
) -> None:
    """Finished arms: COMPLETE with the posterior mean; otherwise PRUNED."""
    stats = (
        read_arms(evaluation.metric_frame, evaluation.metric.kind)
        if evaluation.table is not None
        else {}
    )
    for row in rows:
        if row.trial_number is None or row.told_state is not None:
            continue
        if finished and row.name in stats:
            value = posterior_mean(stats[row.name])
            design.complete(row.trial_number, value)
            row.told_state, row.told_value = "complete", value
        else:
            design.prune(row.trial_number)
            row.told_state = "pruned"


def step(
    store: Store,
    client: MetaClient,
    experiment_id: int,
    *,
    today: date,
    storage: BaseStorage | None = None,
    options: LaunchOptions | None = None,
) -> StepResult:
    """One day of a running experiment: pull, evaluate, then conclude or reweight (see module docs)."""
    storage = storage or optuna_storage(store.url)
    with store.transaction() as session:
        experiment = _experiment(session, experiment_id)
        if experiment.status != "running":
            raise InputError(f"experiment {experiment_id} is {experiment.status}, not running")
    pull_results(store, client, experiment_id, today=today)
    evaluation = load_evaluation(store, experiment_id)
    spec = evaluation.spec
    result = StepResult(evaluation)
    with store.transaction() as session:
        experiment = _experiment(session, experiment_id)
        rows = [r for r in _arms(session, experiment_id) if r.status == "live"]
        design = _design(storage, experiment, spec)
        experiment.decision = _decision_json(evaluation)
        decision = evaluation.decision
        if decision.status in FINAL:
            keep = decision.winner or spec.control
            to_pause = [r for r in rows if r.name != keep]
            _pause(client, to_pause, result)
            for row in rows:
                row.status = "concluded"
            _tell_outcomes(design, evaluation, rows, finished=True)
            experiment.status, experiment.stopped_on = "concluded", today
            result.concluded = True
            return result
        if spec.adaptive_design and evaluation.table is not None:
            rows = _rotate(
                client, experiment, spec, design, evaluation, rows, today, options, result
            )
        _reweight(client, spec, evaluation, rows, experiment, today, session, result)
    return result


def _pause(client: MetaClient, rows: Sequence[ExperimentArm], result: StepResult) -> None:
    ids = [r.campaign_id for r in rows if r.campaign_id]
    if not ids:
        return
    for outcome in create.set_status(client, ids, "PAUSED"):
        if not outcome.ok:
            result.errors.append(f"pause {outcome.object_id}: {outcome.response}")


def _rotate(
    client: MetaClient,
    experiment: Experiment,
    spec: ExperimentSpec,
    design: ArmDesign,
    evaluation: Evaluation,
    rows: list[ExperimentArm],
    today: date,
    options: LaunchOptions | None,
    result: StepResult,
) -> list[ExperimentArm]:
    """Retire hopeless variants (enough sample, tiny chance of being best) and launch Optuna's next."""
    assert evaluation.table is not None
    prob_best = dict(zip(evaluation.table["arm"], evaluation.table["prob_best"], strict=True))
    enough = spec.policy.min_units_per_arm
    retire = [
        r
        for r in rows
        if not r.is_control
        and float(prob_best.get(r.name, 1.0)) < spec.retire_below
        and evaluation.totals[r.name].impressions >= enough
    ]
    if retire:
        _pause(client, retire, result)
        _tell_outcomes(design, evaluation, retire, finished=True)
        for row in retire:
            row.status, row.retired_on = "retired", today
            result.retired.append(row.name)
    live = [r for r in rows if r not in retire]
    proposals = design.propose(spec.live_arms - len(live))
    if not proposals:
        return live
    session = Session.object_session(experiment)
    assert session is not None
    new_rows = []
    for proposal in proposals:
        row = ExperimentArm(
            experiment_id=_id(experiment),
            name=proposal.arm.name,
            cta=proposal.arm.cta,
            creative=proposal.arm.creative,
            is_control=False,
            status="pending",
            trial_number=proposal.number,
            daily_budget=min(r.daily_budget for r in live) if live else 0,
        )
        created: list[str] = []
        try:
            sources = _source_creatives(client, experiment.account_id, spec)
            _launch_arm(
                client,
                experiment.account_id,
                experiment,
                row,
                spec,
                sources,
                options or LaunchOptions(),
                created,
            )
        except MetaApiError as exc:
            _abandon(client, design, created, [row])
            row.status = "failed"
            session.add(row)
            result.errors.append(f"launch {proposal.arm.name}: {exc}")
            continue
        row.status, row.launched_on = "live", today
        session.add(row)
        new_rows.append(row)
        result.launched.append(row.name)
    session.flush()
    return live + new_rows


def _reweight(
    client: MetaClient,
    spec: ExperimentSpec,
    evaluation: Evaluation,
    rows: list[ExperimentArm],
    experiment: Experiment,
    today: date,
    session: Session,
    result: StepResult,
) -> None:
    """New daily budgets from the traffic shares; only changed budgets are sent."""
    metric = metric_def(spec.metric)
    names = [r.name for r in rows]
    warm = evaluation.table is not None and all(
        r.name in evaluation.totals
        and evaluation.totals[r.name].impressions >= spec.warmup_impressions
        for r in rows
    )
    if warm and len(rows) >= 2:
        frame = evaluation.metric_frame[evaluation.metric_frame["arm"].isin(names)]
        stats = read_arms(frame, metric.kind)
        shares = allocate_traffic(
            stats,
            spec.traffic,
            floor=spec.floor,
            min_units=0,
            rng=spec.seed * 100_003 + today.toordinal(),
            inverse=metric.inverse,
        )
        if spec.control_share is not None and spec.control in shares:
            shares = protect_control(shares, spec.control, spec.control_share)
    else:
        shares = {n: 1.0 / len(names) for n in names}
    total = major_to_minor(spec.daily_budget, experiment.currency)
    budgets = split_budget(total, shares)
    if spec.max_budget_change is not None:
        previous = {r.name: r.daily_budget for r in rows if r.launched_on != today}
        budgets = limit_changes(previous, budgets, spec.max_budget_change)
    result.shares, result.budgets = shares, budgets
    changed = [r for r in rows if budgets[r.name] != r.daily_budget or r.launched_on == today]
    updates = [
        NodeUpdate(str(r.adset_id), {"daily_budget": budgets[r.name]})
        for r in changed
        if r.adset_id
    ]
    outcomes = {o.object_id: o for o in client.update_nodes(updates)} if updates else {}
    for row in changed:
        outcome = outcomes.get(str(row.adset_id))
        if outcome is None or not outcome.ok:
            detail = outcome.response if outcome else "no ad set"
            result.errors.append(f"budget of {row.name}: {detail}")
            continue
        row.daily_budget = budgets[row.name]
        session.merge(
            ExperimentAllocation(
                arm_id=_id(row),
                effective_on=today,
                experiment_id=_id(experiment),
                daily_budget=budgets[row.name],
                share=shares[row.name],
            )
        )


def stop_experiment(
    store: Store,
    client: MetaClient,
    experiment_id: int,
    *,
    today: date,
    storage: BaseStorage | None = None,
) -> Evaluation:
    """Stop by hand: pause every live arm; unfinished arms are told PRUNED. Returns the last evaluation."""
    storage = storage or optuna_storage(store.url)
    evaluation = load_evaluation(store, experiment_id)
    with store.transaction() as session:
        experiment = _experiment(session, experiment_id)
        if experiment.status not in {"running", "creating"}:
            raise InputError(f"experiment {experiment_id} is already {experiment.status}")
        rows = [r for r in _arms(session, experiment_id) if r.status in {"live", "pending"}]
        result = StepResult(evaluation)
        _pause(client, rows, result)
        if result.errors:
            raise MetaApiError("; ".join(result.errors))
        _tell_outcomes(
            _design(storage, experiment, evaluation.spec), evaluation, rows, finished=False
        )
        for row in rows:
            row.status = "stopped"
        experiment.status, experiment.stopped_on = "stopped", today
        experiment.decision = _decision_json(evaluation)
    return evaluation


def step_all(
    store: Store,
    client: MetaClient,
    *,
    today: date | Callable[[str], date],
    account_id: str | None = None,
    storage: BaseStorage | None = None,
) -> dict[int, StepResult | AdpilotError]:
    """The nightly hook: one :func:`step` per running experiment (of ``account_id`` if given).

    ``today`` is a date, or a function of the account id (accounts live in different time zones). One
    experiment's failure (Meta refusing a budget, a throttle) is returned in its place instead of
    stopping the others.
    """
    with store.transaction() as session:
        table = table_of(Experiment)
        stmt = select(Experiment).where(table.c.status == "running").order_by(table.c.id)
        running = [
            (_id(e), e.account_id)
            for e in session.scalars(stmt)
            if account_id is None or e.account_id == account_id
        ]
    out: dict[int, StepResult | AdpilotError] = {}
    for experiment_id, account in running:
        try:
            day = today if isinstance(today, date) else today(account)
            out[experiment_id] = step(store, client, experiment_id, today=day, storage=storage)
        except AdpilotError as exc:
            out[experiment_id] = exc
    return out
