"""The experiment's design in Optuna: one study per experiment, one trial per arm, ask-and-tell over days.

Why Optuna here, and only here: the statistics and the traffic split come from the Bayesian engine
(:mod:`experiments.stats`, :mod:`experiments.traffic`); Optuna proposes *which* creative x CTA
combinations to launch when the factorial space is larger than what can run at once, and keeps the record
of every arm's outcome. Arms are two categorical parameters, ``creative`` and ``cta``.

* Launch: the listed arms are enqueued (the control first) and asked, so trial numbers follow the arms.
* Proposals: ``ask`` with a seeded TPE sampler (reseeded with the study's trial count, so a proposal is
  the same whichever process makes it). A combination already tried is told ``FAIL`` (ignored by every
  sampler) and, after a few repeats, the first untried combination in a seeded order is enqueued instead:
  in a small categorical space samplers repeat themselves (optuna#5058).
* Outcomes arrive days later: a finished arm is told ``COMPLETE`` with its posterior mean metric; an arm
  stopped before its sample was complete is told ``PRUNED``; an arm that could not be created ``FAIL``.
  Never leaving trials ``RUNNING`` keeps the constant liar from pushing the sampler away (optuna#2753).

Storage: :func:`optimizer.store.optuna.optuna_storage` (re-exported here), a separate database from the app
tables, so Optuna's own tables and ``alembic_version`` never mix with adpilot's.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.storages import BaseStorage
from optuna.trial import TrialState

from experiments.spec import Arm
from experiments.stats.beta import beta_posterior
from experiments.stats.models import ArmStats, ProportionStats
from optimizer.store.optuna import OPTUNA_SCHEMA, optuna_storage, optuna_storage_url

__all__ = [
    "OPTUNA_SCHEMA",
    "ArmDesign",
    "DesignTrial",
    "optuna_storage",
    "optuna_storage_url",
    "posterior_mean",
]

_DUPLICATE_ASKS = 3

optuna.logging.set_verbosity(logging.WARNING)


def posterior_mean(stats: ArmStats) -> float:
    """The value an arm is told with: Beta posterior mean for proportions, the estimate otherwise."""
    if isinstance(stats, ProportionStats):
        return float(beta_posterior(stats).mean)
    return float(stats.mean)


@dataclass(frozen=True)
class DesignTrial:
    """An arm and the Optuna trial that stands for it."""

    arm: Arm
    number: int


class ArmDesign:
    """One experiment's Optuna study over ``creatives`` x ``ctas``."""

    def __init__(
        self,
        storage: BaseStorage,
        study_name: str,
        creatives: Sequence[str],
        ctas: Sequence[str],
        *,
        maximize: bool = True,
        seed: int = 0,
    ) -> None:
        self.storage = storage
        self.study_name = study_name
        self.creatives = tuple(creatives)
        self.ctas = tuple(ctas)
        self.seed = seed
        self.study = optuna.create_study(
            storage=storage,
            study_name=study_name,
            direction="maximize" if maximize else "minimize",
            load_if_exists=True,
        )

    @property
    def distributions(self) -> dict[str, BaseDistribution]:
        return {
            "creative": CategoricalDistribution(list(self.creatives)),
            "cta": CategoricalDistribution(list(self.ctas)),
        }

    def _sampler(self) -> optuna.samplers.BaseSampler:
        """A TPE sampler seeded by the trial count: the same history gives the same proposal."""
        return optuna.samplers.TPESampler(seed=self.seed + len(self.study.trials))

    def _ask(self) -> optuna.Trial:
        self.study.sampler = self._sampler()
        return self.study.ask(self.distributions)

    def tried(self) -> set[str]:
        """Arm names of every trial that ran or runs (failed duplicates excluded)."""
        out = set()
        for trial in self.study.get_trials(deepcopy=False):
            if trial.state != TrialState.FAIL and {"cta", "creative"} <= trial.params.keys():
                out.add(Arm(trial.params["cta"], trial.params["creative"]).name)
        return out

    def launch(self, arms: Sequence[Arm]) -> list[DesignTrial]:
        """Trials for the arms chosen by the user, in order (enqueued, then asked)."""
        out = []
        for arm in arms:
            self.study.enqueue_trial({"creative": arm.creative, "cta": arm.cta})
            trial = self._ask()
            trial.set_user_attr("arm", arm.name)
            out.append(DesignTrial(arm, trial.number))
        return out

    def propose(self, n: int) -> list[DesignTrial]:
        """Up to ``n`` new combinations to launch, never one already tried; fewer if the space is used up."""
        out: list[DesignTrial] = []
        for _ in range(n):
            tried = self.tried()
            untried = [
                Arm(cta, creative)
                for creative in self.creatives
                for cta in self.ctas
                if Arm(cta, creative).name not in tried
            ]
            if not untried:
                break
            chosen: DesignTrial | None = None
            for _attempt in range(_DUPLICATE_ASKS):
                trial = self._ask()
                arm = Arm(trial.params["cta"], trial.params["creative"])
                if arm.name not in tried:
                    chosen = DesignTrial(arm, trial.number)
                    trial.set_user_attr("arm", arm.name)
                    break
                trial.set_user_attr("duplicate_of", arm.name)
                self.study.tell(trial, state=TrialState.FAIL)
            if chosen is None:
                order = np.random.default_rng(self.seed + len(self.study.trials)).permutation(
                    len(untried)
                )
                pick = untried[int(order[0])]
                self.study.enqueue_trial({"creative": pick.creative, "cta": pick.cta})
                trial = self._ask()
                trial.set_user_attr("arm", pick.name)
                chosen = DesignTrial(pick, trial.number)
            out.append(chosen)
        return out

    def complete(self, number: int, value: float) -> None:
        """A finished arm: its posterior mean metric."""
        self.study.tell(number, value, skip_if_finished=True)

    def prune(self, number: int) -> None:
        """An arm stopped before its result was complete."""
        self.study.tell(number, state=TrialState.PRUNED, skip_if_finished=True)

    def fail(self, number: int) -> None:
        """An arm that never ran (its ad could not be created)."""
        self.study.tell(number, state=TrialState.FAIL, skip_if_finished=True)

    def states(self) -> dict[int, TrialState]:
        return {t.number: t.state for t in self.study.get_trials(deepcopy=False)}
