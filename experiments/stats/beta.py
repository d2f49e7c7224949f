"""The exact Beta-Binomial model of a conversion rate: per-arm Beta posteriors and P(B > A) in closed form.

Why a second model: the Gaussian effect model (:mod:`experiments.stats.bayesian`) is what gbstats reports
and is accurate once an arm has a few dozen conversions; the Beta posterior is exact at any sample size and
is what the per-arm rate intervals, the Monte-Carlo probability of being best, and Thompson sampling draw
from. For two arms P(B > A) has Evan Miller's closed form (a finite sum over B's successes), used here and
checked against numerical integration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import integrate  # type: ignore[import-untyped]
from scipy.special import betaln, logsumexp  # type: ignore[import-untyped]
from scipy.stats import beta as beta_dist  # type: ignore[import-untyped]

from experiments.stats.models import ProportionStats
from optimizer.errors import InputError

__all__ = ["BetaPosterior", "beta_posterior", "prob_greater"]


@dataclass(frozen=True)
class BetaPosterior:
    """Beta(alpha, beta) posterior of a rate."""

    alpha: float
    beta: float

    def __post_init__(self) -> None:
        if not (self.alpha > 0 and self.beta > 0):
            raise InputError(f"Beta parameters must be positive, got ({self.alpha}, {self.beta})")

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        """Equal-tailed credible interval."""
        tail = (1.0 - level) / 2.0
        low, high = beta_dist.ppf([tail, 1.0 - tail], self.alpha, self.beta)
        return float(low), float(high)


def beta_posterior(
    stats: ProportionStats, prior_alpha: float = 1.0, prior_beta: float = 1.0
) -> BetaPosterior:
    """Conjugate update: Beta(prior_alpha + conversions, prior_beta + units − conversions)."""
    return BetaPosterior(
        prior_alpha + stats.conversions, prior_beta + stats.units - stats.conversions
    )


def _miller_sum(a: BetaPosterior, b: BetaPosterior) -> float:
    """P(pB > pA) = Σ_{i=0}^{αB−1} B(αA+i, βA+βB) / ((βB+i)·B(1+i, βB)·B(αA, βA)), αB a whole number."""
    i = np.arange(int(b.alpha), dtype=float)
    log_terms = (
        betaln(a.alpha + i, a.beta + b.beta)
        - np.log(b.beta + i)
        - betaln(1.0 + i, b.beta)
        - betaln(a.alpha, a.beta)
    )
    return float(min(1.0, max(0.0, math.exp(logsumexp(log_terms)))))


def _by_quadrature(a: BetaPosterior, b: BetaPosterior) -> float:
    """P(pB > pA) = ∫ f_B(x)·F_A(x) dx, for parameters the finite sum does not cover."""
    lo, hi = (
        min(x.interval(1 - 1e-12)[0] for x in (a, b)),
        max(x.interval(1 - 1e-12)[1] for x in (a, b)),
    )
    value, _ = integrate.quad(
        lambda x: beta_dist.pdf(x, b.alpha, b.beta) * beta_dist.cdf(x, a.alpha, a.beta),
        lo,
        hi,
        limit=200,
    )
    return float(min(1.0, max(0.0, value)))


def prob_greater(b: BetaPosterior, a: BetaPosterior) -> float:
    """Exact P(pB > pA) for independent Beta posteriors.

    Uses the finite sum over the arm with the smaller whole-number alpha (P(B > A) = 1 − P(A > B) for
    continuous rates), and quadrature when neither alpha is whole.
    """
    b_whole, a_whole = float(b.alpha).is_integer(), float(a.alpha).is_integer()
    if b_whole and (not a_whole or b.alpha <= a.alpha):
        return _miller_sum(a, b)  # the sum has alpha_B terms: use the shorter one
    if a_whole:
        return 1.0 - _miller_sum(b, a)
    return _by_quadrature(a, b)
