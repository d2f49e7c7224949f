"""Bayesian response models of daily outcome versus spend (pure: frames in, posteriors out)."""

from optimizer.models.calibration import Calibration, calibrate, pooled_coverage
from optimizer.models.delay import Completeness, estimate_completeness
from optimizer.models.fitting import AccountFit, ModelConfig, default_as_of, fit, fit_account
from optimizer.models.history import validate_history
from optimizer.models.posterior import FitResult, FitStatus

__all__ = [
    "AccountFit",
    "Calibration",
    "Completeness",
    "FitResult",
    "FitStatus",
    "ModelConfig",
    "calibrate",
    "default_as_of",
    "estimate_completeness",
    "fit",
    "fit_account",
    "pooled_coverage",
    "validate_history",
]
