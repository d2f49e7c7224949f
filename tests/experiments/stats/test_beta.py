"""Exact Beta-Binomial P(B > A) against hand-computed closed forms and numerical integration."""

from __future__ import annotations

from fractions import Fraction
from math import comb

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import beta as beta_dist

from experiments.stats.beta import BetaPosterior, beta_posterior, prob_greater
from experiments.stats.models import ProportionStats
from optimizer.errors import InputError


def test_hand_computed_small_cases():
    uniform = BetaPosterior(1, 1)
    assert prob_greater(uniform, uniform) == pytest.approx(0.5)
    # B ~ Beta(2,1) has density 2x; A uniform: P(B > A) = ∫ 2x·x dx = 2/3.
    assert prob_greater(BetaPosterior(2, 1), uniform) == pytest.approx(2 / 3)
    # B ~ Beta(1,2) (density 2(1-x)): P(B > A) = ∫ 2(1-x)·x dx = 1/3.
    assert prob_greater(BetaPosterior(1, 2), uniform) == pytest.approx(1 / 3)
    # B ~ Beta(3,1) (3x²) vs A ~ Beta(2,1) (cdf x²): ∫ 3x²·x² dx = 3/5.
    assert prob_greater(BetaPosterior(3, 1), BetaPosterior(2, 1)) == pytest.approx(3 / 5)


def _exact_rational(a_succ, a_fail, b_succ, b_fail):
    """P(pB > pA) with uniform priors as an exact fraction: order statistics of uniforms.

    For Beta(α,β) with integer parameters, P(pB > pA) = Σ_{i<αB} B(αA+i, βA+βB) / ((βB+i) B(1+i,βB) B(αA,βA))
    written with factorials, so the check is independent of floating-point special functions.
    """

    def beta_fn(x, y):  # B(x, y) for positive integers
        return Fraction(1, x + y - 1) / comb(x + y - 2, x - 1)

    aa, ba, ab, bb = a_succ + 1, a_fail + 1, b_succ + 1, b_fail + 1
    total = Fraction(0)
    for i in range(ab):
        total += beta_fn(aa + i, ba + bb) / ((bb + i) * beta_fn(1 + i, bb) * beta_fn(aa, ba))
    return total


def test_against_exact_rational_evaluation_of_evan_millers_sum():
    for a_succ, a_fail, b_succ, b_fail in [
        (3, 17, 6, 14),
        (0, 5, 1, 4),
        (12, 40, 9, 50),
        (25, 75, 30, 70),
    ]:
        expected = float(_exact_rational(a_succ, a_fail, b_succ, b_fail))
        got = prob_greater(
            BetaPosterior(b_succ + 1, b_fail + 1), BetaPosterior(a_succ + 1, a_fail + 1)
        )
        assert got == pytest.approx(expected, abs=1e-12)


def _quadrature(b, a):
    value, _ = integrate.quad(
        lambda x: beta_dist.pdf(x, b.alpha, b.beta) * beta_dist.cdf(x, a.alpha, a.beta), 0, 1,
        points=[a.mean, b.mean], limit=500,
    )  # fmt: skip
    return value


def test_against_numerical_integration_at_ad_scale():
    rng = np.random.default_rng(11)
    for _ in range(15):
        n_a, n_b = rng.integers(200, 30_000, 2)
        a = beta_posterior(ProportionStats(int(n_a), int(rng.binomial(n_a, 0.03))))
        b = beta_posterior(ProportionStats(int(n_b), int(rng.binomial(n_b, 0.033))))
        assert prob_greater(b, a) == pytest.approx(_quadrature(b, a), abs=1e-6)


def test_complement_and_non_integer_parameters():
    a, b = BetaPosterior(40.5, 960.5), BetaPosterior(52.5, 949.5)
    assert prob_greater(b, a) == pytest.approx(_quadrature(b, a), abs=1e-7)
    c = BetaPosterior(41, 960.5)
    assert prob_greater(c, b) + prob_greater(b, c) == pytest.approx(1.0, abs=1e-9)


def test_posterior_and_interval():
    post = beta_posterior(ProportionStats(100, 7))
    assert (post.alpha, post.beta) == (8, 94)
    assert post.mean == pytest.approx(8 / 102)
    low, high = post.interval(0.95)
    assert beta_dist.cdf(low, 8, 94) == pytest.approx(0.025)
    assert beta_dist.cdf(high, 8, 94) == pytest.approx(0.975)
    with pytest.raises(InputError):
        BetaPosterior(0, 1)
