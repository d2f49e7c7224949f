"""Fit every ad set's response curve at once: ``fit(history) -> {adset_id: FitResult}``.

Three vectorised passes of the Laplace fitter (see :mod:`optimizer.models.laplace`):

1. on mature days only (older than the attribution horizon), under a weak account-wide prior, to learn the
   weekday factors;
2. again with those factors, to get first-pass estimates for the dispersion, the completeness curve of the
   young days and the empirical-Bayes pooled priors (campaign within account);
3. on every day, under the pooled priors, with the completeness curve as an offset: the posterior.

The elasticity's prior comes from the ad set's delivery curve (impressions vs spend day over day, see
:mod:`optimizer.models.elasticity`), which conversions alone identify poorly and confound with drift once
budgets react to performance; held-out weeks (:mod:`optimizer.models.drift`) measure how far the curve
misses; their spread widens the posterior, and their mean miss can shift every level
(``bias_correction``, off by default: in a closed loop that miss is mostly selection, budgets raised where
the estimate ran high, not a trend, and shifting every level made the allocator under-spend).

Recent days weigh more (exponential half-life, 28 days: longer memories fit the sandbox's mean-reverting
drift a little better but their 90% intervals covered under 85%); what moves faster is read elsewhere:
fatigue and auction drift from the clicks of each day (:mod:`optimizer.models.funnel`), a sudden break in
one ad set by a likelihood-ratio scan that down-weights the days before it
(:mod:`optimizer.models.changepoint`).
Pooling compares ad sets at a common spend: rates at each one's own spend are regressed on that spend
first (:func:`optimizer.models.pooling.spend_slope`), so an ad set that is small because its budget was
cut is not judged by the per-dollar rate of big ones. An ad set that cannot be fitted (no spend, a single
day, unknown) gets its pooled prior with ``status=prior`` and a reason; the others are unaffected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from optimizer.errors import InputError
from optimizer.models.changepoint import find_changes
from optimizer.models.delay import Completeness, estimate_completeness
from optimizer.models.drift import Refit, drift_variance
from optimizer.models.elasticity import DeliveryElasticity, delivery_elasticity
from optimizer.models.funnel import funnel_offset
from optimizer.models.history import validate_history
from optimizer.models.laplace import LaplaceFit, fit_laplace
from optimizer.models.pooling import pooled_prior, spend_slope
from optimizer.models.posterior import FitResult, FitStatus
from optimizer.models.revenue import fit_order_value

__all__ = ["AccountFit", "ModelConfig", "default_as_of", "fit", "fit_account"]

# parameters: log level at as_of, elasticity, log change per 30 days
_WEAK_VAR = np.array([4.0, 1.0, 1.0])  # first passes: barely constrained
_BASE_VAR = np.array([4.0, 0.25**2, 0.15**2])  # the widest pooled prior: elasticity 0.5 +- 0.5
_FLOOR_VAR = np.array([0.1**2, 0.1**2, 0.05**2])
_ELASTICITY = (0.05, 0.95)
_BEFORE_CHANGE = 0.02  # weight of the days before a detected change in an ad set's level


@dataclass(frozen=True)
class ModelConfig:
    """The model's knobs; every one is a plain value so a tuner (Optuna) can search over them."""

    half_life_days: float | None = 28.0  # recency weighting; None weighs every day equally
    prior_strength: float = 0.07  # pooled prior precision x this (sandbox loop + calibration)
    delay_horizon: int = 7  # days whose conversions may still be arriving
    completeness: Completeness | None = (
        None  # given attribution curve; None estimates it from the data
    )
    weekday_effects: bool = True
    min_days: int = 2  # fewer days with spend than this => pooled prior only
    window_days: int | None = 120  # history older than this is ignored
    order_value_prior: float | None = (
        None  # orders' worth of pull toward the campaign (None: from data)
    )
    trend: bool = False  # a per-ad-set log-linear trend, pooled (off: it overfits OU-like drift)
    holdout_windows: int = 3  # how many back-to-back held-out windows to pool
    holdout_days: int = 7  # back-test week that measures drift the curve cannot see; 0 turns it off
    elasticity_prior: float = 0.5  # account-level prior mean of b before pooling
    delivery_elasticity: bool = True  # b's prior from impressions vs spend (models.elasticity)
    conversion_elasticity_sd: float = 0.05  # conversion rates' own move with spend, on top
    bias_correction: bool = (
        False  # shift levels by the held-out weeks' mean log miss (see fit_account)
    )
    spend_slope_prior: float = (
        -0.2
    )  # prior slope of log rate at own spend on log spend (pooling.spend_slope)
    spend_slope_sd: float = 0.2
    funnel: bool = True  # read past conversions against that day's clicks per spend (models.funnel)
    changepoints: bool = True  # down-weight days before a sudden change (models.changepoint)

    def __post_init__(self) -> None:
        if self.half_life_days is not None and self.half_life_days <= 0:
            raise InputError(f"half_life_days: must be positive, got {self.half_life_days}")
        if self.prior_strength <= 0:
            raise InputError(f"prior_strength: must be positive, got {self.prior_strength}")
        if self.delay_horizon < 0:
            raise InputError(f"delay_horizon: must not be negative, got {self.delay_horizon}")
        if self.min_days < 1:
            raise InputError(f"min_days: must be at least 1, got {self.min_days}")
        if not 0 < self.elasticity_prior < 1:
            raise InputError(f"elasticity_prior: must be in (0, 1), got {self.elasticity_prior}")
        if self.conversion_elasticity_sd <= 0:
            raise InputError(
                f"conversion_elasticity_sd: must be positive, got {self.conversion_elasticity_sd}"
            )


def default_as_of(history: pd.DataFrame) -> date | None:
    """The day a recommendation is for: the day after the last day of (validated) history."""
    if len(history) == 0:
        return None
    last: pd.Timestamp = history["date"].max()
    return (last + pd.Timedelta(days=1)).date()


def _dispersion(y: np.ndarray, mu: np.ndarray, dof: float) -> float:
    """NB size phi such that the Pearson statistic matches its degrees of freedom (inf = Poisson)."""
    keep = mu > 1e-9
    y, mu = y[keep], mu[keep]
    target = len(y) - dof
    if target <= 5:
        return 10.0

    def excess(log_phi: float) -> float:
        phi = np.exp(log_phi)
        return float(np.sum((y - mu) ** 2 / (mu * (1.0 + mu / phi)))) - target

    if excess(np.log(1e6)) <= 0:
        return float("inf")
    if excess(np.log(1e-2)) >= 0:
        return 1e-2
    return float(np.exp(brentq(excess, np.log(1e-2), np.log(1e6), xtol=1e-3)))


def _weekday_factors(y: np.ndarray, mu: np.ndarray, dow: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Multiplicative weekday factors (mean 1), shrunk toward 1 with 20 expected conversions' weight."""
    obs = np.bincount(dow, weights=w * y, minlength=7)
    exp = np.bincount(dow, weights=w * mu, minlength=7)
    factors = (obs + 20.0) / (exp + 20.0)
    return np.asarray(factors / factors.mean(), dtype=float)


def _reference_spend(frame: pd.DataFrame, ids: list[str], as_of: date) -> np.ndarray:
    """Typical recent spend per ad set: mean positive spend over its last 7 days with spend."""
    positive = frame[frame["spend"] > 0]
    recent = positive.groupby("adset_id", sort=False).tail(7)
    means = recent.groupby("adset_id")["spend"].mean()
    ref = means.reindex(ids).to_numpy(dtype=float)
    fallback = float(np.nanmedian(ref)) if np.isfinite(ref).any() else 1.0
    return np.where(np.isfinite(ref) & (ref > 0), ref, fallback)


@dataclass(frozen=True)
class AccountFit:
    """Every ad set's posterior plus the account-level pieces they share (for reports and tests)."""

    adsets: dict[str, FitResult]
    completeness: Completeness
    weekday: tuple[float, ...]
    dispersion: float
    as_of: date | None
    drift_var: float = 0.0  # variance of log level added for drift, measured on held-out weeks
    forecast_bias: float = 0.0  # mean log(observed / predicted) on those weeks (a diagnostic)


def fit(
    history: pd.DataFrame,
    *,
    config: ModelConfig | None = None,
    as_of: date | None = None,
    adsets: Mapping[str, str | None] | Iterable[str] | None = None,
) -> dict[str, FitResult]:
    """Fit the response model of every ad set in ``history`` (plus any extra ``adsets``: cold start).

    ``as_of`` is the day the posterior is for (default: the day after the last day of history); days are
    lagged from it for recency and attribution delay. ``adsets`` may map new ad set ids to their campaign
    ids so they borrow that campaign's prior.
    """
    return fit_account(history, config=config, as_of=as_of, adsets=adsets).adsets


def fit_account(
    history: pd.DataFrame,
    *,
    config: ModelConfig | None = None,
    as_of: date | None = None,
    adsets: Mapping[str, str | None] | Iterable[str] | None = None,
) -> AccountFit:
    """:func:`fit`, also returning the shared completeness curve, weekday factors and dispersion."""
    config = config or ModelConfig()
    frame = validate_history(history)
    extra: dict[str, str | None] = {}
    if adsets is not None:
        extra = (
            {str(k): (None if v is None else str(v)) for k, v in adsets.items()}
            if isinstance(adsets, Mapping)
            else {str(k): None for k in adsets}
        )
    if as_of is None:
        as_of = default_as_of(frame) or date.today()
    frame = frame[frame["date"] < pd.Timestamp(as_of)]
    if config.window_days is not None:
        frame = frame[frame["date"] >= pd.Timestamp(as_of - timedelta(days=config.window_days))]

    latest = frame.groupby("adset_id", sort=True).tail(1)
    campaigns_of: dict[str, str | None] = dict(
        zip(latest["adset_id"], latest["campaign_id"], strict=True)
    )
    for adset_id, campaign_id in extra.items():
        if adset_id not in campaigns_of or campaigns_of[adset_id] is None:
            campaigns_of[adset_id] = campaign_id
    ids = sorted(campaigns_of)
    if not ids:
        return AccountFit({}, config.completeness or Completeness(), (), float("inf"), as_of)
    n_groups = len(ids)
    index = {adset_id: i for i, adset_id in enumerate(ids)}
    camp_names: dict[str, int] = {}
    campaign = np.empty(n_groups, dtype=int)
    for i, adset_id in enumerate(ids):
        key = campaigns_of[adset_id]
        name = key if key is not None else f"\x00{adset_id}"  # no campaign: a campaign of its own
        campaign[i] = camp_names.setdefault(name, len(camp_names))
    n_campaigns = len(camp_names)
    s_ref = _reference_spend(frame, ids, as_of)

    rows = frame[frame["spend"] > 0]
    group = rows["adset_id"].map(index).to_numpy(dtype=int)
    spend = rows["spend"].to_numpy(dtype=float)
    y = rows["conversions"].to_numpy(dtype=float)
    lag = (pd.Timestamp(as_of) - rows["date"]).dt.days.to_numpy(dtype=int) - 1
    dow = rows["date"].dt.day_of_week.to_numpy(dtype=int)
    x = np.log(spend / s_ref[group])
    w = (
        np.ones_like(x)
        if config.half_life_days is None
        else np.power(0.5, lag / config.half_life_days)
    )
    measured = delivery_elasticity(frame, ids)
    base = np.log(s_ref[group])
    if config.funnel:  # read each day against that day's funnel (see models.funnel)
        b_clicks = np.clip(np.nan_to_num(measured.mean, nan=config.elasticity_prior), *_ELASTICITY)
        base = base + funnel_offset(rows, ids, b_clicks, pd.Timestamp(as_of))
    days = np.bincount(group, minlength=n_groups)
    usable = days >= config.min_days
    row_ok = usable[group]

    # design: level at as_of, elasticity, trend per 30 days (t <= 0: days before as_of)
    trend_t = -(lag + 1) / 30.0
    design = np.stack([np.ones_like(x), x, trend_t if config.trend else np.zeros_like(x)], axis=1)
    total_conv, total_spend = float(y.sum()), float(spend.sum())
    base_alpha = np.log(max(total_conv, 0.5) / total_spend) if total_spend > 0 else np.log(0.01)
    base_mean = np.array([base_alpha, config.elasticity_prior, 0.0])
    weak_mean = np.tile(base_mean, (n_groups, 1))
    weak_prec = np.zeros((n_groups, 3, 3))
    for j in range(3):
        weak_prec[:, j, j] = 1.0 / _WEAK_VAR[j]

    horizon = config.delay_horizon if config.completeness is None else 0
    mature = row_ok & (lag >= horizon)
    if config.completeness is None and not mature.any():
        mature = (
            row_ok  # too little history to tell delay from performance: treat all days as complete
        )
        horizon = 0
    m_idx = np.flatnonzero(mature)
    given = config.completeness or Completeness()
    delay_m = np.log(given.at(lag[m_idx]))
    weekday = np.ones(7)
    phi = 10.0
    first = fit_laplace(
        group[m_idx], n_groups, design[m_idx], y[m_idx], base[m_idx] + delay_m, w[m_idx],
        weak_mean, weak_prec, phi,
    )  # fmt: skip
    if config.weekday_effects and len(m_idx):
        weekday = _weekday_factors(y[m_idx], first.fitted, dow[m_idx], w[m_idx])
        first = fit_laplace(
            group[m_idx], n_groups, design[m_idx], y[m_idx],
            base[m_idx] + delay_m + np.log(weekday[dow[m_idx]]), w[m_idx],
            weak_mean, weak_prec, phi,
        )  # fmt: skip
    if len(m_idx):
        phi = _dispersion(y[m_idx], first.fitted, dof=3.0 * float(np.sum(usable)))

    completeness = given
    if config.completeness is None and horizon > 0:
        young = np.flatnonzero(row_ok & (lag < horizon))
        theta = first.mode[group[young]]
        expected = np.exp(
            base[young] + np.einsum("rk,rk->r", design[young], theta) + np.log(weekday[dow[young]])
        )
        completeness = estimate_completeness(y[young], expected, lag[young], horizon=horizon)

    informative = np.bincount(group[m_idx], minlength=n_groups) > 0
    prior_mean, prior_var = _priors(
        first, s_ref, informative & usable, campaign, n_campaigns, base_mean, measured, config
    )
    prior_prec = np.zeros((n_groups, 3, 3))
    for j in range(3):
        prior_prec[:, j, j] = 1.0 / prior_var[:, j]

    r_idx = np.flatnonzero(row_ok)
    offset = base[r_idx] + np.log(completeness.at(lag[r_idx])) + np.log(weekday[dow[r_idx]])
    final = fit_laplace(
        group[r_idx],
        n_groups,
        design[r_idx],
        y[r_idx],
        offset,
        w[r_idx],
        prior_mean,
        prior_prec,
        phi,
    )

    change = np.full(n_groups, -1)
    if config.changepoints and len(r_idx):
        change = find_changes(
            group[r_idx], n_groups, y[r_idx], final.fitted, lag[r_idx], dispersion=phi
        )
        before = (change[group[r_idx]] >= 0) & (lag[r_idx] > change[group[r_idx]])
        if before.any():  # refit with the days before each change counting less
            final = fit_laplace(
                group[r_idx], n_groups, design[r_idx], y[r_idx], offset,
                w[r_idx] * np.where(before, _BEFORE_CHANGE, 1.0), prior_mean, prior_prec, phi,
            )  # fmt: skip

    all_rows = frame["adset_id"].map(index).to_numpy(dtype=int)
    all_lag = (pd.Timestamp(as_of) - frame["date"]).dt.days.to_numpy(dtype=int) - 1
    all_w = (
        np.ones(len(frame))
        if config.half_life_days is None
        else np.power(0.5, all_lag / config.half_life_days)
    )
    value = fit_order_value(
        all_rows, n_groups, campaign[all_rows], n_campaigns,
        frame["conversions"].to_numpy(dtype=float), frame["revenue"].to_numpy(dtype=float),
        all_w, prior_conversions=config.order_value_prior,
    )  # fmt: skip
    conversions = np.bincount(group, weights=y, minlength=n_groups)
    in_history = set(frame["adset_id"])
    settled = max(
        config.delay_horizon, len(config.completeness.shares) if config.completeness else 0
    )
    bias, drift = (
        drift_variance(
            frame, _refit(config), as_of, settled, phi, config.holdout_windows, config.holdout_days
        )
        if config.holdout_days > 0
        else (0.0, 0.0)
    )
    results: dict[str, FitResult] = {}
    weekday_t = tuple(float(f) for f in weekday)
    for i, adset_id in enumerate(ids):
        if usable[i]:
            status = FitStatus.FITTED
            reason = (
                ""
                if conversions[i] > 0
                else "no conversions yet: the pooled prior carries the rate"
            )
            if change[i] >= 0:
                reason = (
                    f"performance changed {change[i] + 1} day(s) ago: earlier days down-weighted"
                )
            mean, cov = final.mode[i], final.cov[i][:2, :2]
        else:
            status = FitStatus.PRIOR
            if adset_id not in in_history:
                reason = "no history (new ad set): pooled prior"
            elif days[i] == 0:
                reason = "no spend in history: pooled prior"
            else:
                reason = f"only {days[i]} day(s) with spend (< {config.min_days}): pooled prior"
            mean = prior_mean[i]
            cov = np.diag(prior_var[i][:2])
        if config.bias_correction:
            mean = mean + np.array([bias, 0.0, 0.0])[: len(mean)]
        cov = cov + np.diag([drift, 0.0])
        results[adset_id] = FitResult(
            adset_id=adset_id,
            campaign_id=campaigns_of[adset_id],
            status=status,
            reason=reason,
            reference_spend=float(s_ref[i]),
            mean=(float(mean[0]), float(mean[1])),
            cov=((float(cov[0, 0]), float(cov[0, 1])), (float(cov[1, 0]), float(cov[1, 1]))),
            weekday=weekday_t,
            dispersion=phi,
            order_value=float(value.mean[i]),
            order_value_log_mean=float(value.log_mean[i]),
            order_value_log_var=float(value.log_var[i]),
            days=int(days[i]),
        )
    return AccountFit(results, completeness, weekday_t, phi, as_of, drift, bias)


def _priors(
    first: LaplaceFit,
    s_ref: np.ndarray,
    informative: np.ndarray,
    campaign: np.ndarray,
    n_campaigns: int,
    base_mean: np.ndarray,
    measured: DeliveryElasticity,
    config: ModelConfig,
) -> tuple[np.ndarray, np.ndarray]:
    """Each ad set's prior (means, variances; G x 3) from the first pass: pooled by campaign and account
    at a common spend, with the elasticity's prior sharpened by the ad set's own delivery slope."""
    # rates at each ad set's own spend, levelled to a common spend before pooling (see spend_slope)
    first_var = np.diagonal(first.cov, axis1=1, axis2=2)
    log_ref = np.log(s_ref)
    slope = spend_slope(
        first.mode[:, 0], first_var[:, 0], log_ref, informative,
        prior_mean=config.spend_slope_prior, prior_sd=config.spend_slope_sd,
    )  # fmt: skip
    shift = slope.slope * (log_ref - slope.centre)
    levelled = first.mode.copy()
    levelled[:, 0] -= shift
    prior = pooled_prior(
        levelled,
        first_var,
        informative,
        campaign,
        n_campaigns,
        base_mean=base_mean,
        base_var=_BASE_VAR,
        floor_var=_FLOOR_VAR,
        strength=config.prior_strength,
    )
    prior_mean = prior.mean.copy()
    prior_var = prior.var.copy()
    prior_mean[:, 0] += shift
    prior_var[:, 0] += slope.var * (log_ref - slope.centre) ** 2
    delivery = _delivery_prior(measured, config)
    if delivery is not None:  # two sources on b: other ad sets' conversions, this one's delivery
        known, b_mean, b_var = delivery
        precision = 1.0 / prior_var[known, 1] + 1.0 / b_var[known]
        prior_mean[known, 1] = (
            prior_mean[known, 1] / prior_var[known, 1] + b_mean[known] / b_var[known]
        ) / precision
        prior_var[known, 1] = 1.0 / precision
    prior_mean[:, 1] = np.clip(prior_mean[:, 1], *_ELASTICITY)
    return prior_mean, prior_var


def _delivery_prior(
    measured: DeliveryElasticity, config: ModelConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(measured mask, prior mean, prior variance) of each ad set's elasticity from its delivery curve.

    b = b_delivery + c: c is how conversion rates themselves move with spend, 0 a priori (the auction,
    not the audience, bends the curve), with sd ``conversion_elasticity_sd``. The conversion fits cannot
    measure c: budgets react to performance (an ad set raised while it did well, cut after a bad week),
    so over time its spend and its drift move together and its conversions' slope is confounded; in the
    closed loop an adaptive spread learnt from them let that confounded slope through (0.4 where the truth
    was 0.6). The delivery slope, from day-to-day jitter of delivered spend, does not have that problem.
    """
    if not config.delivery_elasticity:
        return None
    known = np.isfinite(measured.var)
    if not known.any():
        return None
    b_del = np.nan_to_num(measured.mean, nan=config.elasticity_prior)
    spread = config.conversion_elasticity_sd**2
    mean = np.clip(b_del, *_ELASTICITY)
    return known, mean, measured.var + spread


def _refit(config: ModelConfig) -> Refit:
    """The held-out fits: the same model without their own hold-out, on days that are complete now."""
    earlier = replace(config, holdout_days=0, completeness=Completeness())

    def refit(frame: pd.DataFrame, as_of: date) -> dict[str, FitResult]:
        return fit_account(frame, config=earlier, as_of=as_of).adsets

    return refit
