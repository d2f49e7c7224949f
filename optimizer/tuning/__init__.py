"""``adpilot tune``: Optuna searches the policy's own knobs (prior strength, recency half-life, elasticity
prior, exploration share, risk aversion) by backtesting, and stores the study beside the app database."""

from optimizer.tuning.objectives import RollingOrigin, SandboxLoop, rolling_origin_error
from optimizer.tuning.space import default_params, knobs_from_params, suggest
from optimizer.tuning.study import Objective, TuneResult, tune, tune_on_cluster
from optimizer.tuning.tuned import apply_knobs, read_tuned, tuned_path, write_tuned

__all__ = [
    "Objective",
    "RollingOrigin",
    "SandboxLoop",
    "TuneResult",
    "apply_knobs",
    "default_params",
    "knobs_from_params",
    "read_tuned",
    "rolling_origin_error",
    "suggest",
    "tune",
    "tune_on_cluster",
    "tuned_path",
    "write_tuned",
]
