"""The budget policy: an account's rules for how budgets and bids may move, from a file to a validated object.

The policy is the shared contract between the allocator (``optimizer/allocation``), which optimises inside
it, and the guardrail check (``budgets.guardrails``), which enforces it on every change whatever its source.
Money is :class:`~decimal.Decimal` in **major** units of ``currency`` and must be a whole number of the
currency's minor units, so that every bound is exactly representable at Meta.

Build one with :meth:`BudgetPolicy.from_dict` or :meth:`BudgetPolicy.from_file` (TOML or YAML): both raise
:class:`~optimizer.errors.PolicyError` naming the source and the key path of every problem, e.g.
``policy.toml: max_daily_change: must be between 0 and 1, got 1.5``. Direct construction validates the same
rules but raises pydantic's ``ValidationError``.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from optimizer.errors import CurrencyError, PolicyError
from optimizer.money import major_to_minor, offset

__all__ = ["BidPolicy", "BudgetPolicy", "Limits", "Objective"]


class Objective(StrEnum):
    """What the allocator maximises."""

    PROFIT = "profit"  # margin * revenue - spend
    REVENUE = "revenue"
    CONVERSIONS = "conversions"
    TARGET_CPA = "target_cpa"  # conversions, keeping cost per conversion at or under target_cpa
    TARGET_ROAS = "target_roas"  # revenue, keeping revenue / spend at or above target_roas


_FROZEN = ConfigDict(frozen=True, extra="forbid")


def _check_bounds(low: Decimal | None, high: Decimal | None, low_name: str, high_name: str) -> None:
    for name, value in ((low_name, low), (high_name, high)):
        if value is not None and value < 0:
            raise ValueError(f"{name}: must not be negative, got {value}")
    if low is not None and high is not None and low > high:
        raise ValueError(f"{low_name} ({low}) must not exceed {high_name} ({high})")


class Limits(BaseModel):
    """Daily budget bounds for one campaign or ad set, in major units; None leaves that side to the default.

    For a campaign, the bounds apply to its own daily budget when it uses campaign budget optimisation (CBO),
    and to the sum of its ad sets' daily budgets otherwise.
    """

    model_config = _FROZEN

    min: Decimal | None = None
    max: Decimal | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Limits:
        _check_bounds(self.min, self.max, "min", "max")
        return self


class BidPolicy(BaseModel):
    """Limits on bid-cap / cost-cap ``bid_amount`` changes: relative step per day and absolute bounds."""

    model_config = _FROZEN

    max_change: float = 0.10
    min: Decimal | None = None
    max: Decimal | None = None

    @field_validator("max_change")
    @classmethod
    def _fraction(cls, value: float) -> float:
        if not 0 <= value <= 1:
            raise ValueError(f"must be between 0 and 1, got {value}")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> BidPolicy:
        _check_bounds(self.min, self.max, "min", "max")
        return self


def _as_id(value: object, where: str) -> str:
    """Meta ids are digit strings; YAML/JSON integers are accepted and kept as their exact digits."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"{where}: ids must be strings, got {value!r}")
    text = str(value).strip()
    if not text:
        raise ValueError(f"{where}: ids must not be empty")
    return text


class BudgetPolicy(BaseModel):
    """An account's budget policy: the total, the objective and the guardrails every change must respect.

    ``excluded`` ad sets and campaigns are left untouched and outside the total; ``frozen`` ones keep their
    budget but count inside the total. ``adsets`` (when given) lists the ad sets that may receive budget.
    ``min_budget`` / ``max_budget`` are the default per ad set (or CBO campaign) bounds, overridden one by
    one in ``adset_limits``; ``max_daily_change`` caps ``|new - current| / current`` per object per day
    (about 20% keeps Meta's learning phase from resetting).
    """

    model_config = _FROZEN

    account_id: str | None = None
    currency: str = "USD"
    total_daily_budget: Decimal | None = (
        None  # at most one of these two; neither => keep the current total
    )
    monthly_budget: Decimal | None = None  # paced into a daily total by budgets.pacing
    objective: Objective = Objective.PROFIT
    target_cpa: Decimal | None = None
    target_roas: Decimal | None = None
    margin: float = 1.0  # profit = margin * revenue - spend
    min_budget: Decimal = Decimal("1")
    max_budget: Decimal | None = None
    max_daily_change: float = 0.20
    adsets: list[str] | None = None
    excluded: list[str] = []
    frozen: list[str] = []
    campaigns: dict[str, Limits] = {}
    adset_limits: dict[str, Limits] = {}
    exploration_share: float = 0.10
    risk: Literal["neutral", "quantile", "cvar"] = "neutral"
    risk_quantile: float = 0.2
    bids: BidPolicy = BidPolicy()

    # -- field rules ------------------------------------------------------------------------------------

    @field_validator("currency", mode="before")
    @classmethod
    def _known_currency(cls, value: object) -> object:
        if not isinstance(value, str):
            raise ValueError(f"must be a currency code such as 'USD', got {value!r}")
        code = value.strip().upper()
        try:
            offset(code)
        except CurrencyError:
            raise ValueError(
                f"unknown currency {value!r}: not one of Meta's ad account currencies"
            ) from None
        return code

    @field_validator("account_id", mode="before")
    @classmethod
    def _account(cls, value: object) -> object:
        if value is None:
            return None
        return _as_id(value, "account_id")

    @field_validator("adsets", "excluded", "frozen", mode="before")
    @classmethod
    def _id_list(cls, value: object) -> object:
        if value is None:
            return None
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise ValueError(f"must be a list of ids, got {value!r}")
        ids = [_as_id(item, f"item {i}") for i, item in enumerate(value)]
        seen: set[str] = set()
        for item in ids:
            if item in seen:
                raise ValueError(f"id {item} is listed twice")
            seen.add(item)
        return ids

    @field_validator("campaigns", "adset_limits", mode="before")
    @classmethod
    def _id_keys(cls, value: object) -> object:
        if not isinstance(value, Mapping):
            raise ValueError(f"must be a table of id -> {{min, max}}, got {value!r}")
        keyed: dict[str, object] = {}
        for key, limits in value.items():
            name = _as_id(key, "key")
            if name in keyed:
                raise ValueError(f"id {name} is listed twice")
            keyed[name] = limits
        return keyed

    @field_validator("margin")
    @classmethod
    def _margin(cls, value: float) -> float:
        if not 0 < value <= 1:
            raise ValueError(
                f"must be above 0 and at most 1 (the share of revenue kept), got {value}"
            )
        return value

    @field_validator("max_daily_change")
    @classmethod
    def _max_change(cls, value: float) -> float:
        if not 0 <= value <= 1:
            raise ValueError(f"must be between 0 and 1, got {value}")
        return value

    @field_validator("exploration_share")
    @classmethod
    def _exploration(cls, value: float) -> float:
        if not 0 <= value < 1:
            raise ValueError(f"must be at least 0 and below 1, got {value}")
        return value

    @field_validator("risk_quantile")
    @classmethod
    def _quantile(cls, value: float) -> float:
        if not 0 < value < 1:
            raise ValueError(f"must be strictly between 0 and 1, got {value}")
        return value

    @field_validator("total_daily_budget", "monthly_budget", "min_budget", "max_budget")
    @classmethod
    def _non_negative(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value < 0:
            raise ValueError(f"must not be negative, got {value}")
        return value

    @field_validator("target_cpa", "target_roas")
    @classmethod
    def _positive(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value <= 0:
            raise ValueError(f"must be above 0, got {value}")
        return value

    # -- rules across fields ----------------------------------------------------------------------------

    @model_validator(mode="after")
    def _consistent(self) -> BudgetPolicy:
        if self.total_daily_budget is not None and self.monthly_budget is not None:
            raise ValueError(
                "total_daily_budget and monthly_budget: give at most one "
                "(a monthly budget is paced into the daily total)"
            )
        for objective, target in (
            (Objective.TARGET_CPA, "target_cpa"),
            (Objective.TARGET_ROAS, "target_roas"),
        ):
            value = getattr(self, target)
            if self.objective is objective and value is None:
                raise ValueError(f"{target}: objective {objective.value!r} needs {target}")
            if self.objective is not objective and value is not None:
                raise ValueError(
                    f"{target}: set, but objective is {self.objective.value!r}; "
                    f"use objective = {objective.value!r} or remove {target}"
                )
        _check_bounds(self.min_budget, self.max_budget, "min_budget", "max_budget")
        self._check_minor_units()
        self._check_overlaps()
        return self

    def _check_minor_units(self) -> None:
        """Every amount must be a whole number of minor units, or Meta could not hold it exactly."""
        amounts: list[tuple[str, Decimal | None]] = [
            ("total_daily_budget", self.total_daily_budget),
            ("monthly_budget", self.monthly_budget),
            ("min_budget", self.min_budget),
            ("max_budget", self.max_budget),
            ("target_cpa", self.target_cpa),
            ("bids.min", self.bids.min),
            ("bids.max", self.bids.max),
        ]
        for table, entries in (("campaigns", self.campaigns), ("adset_limits", self.adset_limits)):
            for key, limits in entries.items():
                amounts += [(f"{table}.{key}.min", limits.min), (f"{table}.{key}.max", limits.max)]
        for name, amount in amounts:
            if amount is None:
                continue
            try:
                major_to_minor(amount, self.currency, exact=True)
            except CurrencyError:
                unit = "whole units" if offset(self.currency) == 1 else "hundredths"
                raise ValueError(
                    f"{name}: {amount} {self.currency} is finer than the currency's minor unit ({unit})"
                ) from None

    def _check_overlaps(self) -> None:
        excluded, frozen = set(self.excluded), set(self.frozen)
        both = sorted(excluded & frozen)
        if both:
            raise ValueError(f"excluded and frozen: {', '.join(both)} cannot be both")
        if self.adsets is not None:
            listed = sorted(set(self.adsets) & excluded)
            if listed:
                raise ValueError(
                    f"adsets and excluded: {', '.join(listed)} cannot both receive budget and be excluded"
                )

    # -- lookups ----------------------------------------------------------------------------------------

    @cached_property
    def excluded_ids(self) -> frozenset[str]:
        """``excluded`` as a set, for checks over thousands of objects."""
        return frozenset(self.excluded)

    @cached_property
    def frozen_ids(self) -> frozenset[str]:
        """``frozen`` as a set."""
        return frozenset(self.frozen)

    @cached_property
    def adset_ids(self) -> frozenset[str] | None:
        """``adsets`` as a set; None when every active ad set may receive budget."""
        return None if self.adsets is None else frozenset(self.adsets)

    def adset_bounds(self, adset_id: str) -> tuple[Decimal, Decimal | None]:
        """The (min, max) daily budget of one ad set (or CBO campaign): its own limits over the defaults."""
        return self._bounds(self.adset_limits.get(adset_id))

    def campaign_bounds(self, campaign_id: str) -> tuple[Decimal, Decimal | None]:
        """The (min, max) of a CBO campaign's own daily budget: its ``campaigns`` limits over the defaults."""
        return self._bounds(self.campaigns.get(campaign_id))

    def _bounds(self, limits: Limits | None) -> tuple[Decimal, Decimal | None]:
        low = limits.min if limits is not None and limits.min is not None else self.min_budget
        high = limits.max if limits is not None and limits.max is not None else self.max_budget
        if high is not None and low > high:
            # a default crossing the object's own limit: its own (more specific) limit wins
            if limits is not None and limits.max is not None:
                low = high
            else:
                high = low
        return low, high

    def may_receive_budget(self, adset_id: str) -> bool:
        """Whether the allocator may move this ad set's budget (listed or no list, neither excluded nor frozen)."""
        if adset_id in self.excluded_ids or adset_id in self.frozen_ids:
            return False
        return self.adset_ids is None or adset_id in self.adset_ids

    # -- construction -----------------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "policy") -> BudgetPolicy:
        """Validate a plain mapping; every problem is reported as ``source: key.path: what is wrong``."""
        if not isinstance(data, Mapping):
            raise PolicyError(
                f"{source}: a policy must be a table of keys, got {type(data).__name__}"
            )
        try:
            return cls.model_validate(dict(data))
        except ValidationError as error:
            raise PolicyError(_describe(error, source)) from None

    @classmethod
    def from_file(cls, path: str | Path) -> BudgetPolicy:
        """Load a ``.toml``, ``.yaml`` or ``.yml`` policy file; errors name the file and the key path."""
        path = Path(path)
        source = str(path)
        suffix = path.suffix.lower()
        if suffix not in {".toml", ".yaml", ".yml"}:
            raise PolicyError(f"{source}: policy files must end in .toml, .yaml or .yml")
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise PolicyError(f"{source}: cannot read the policy file ({error.strerror})") from None
        data: object
        if suffix == ".toml":
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError as error:
                raise PolicyError(f"{source}: not valid TOML: {error}") from None
        else:
            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError as error:
                raise PolicyError(f"{source}: not valid YAML: {error}") from None
            if data is None:
                data = {}
        if not isinstance(data, Mapping):
            raise PolicyError(
                f"{source}: a policy must be a table of keys, got {type(data).__name__}"
            )
        return cls.from_dict(data, source=source)


def _fields_at(loc: tuple[int | str, ...]) -> list[str]:
    """The keys allowed at a location, for did-you-mean suggestions on unknown keys."""
    if not loc:
        return list(BudgetPolicy.model_fields)
    if loc == ("bids",):
        return list(BidPolicy.model_fields)
    if len(loc) == 2 and loc[0] in {"campaigns", "adset_limits"}:
        return list(Limits.model_fields)
    return []


def _describe(error: ValidationError, source: str) -> str:
    """One line per problem: ``source: key.path: message``, with did-you-mean for unknown keys."""
    lines = []
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        path = ".".join(str(part) for part in loc)
        if item["type"] == "extra_forbidden":
            key = str(loc[-1])
            known = _fields_at(loc[:-1])
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(known)}"
            lines.append(f"{source}: {path}: unknown key{hint}")
            continue
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] not in {"value_error", "assertion_error"}:
            message = f"{message}, got {item.get('input')!r}"
        lines.append(f"{source}: {path}: {message}" if path else f"{source}: {message}")
    return "\n".join(lines)
