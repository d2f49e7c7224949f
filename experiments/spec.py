"""What an experiment is: arms (creative x call to action), a decision metric, a control, a stopping rule.

:class:`ExperimentSpec` is validated on construction, so nothing is created on Meta or stored for a spec
that cannot run; errors are :class:`~optimizer.errors.InputError` naming the field. The spec round-trips
through JSON (:meth:`ExperimentSpec.to_json` / :meth:`ExperimentSpec.from_json`) to live in the store.

An arm is written ``CTA:creative`` (``SHOP_NOW:summer-photo``). A creative given as the id of an
existing creative (all digits) keeps that creative's text, title and link with the arm's CTA; any other
name becomes a new creative of that name. When the factorial space
``space_creatives x space_ctas`` is larger than ``max_live_arms``, the listed arms launch first and
Optuna proposes the next combinations as arms are retired (:mod:`experiments.design`).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from experiments.metrics import MetricName, metric_def
from experiments.stats.decision import DecisionPolicy
from experiments.traffic import METHODS, Method
from optimizer.errors import InputError
from optimizer.money import parse_decimal

__all__ = ["MAX_ARMS", "MIN_ARMS", "Arm", "ExperimentSpec", "parse_arms", "resolve_control"]

MIN_ARMS, MAX_ARMS = 2, 12
_CTA = re.compile(r"^[A-Z][A-Z_]*$")


@dataclass(frozen=True)
class Arm:
    """One combination under test: a call-to-action type and a creative (a label or a creative id)."""

    cta: str
    creative: str

    def __post_init__(self) -> None:
        if not _CTA.match(self.cta):
            raise InputError(
                f"arms: call to action {self.cta!r} must be a Meta CTA type such as SHOP_NOW"
            )
        if not self.creative.strip() or ":" in self.creative or "," in self.creative:
            raise InputError(
                f"arms: creative {self.creative!r} must be a non-empty name without ':' or ','"
            )

    @property
    def name(self) -> str:
        return f"{self.cta}:{self.creative}"

    @classmethod
    def parse(cls, text: str) -> Arm:
        """``"SHOP_NOW:creativeA"`` -> Arm("SHOP_NOW", "creativeA")."""
        cta, sep, creative = text.strip().partition(":")
        if not sep:
            raise InputError(f"arms: {text.strip()!r} is not CTA:creative (e.g. SHOP_NOW:photo1)")
        return cls(cta.strip().upper(), creative.strip())


def parse_arms(text: str) -> tuple[Arm, ...]:
    """A comma-separated list of ``CTA:creative`` arms."""
    return tuple(Arm.parse(part) for part in text.split(",") if part.strip())


def resolve_control(arms: tuple[Arm, ...], control: str) -> str:
    """The arm name ``control`` designates: an exact arm name, or a CTA or creative naming one arm."""
    names = [a.name for a in arms]
    wanted = control.strip()
    if wanted in names:
        return wanted
    upper = wanted.upper()
    matches = [a.name for a in arms if a.cta == upper or a.creative == wanted]
    if len(matches) == 1:
        return matches[0]
    raise InputError(f"control: {control!r} is not one of the arms {names}")


@dataclass(frozen=True)
class ExperimentSpec:
    """A validated experiment definition; ``daily_budget`` is the total over arms in major units.

    ``policy`` is the stopping rule; its ``min_units_per_arm`` is the minimum sample in *impressions*
    per arm, whatever the metric (see :mod:`experiments.evaluation`).
    """

    name: str
    arms: tuple[Arm, ...]
    control: str
    metric: MetricName
    daily_budget: Decimal
    guardrails: tuple[MetricName, ...] = ()
    policy: DecisionPolicy = field(default_factory=DecisionPolicy)
    traffic: Method = "top_two_thompson"
    floor: float = 0.05
    #: impressions every live arm needs before budgets move away from an even split
    warmup_impressions: int = 1000
    space_creatives: tuple[str, ...] = ()
    space_ctas: tuple[str, ...] = ()
    max_live_arms: int | None = None
    #: smallest traffic share of the control once budgets adapt (None: only ``floor``)
    control_share: float | None = None
    #: largest relative change of an arm's budget per step (0.2 stays clear of Meta's learning reset)
    max_budget_change: float | None = None
    #: retire a live variant whose chance of being best falls below this (only with a larger space)
    retire_below: float = 0.01
    hypothesis: str = ""
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InputError("name: an experiment needs a name")
        if not MIN_ARMS <= len(self.arms) <= MAX_ARMS:
            raise InputError(
                f"arms: an experiment needs {MIN_ARMS} to {MAX_ARMS} arms, got {len(self.arms)}"
            )
        names = [a.name for a in self.arms]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise InputError(f"arms: each arm must be listed once, repeated: {repeated}")
        if self.control not in names:
            raise InputError(f"control: {self.control!r} is not one of the arms {names}")
        metric = metric_def(self.metric)
        for guardrail in self.guardrails:
            metric_def(guardrail, "guardrails")
            if guardrail == metric.name:
                raise InputError(f"guardrails: {guardrail!r} is already the decision metric")
        if not isinstance(self.daily_budget, Decimal) or not self.daily_budget > 0:
            raise InputError(f"daily_budget must be a positive amount, got {self.daily_budget!r}")
        if self.traffic not in METHODS:
            raise InputError(f"traffic must be one of {list(METHODS)}, got {self.traffic!r}")
        live = self.max_live_arms or len(self.arms)
        if not 0.0 <= self.floor < 1.0 / live:
            raise InputError(
                f"floor must be in [0, 1/{live}) so {live} arms can each get it, got {self.floor}"
            )
        if self.warmup_impressions < 0:
            raise InputError(
                f"warmup_impressions must not be negative, got {self.warmup_impressions}"
            )
        if self.max_live_arms is not None:
            if not MIN_ARMS <= self.max_live_arms <= MAX_ARMS:
                raise InputError(
                    f"max_live_arms must be {MIN_ARMS} to {MAX_ARMS}, got {self.max_live_arms}"
                )
            if len(self.arms) > self.max_live_arms:
                raise InputError(
                    f"arms: {len(self.arms)} arms listed but max_live_arms is {self.max_live_arms}"
                )
        for arm in self.arms:
            if self.space_creatives and arm.creative not in self.space_creatives:
                raise InputError(f"arms: {arm.name!r} uses a creative outside space_creatives")
            if self.space_ctas and arm.cta not in self.space_ctas:
                raise InputError(f"arms: {arm.name!r} uses a CTA outside space_ctas")
        for cta in self.space_ctas:
            Arm(cta, "x")
        if self.control_share is not None and not self.floor <= self.control_share < 1.0:
            raise InputError(f"control_share must be in [floor, 1), got {self.control_share}")
        if self.max_budget_change is not None and not 0.0 < self.max_budget_change <= 1.0:
            raise InputError(f"max_budget_change must be in (0, 1], got {self.max_budget_change}")
        if not 0.0 <= self.retire_below < 0.5:
            raise InputError(f"retire_below must be in [0, 0.5), got {self.retire_below}")

    # -- the design space ---------------------------------------------------------------------

    @property
    def creatives(self) -> tuple[str, ...]:
        """Every creative in the design space (listed arms' creatives first)."""
        return tuple(dict.fromkeys([a.creative for a in self.arms] + list(self.space_creatives)))

    @property
    def ctas(self) -> tuple[str, ...]:
        """Every call to action in the design space (listed arms' CTAs first)."""
        return tuple(dict.fromkeys([a.cta for a in self.arms] + list(self.space_ctas)))

    @property
    def space_size(self) -> int:
        return len(self.creatives) * len(self.ctas)

    @property
    def live_arms(self) -> int:
        """How many arms may run at once."""
        return self.max_live_arms or len(self.arms)

    @property
    def adaptive_design(self) -> bool:
        """Whether Optuna proposes further arms (the space is larger than what runs at once)."""
        return self.max_live_arms is not None and self.space_size > len(self.arms)

    # -- JSON ---------------------------------------------------------------------------------

    def to_json(self) -> str:
        data = asdict(self)
        data["daily_budget"] = str(self.daily_budget)
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ExperimentSpec:
        data: dict[str, Any] = json.loads(text)
        data["arms"] = tuple(Arm(**a) for a in data["arms"])
        data["policy"] = DecisionPolicy(**data["policy"])
        data["daily_budget"] = parse_decimal(data["daily_budget"], "daily_budget")
        for key in ("guardrails", "space_creatives", "space_ctas"):
            data[key] = tuple(data.get(key) or ())
        return cls(**data)
