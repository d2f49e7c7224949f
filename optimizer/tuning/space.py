"""The knobs ``adpilot tune`` searches, and how an Optuna trial's parameters become :class:`Knobs`.

On the sandbox every knob can be scored (the closed loop measures true profit); on an account's own
history only the model's knobs can (a forecast can be checked against what happened, but the history did
not follow the budgets a different exploration share or risk attitude would have set).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import optuna

from optimizer.backtest import Knobs
from optimizer.models import ModelConfig
from optimizer.tuning.tuned import MODEL_KEYS, model_from

__all__ = ["default_params", "knobs_from_params", "suggest"]


def suggest(trial: optuna.Trial, *, policy_knobs: bool) -> Knobs:
    """Ask ``trial`` for every knob (the policy's too when ``policy_knobs``) and build the knobs."""
    params: dict[str, Any] = {
        "prior_strength": trial.suggest_float("prior_strength", 0.03, 2.0, log=True),
        "half_life_days": trial.suggest_float("half_life_days", 7.0, 120.0, log=True),
        "elasticity_prior": trial.suggest_float("elasticity_prior", 0.3, 0.8),
    }
    if policy_knobs:
        params["exploration_share"] = trial.suggest_float("exploration_share", 0.0, 0.3)
        params["risk_quantile"] = trial.suggest_float("risk_quantile", 0.1, 0.5)
    return knobs_from_params(params)


def default_params(*, policy_knobs: bool) -> dict[str, float]:
    """Today's defaults as trial parameters: the first trial of every new study, the bar to beat."""
    model, knobs = ModelConfig(), Knobs()
    params = {k: float(getattr(model, k)) for k in MODEL_KEYS}
    if policy_knobs:
        params["exploration_share"] = knobs.exploration_share
        params["risk_quantile"] = (
            0.5  # 0.5 stands for risk-neutral (the median of a symmetric tail)
        )
    return params


def knobs_from_params(params: dict[str, Any]) -> Knobs:
    """Knobs from trial parameters; a ``risk_quantile`` below 0.5 turns on the risk-averse quantile mode."""
    knobs = Knobs(model=model_from(params))
    if "exploration_share" in params:
        knobs = replace(knobs, exploration_share=round(float(params["exploration_share"]), 4))
    quantile = float(params.get("risk_quantile", 0.5))
    if quantile < 0.5:
        knobs = replace(knobs, risk="quantile", risk_quantile=round(quantile, 4))
    return knobs
