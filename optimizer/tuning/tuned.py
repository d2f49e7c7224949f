"""The tuned knobs on disk: a small TOML file the nightly job reads next to its policy file.

``<policy>.tuned.toml`` (or a path given to ``adpilot tune --out``) holds ``[model]`` (ModelConfig fields)
and ``[policy]`` (exploration share, risk) plus a ``[study]`` note of where the knobs came from. Plain
``key = value`` lines: nothing here needs a TOML writer dependency.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from budgets import BudgetPolicy
from optimizer.backtest import Knobs
from optimizer.errors import InputError
from optimizer.models import ModelConfig

__all__ = ["MODEL_KEYS", "apply_knobs", "model_from", "read_tuned", "tuned_path", "write_tuned"]

#: The response model's knobs that tuning searches and the tuned file holds.
MODEL_KEYS = ("prior_strength", "half_life_days", "elasticity_prior")
_POLICY_KEYS = ("exploration_share", "risk", "risk_quantile")


def tuned_path(policy_file: Path | None) -> Path:
    """Where tuned knobs go: beside the policy file, else ``adpilot.tuned.toml`` in the working folder."""
    if policy_file is None:
        return Path("adpilot.tuned.toml")
    return policy_file.with_name(policy_file.stem + ".tuned.toml")


def _value(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(float(value)) if isinstance(value, float) else str(value)


def write_tuned(path: Path, knobs: Knobs, study: dict[str, Any]) -> None:
    """Write ``knobs`` (and a note of the study) to ``path``."""
    lines = ["[study]"] + [f"{k} = {_value(v)}" for k, v in study.items()]
    lines += ["", "[model]"] + [f"{k} = {_value(getattr(knobs.model, k))}" for k in MODEL_KEYS]
    lines += ["", "[policy]"] + [f"{k} = {_value(getattr(knobs, k))}" for k in _POLICY_KEYS]
    path.write_text("\n".join(lines) + "\n")


def read_tuned(path: Path) -> Knobs:
    """Knobs from a tuned file; errors name the file and the key."""
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise InputError(f"{path}: cannot read tuned knobs ({error})") from error
    model, policy = data.get("model", {}), data.get("policy", {})
    base = Knobs()
    try:
        return Knobs(
            model=model_from(model),
            exploration_share=float(policy.get("exploration_share", base.exploration_share)),
            risk=str(policy.get("risk", base.risk)),
            risk_quantile=float(policy.get("risk_quantile", base.risk_quantile)),
        )
    except (TypeError, ValueError) as error:
        raise InputError(f"{path}: {error}") from error


def model_from(values: Mapping[str, Any]) -> ModelConfig:
    """The default model with whichever of :data:`MODEL_KEYS` ``values`` holds (as floats)."""
    given: dict[str, Any] = {k: float(values[k]) for k in MODEL_KEYS if k in values}
    return replace(ModelConfig(), **given)


def apply_knobs(policy: BudgetPolicy, knobs: Knobs) -> BudgetPolicy:
    """``policy`` with the tuned exploration share and risk attitude (validated like the file's own)."""
    data = policy.model_dump()
    data.update(
        exploration_share=knobs.exploration_share,
        risk=knobs.risk,
        risk_quantile=knobs.risk_quantile,
    )
    return BudgetPolicy.model_validate(data)
