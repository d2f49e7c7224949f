"""The Gaussian effect model against gbstats 0.8.0 (an established engine) and the reference's worked examples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig
from gbstats.bayesian.tests import GaussianPrior as GbPrior
from gbstats.models.statistics import ProportionStatistic, RatioStatistic, SampleMeanStatistic
from hypothesis import given, settings
from hypothesis import strategies as st

from experiments.stats.bayesian import (
    GaussianPrior,
    effect_posterior,
    gaussian_effect,
    normal_expected_shortfall,
)
from experiments.stats.models import MeanStats, ProportionStats, RatioStats


def gb_result(a, b, *, relative=True, inverse=False, prior=None):
    config = EffectBayesianConfig(
        difference_type="relative" if relative else "absolute",
        inverse=inverse,
        **({"prior_effect": prior} if prior is not None else {}),
    )
    return EffectBayesianABTest(a, b, config).compute_result()


def assert_agrees(ours, theirs, scale=1.0):
    """3 decimals for chance to win and interval bounds (scaled for absolute effects), risk too."""
    assert ours.error is None and theirs.error_message is None
    assert ours.chance_to_win == pytest.approx(theirs.chance_to_win, abs=5e-4)
    assert ours.ci_low / scale == pytest.approx(theirs.ci[0] / scale, abs=5e-4)
    assert ours.ci_high / scale == pytest.approx(theirs.ci[1] / scale, abs=5e-4)
    assert ours.mean == pytest.approx(theirs.expected, rel=1e-9, abs=1e-12)
    assert ours.risk_control == pytest.approx(theirs.risk[0], rel=1e-6, abs=1e-12)
    assert ours.risk_treatment == pytest.approx(theirs.risk[1], rel=1e-6, abs=1e-12)


# Worked examples from experiment-statistics.md §1.4 (gbstats 0.8.0 output).


def test_example_1_two_arm_binomial():
    a, b = ProportionStats(10_000, 500), ProportionStats(10_000, 560)
    rel = effect_posterior(a, b)
    assert rel.mean == pytest.approx(0.12)
    assert rel.stddev == pytest.approx(0.0670665341, abs=1e-10)
    assert rel.chance_to_win == pytest.approx(0.9632141634, abs=1e-9)
    assert (rel.ci_low, rel.ci_high) == pytest.approx((-0.0114480, 0.2514480), abs=1e-7)
    assert (rel.risk_control, rel.risk_treatment) == pytest.approx((0.1209836, 0.0009836), abs=1e-7)
    proper = effect_posterior(a, b, prior=GaussianPrior(0.0, 0.3**2, proper=True))
    assert proper.mean == pytest.approx(0.1142882, abs=1e-7)
    assert proper.chance_to_win == pytest.approx(0.9596089, abs=1e-7)
    assert (proper.ci_low, proper.ci_high) == pytest.approx((-0.0139933, 0.2425697), abs=1e-7)
    absolute = effect_posterior(a, b, relative=False)
    assert absolute.mean == pytest.approx(0.006)
    assert absolute.chance_to_win == pytest.approx(0.9708824, abs=1e-7)
    assert (absolute.ci_low, absolute.ci_high) == pytest.approx((-0.00020922, 0.01220922), abs=1e-8)


def test_example_2_three_arms_each_against_control():
    control = ProportionStats(8000, 400)
    b = effect_posterior(control, ProportionStats(8100, 452))
    c = effect_posterior(control, ProportionStats(7900, 380))
    assert (b.mean, b.stddev, b.chance_to_win) == pytest.approx(
        (0.1160494, 0.0745662, 0.9401847), abs=1e-7
    )
    assert (b.ci_low, b.ci_high) == pytest.approx((-0.0300978, 0.2621965), abs=1e-7)
    assert (b.risk_control, b.risk_treatment) == pytest.approx((0.1179690, 0.0019196), abs=1e-7)
    assert (c.mean, c.stddev, c.chance_to_win) == pytest.approx(
        (-0.0379747, 0.0672042, 0.2860150), abs=1e-7
    )
    assert (c.ci_low, c.ci_high) == pytest.approx((-0.1696924, 0.0937431), abs=1e-7)
    assert (c.risk_control, c.risk_treatment) == pytest.approx((0.0119932, 0.0499679), abs=1e-7)


def test_example_3_revenue_from_sums():
    a = MeanStats(5000, 12_500, 531_150)
    b = MeanStats(5000, 14_500, 646_929)
    rel = effect_posterior(a, b)
    assert (rel.mean, rel.stddev, rel.chance_to_win) == pytest.approx(
        (0.16, 0.0904319, 0.9615771), abs=1e-7
    )
    assert (rel.ci_low, rel.ci_high) == pytest.approx((-0.0172432, 0.3372432), abs=1e-7)
    assert (rel.risk_control, rel.risk_treatment) == pytest.approx((0.1613942, 0.0013942), abs=1e-7)
    absolute = effect_posterior(a, b, relative=False)
    assert absolute.mean == pytest.approx(0.40)
    assert absolute.chance_to_win == pytest.approx(0.9714540, abs=1e-7)
    assert (absolute.ci_low, absolute.ci_high) == pytest.approx((-0.01206, 0.81206), abs=1e-5)


def test_inverse_flips_chance_and_risk_but_not_the_lift():
    a, b = ProportionStats(10_000, 500), ProportionStats(10_000, 560)
    up, down = effect_posterior(a, b), effect_posterior(a, b, inverse=True)
    assert down.chance_to_win == pytest.approx(1 - up.chance_to_win)
    assert (down.mean, down.ci_low, down.ci_high) == (up.mean, up.ci_low, up.ci_high)
    assert (down.risk_control, down.risk_treatment) == (up.risk_treatment, up.risk_control)


# Randomised agreement with gbstats: proportions, means and ratios, relative/absolute, inverse, priors.


# gbstats' truncnorm moments warn (harmlessly) for posteriors far from zero.
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@settings(max_examples=150, deadline=None)
@given(
    n_a=st.integers(50, 200_000),
    n_b=st.integers(50, 200_000),
    p_a=st.floats(0.002, 0.6),
    p_b=st.floats(0.002, 0.6),
    relative=st.booleans(),
    inverse=st.booleans(),
)
def test_proportions_agree_with_gbstats(n_a, n_b, p_a, p_b, relative, inverse):
    c_a, c_b = max(1, round(n_a * p_a)), max(1, round(n_b * p_b))
    ours = effect_posterior(
        ProportionStats(n_a, c_a), ProportionStats(n_b, c_b), relative=relative, inverse=inverse
    )
    theirs = gb_result(
        ProportionStatistic(n=n_a, sum=c_a),
        ProportionStatistic(n=n_b, sum=c_b),
        relative=relative,
        inverse=inverse,
    )
    assert_agrees(ours, theirs, scale=1.0 if relative else c_a / n_a)


def test_means_and_proper_priors_agree_with_gbstats_on_seeded_draws():
    rng = np.random.default_rng(20240620)
    for case in range(150):
        stats = []
        for _ in range(2):
            n = int(rng.integers(20, 50_000))
            y = rng.lognormal(mean=rng.normal(0.5, 0.3), sigma=rng.uniform(0.2, 1.5), size=n)
            stats.append((n, float(y.sum()), float((y**2).sum())))
        relative, inverse = bool(case % 2), bool(case % 3 == 0)
        proper = case % 5 == 0
        ours_prior = GaussianPrior(0.02, 0.3**2, proper=True) if proper else GaussianPrior()
        gb_prior = GbPrior(mean=0.02, variance=0.3**2, proper=True) if proper else None
        ours = effect_posterior(
            MeanStats(*stats[0]), MeanStats(*stats[1]),
            relative=relative, inverse=inverse, prior=ours_prior,
        )  # fmt: skip
        theirs = gb_result(
            SampleMeanStatistic(n=stats[0][0], sum=stats[0][1], sum_squares=stats[0][2]),
            SampleMeanStatistic(n=stats[1][0], sum=stats[1][1], sum_squares=stats[1][2]),
            relative=relative, inverse=inverse, prior=gb_prior,
        )  # fmt: skip
        assert_agrees(ours, theirs, scale=1.0 if relative else stats[0][1] / stats[0][0])


def _ratio_sums(rng, n):
    spend = rng.gamma(5.0, 20.0, n)
    revenue = spend * rng.lognormal(0.8, 0.4, n)
    return (
        n,
        revenue.sum(),
        (revenue**2).sum(),
        spend.sum(),
        (spend**2).sum(),
        (revenue * spend).sum(),
    )


def test_ratio_metric_agrees_with_gbstats_delta_method():
    rng = np.random.default_rng(3)
    for case in range(100):
        arms = [_ratio_sums(rng, int(rng.integers(10, 400))) for _ in range(2)]
        gb = [
            RatioStatistic(
                n=n,
                m_statistic=SampleMeanStatistic(n=n, sum=m, sum_squares=mm),
                d_statistic=SampleMeanStatistic(n=n, sum=d, sum_squares=dd),
                m_d_sum_of_products=md,
            )
            for n, m, mm, d, dd, md in arms
        ]
        ours_stats = [RatioStats(*a) for a in arms]
        assert ours_stats[0].variance == pytest.approx(gb[0].variance, rel=1e-9)
        relative, inverse = bool(case % 2), bool(case % 4 == 1)
        ours = effect_posterior(*ours_stats, relative=relative, inverse=inverse)
        theirs = gb_result(*gb, relative=relative, inverse=inverse)
        assert_agrees(ours, theirs, scale=1.0 if relative else ours_stats[0].mean)


def test_degenerate_pairs_give_the_uninformative_result_like_gbstats():
    zero = ProportionStats(1000, 0)
    some = ProportionStats(1000, 10)
    for control, treatment in [(zero, some), (some, zero), (ProportionStats(0, 0), some)]:
        ours = effect_posterior(control, treatment)
        theirs = gb_result(
            ProportionStatistic(n=control.units, sum=control.conversions),
            ProportionStatistic(n=treatment.units, sum=treatment.conversions),
        )
        assert theirs.error_message is not None and ours.error is not None
        assert (ours.chance_to_win, ours.mean, ours.ci_low, ours.ci_high) == (0.5, 0.0, 0.0, 0.0)
        assert (ours.risk_control, ours.risk_treatment) == (0.0, 0.0)


def test_vectorised_effect_matches_the_scalar_one():
    a, b = ProportionStats(10_000, 500), ProportionStats(10_000, 560)
    arrays = gaussian_effect([a.mean] * 3, [a.variance] * 3, [a.units] * 3, [b.mean, a.mean, 0.0],
                             [b.variance, a.variance, 0.0], [b.units] * 3)  # fmt: skip
    assert arrays.chance_to_win[0] == pytest.approx(effect_posterior(a, b).chance_to_win)
    assert arrays.chance_to_win[1] == pytest.approx(0.5)
    assert not arrays.valid[2] and arrays.valid[:2].all()


def test_expected_shortfall_closed_form_matches_numerical_integration():
    from scipy import integrate
    from scipy.stats import norm

    for m, s in [(0.1, 0.05), (-0.02, 0.3), (0.0, 1.0), (3.0, 0.5)]:
        numeric, _ = integrate.quad(lambda x, m=m, s=s: -x * norm.pdf(x, m, s), -math.inf, 0)
        assert float(normal_expected_shortfall(m, s)) == pytest.approx(numeric, abs=1e-9)
