"""``tune``: an Optuna study over the policy's own knobs, scored by a backtest, kept in the app database.

The study lives in the Optuna storage beside the app database (:func:`optimizer.store.optuna.optuna_storage`),
so a second ``adpilot tune`` with the same study name resumes it: earlier trials count and new ones add.
A new study's first trial is today's defaults, so the best knobs are never worse than the defaults on the
study's own objective. The sampler is TPE seeded with ``seed`` plus the number of finished trials, so a run
is reproducible and a resumed run does not replay the same proposals.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import optuna
from optuna.trial import TrialState

from optimizer.backtest import Knobs
from optimizer.errors import InputError
from optimizer.store.optuna import optuna_storage
from optimizer.tuning.space import default_params, knobs_from_params, suggest

__all__ = ["Objective", "TuneResult", "tune", "tune_on_cluster"]

optuna.logging.set_verbosity(logging.WARNING)


class Objective(Protocol):
    """Scores knobs; ``direction`` is ``"maximize"`` or ``"minimize"``."""

    direction: Literal["maximize", "minimize"]

    def __call__(self, knobs: Knobs) -> float: ...


@dataclass(frozen=True)
class TuneResult:
    """The study's best knobs and value, the defaults' value (its first trial) and the trial count."""

    study_name: str
    best_params: dict[str, Any]
    best_value: float
    default_value: float | None
    trials: int
    knobs: Knobs


def _open_study(
    objective: Objective, db_url: str, study_name: str, seed: int, policy_knobs: bool
) -> tuple[optuna.Study, int]:
    """Create or resume the study (the defaults queued as a new study's first trial)."""
    storage = optuna_storage(db_url)
    finished = 0
    try:
        existing = optuna.load_study(study_name=study_name, storage=storage)
        finished = len(existing.get_trials(deepcopy=False))
        if existing.direction.name.lower() != objective.direction:
            raise InputError(
                f"study {study_name!r}: it {existing.direction.name.lower()}s, this objective "
                f"{objective.direction}s (use another --study)"
            )
    except KeyError:
        pass
    study = optuna.create_study(
        study_name=study_name, storage=storage, direction=objective.direction, load_if_exists=True,
        sampler=optuna.samplers.TPESampler(seed=seed + finished, n_startup_trials=5),
    )  # fmt: skip
    if finished == 0:
        study.enqueue_trial(default_params(policy_knobs=policy_knobs))
    return study, finished


def _run_trials(
    study: optuna.Study,
    objective: Objective,
    trials: int,
    policy_knobs: bool,
    on_trial: Callable[[int, float], None] | None = None,
) -> None:
    def run(trial: optuna.Trial) -> float:
        trial.set_user_attr("process", os.getpid())
        value = objective(suggest(trial, policy_knobs=policy_knobs))
        if not math.isfinite(value):
            raise optuna.TrialPruned("nothing could be scored")
        if on_trial is not None:
            on_trial(trial.number, value)
        return value

    study.optimize(run, n_trials=trials, catch=())


def _result(study: optuna.Study, study_name: str, policy_knobs: bool) -> TuneResult:
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not complete:
        raise InputError(f"study {study_name!r}: no trial could be scored (too little history?)")
    best = study.best_trial
    first = min(complete, key=lambda t: t.number)
    default = first.value if first.params == default_params(policy_knobs=policy_knobs) else None
    return TuneResult(
        study_name=study_name, best_params=dict(best.params), best_value=float(best.value or 0.0),
        default_value=default, trials=len(study.trials), knobs=knobs_from_params(best.params),
    )  # fmt: skip


def tune(
    objective: Objective,
    *,
    trials: int,
    db_url: str,
    study_name: str,
    seed: int = 0,
    policy_knobs: bool = True,
    on_trial: Callable[[int, float], None] | None = None,
) -> TuneResult:
    """Run ``trials`` more trials of study ``study_name`` (created or resumed) and return its best knobs."""
    if trials < 1:
        raise InputError(f"trials: must be at least 1, got {trials}")
    study, _ = _open_study(objective, db_url, study_name, seed, policy_knobs)
    _run_trials(study, objective, trials, policy_knobs, on_trial)
    return _result(study, study_name, policy_knobs)


def _worker_share(
    objective: Objective, db_url: str, study_name: str, seed: int, trials: int, policy_knobs: bool
) -> None:
    """One Dask task: load the shared study and run its share of the trials (a process of its own)."""
    study = optuna.load_study(
        study_name=study_name, storage=optuna_storage(db_url),
        sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=5),
    )  # fmt: skip
    _run_trials(study, objective, trials, policy_knobs)


def tune_on_cluster(
    objective: Objective,
    client: Any,
    *,
    trials: int,
    workers: int,
    db_url: str,
    study_name: str,
    seed: int = 0,
    policy_knobs: bool = True,
) -> TuneResult:
    """Like :func:`tune`, with the trials run by ``workers`` Dask tasks into the one shared study.

    The study must live where every worker reaches it (PostgreSQL); each task samples with its own seed,
    and Optuna's storage hands queued trials (the defaults) to whichever task asks first.
    """
    if trials < 1 or workers < 1:
        raise InputError(f"trials and workers must be at least 1, got {trials} and {workers}")
    study, finished = _open_study(objective, db_url, study_name, seed, policy_knobs)
    shares = [trials // workers + (1 if k < trials % workers else 0) for k in range(workers)]
    futures = [
        client.submit(
            _worker_share,
            objective,
            db_url,
            study_name,
            seed + finished + 1 + k,
            share,
            policy_knobs,
            pure=False,
        )  # fmt: skip
        for k, share in enumerate(shares)
        if share
    ]
    client.gather(futures)
    return _result(study, study_name, policy_knobs)  # the workers' trials are read from the storage
