"""SRM against gbstats' check_srm and the reference numbers; delivery divergence on constructed mixes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from gbstats.utils import check_srm as gb_check_srm
from scipy.stats import chi2

from experiments.stats.delivery import delivery_divergence
from experiments.stats.srm import check_srm, check_srm_periods
from optimizer.errors import InputError


def test_reference_examples():
    even = {"A": 1 / 3, "B": 1 / 3, "C": 1 / 3}
    ok = check_srm({"A": 8000, "B": 8100, "C": 7900}, even)
    assert ok.p_value == pytest.approx(0.2865048, abs=1e-7)
    assert not ok.flagged and ok.dof == 2
    assert ok.expected == pytest.approx({"A": 8000.0, "B": 8000.0, "C": 8000.0})
    bad = check_srm({"A": 8000, "B": 8400, "C": 7600}, even)
    assert bad.p_value == pytest.approx(2.06e-9, rel=0.01)
    assert bad.flagged
    assert check_srm({"A": 10_000, "B": 10_000}, {"A": 1, "B": 1}).p_value == pytest.approx(1.0)


def test_agrees_with_gbstats_on_random_splits():
    rng = np.random.default_rng(1)
    for _ in range(200):
        k = int(rng.integers(2, 9))
        weights = rng.dirichlet(np.ones(k)) + 0.01
        units = rng.multinomial(int(rng.integers(100, 100_000)), rng.dirichlet(np.ones(k) * 50))
        arms = [f"a{i}" for i in range(k)]
        ours = check_srm(
            dict(zip(arms, units.tolist(), strict=True)), dict(zip(arms, weights, strict=True))
        )
        assert ours.p_value == pytest.approx(
            gb_check_srm(units.tolist(), weights.tolist()), rel=1e-9, abs=1e-300
        )


def test_false_alarm_rate_under_the_intended_split_is_about_the_threshold():
    rng = np.random.default_rng(2)
    weights = {"A": 0.5, "B": 0.3, "C": 0.2}
    flags = 0
    for _ in range(4000):
        counts = rng.multinomial(20_000, list(weights.values()))
        flags += check_srm(
            dict(zip(weights, counts.tolist(), strict=True)), weights, threshold=0.01
        ).flagged
    assert flags / 4000 == pytest.approx(0.01, abs=0.006)


def test_periods_pool_statistics_and_degrees_of_freedom():
    first = ({"A": 500, "B": 520}, {"A": 0.5, "B": 0.5})
    second = ({"A": 300, "B": 1700}, {"A": 0.15, "B": 0.85})
    pooled = check_srm_periods([first, second])
    one, two = check_srm(*first), check_srm(*second)
    assert pooled.statistic == pytest.approx(one.statistic + two.statistic)
    assert pooled.dof == 2
    assert pooled.p_value == pytest.approx(chi2.sf(one.statistic + two.statistic, 2))
    assert pooled.observed == {"A": 800, "B": 2220}
    # Tested against a single even split, the same adaptive traffic would look like a huge mismatch.
    assert check_srm({"A": 800, "B": 2220}, {"A": 1, "B": 1}).flagged and not pooled.flagged


@pytest.mark.parametrize(
    ("units", "weights", "message"),
    [
        ({"A": 10}, {"A": 1.0}, "at least 2 arms"),
        ({"A": 10, "B": 5}, {"A": 1.0, "C": 1.0}, "do not match"),
        ({"A": 10, "B": -5}, {"A": 1.0, "B": 1.0}, "arm 'B': field 'units'"),
        ({"A": 10, "B": 5}, {"A": 1.0, "B": 0.0}, "arm 'B': field 'weight'"),
    ],
)
def test_bad_input(units, weights, message):
    with pytest.raises(InputError, match=message):
        check_srm(units, weights)


def _breakdown(mixes, total=20_000):
    rows = []
    for arm, mix in mixes.items():
        for segment, share in mix.items():
            rows.append({"arm": arm, "segment": segment, "units": round(total * share)})
    return pd.DataFrame(rows)


def test_divergent_delivery_warns_and_names_the_arm():
    same = {"feed": 0.6, "stories": 0.3, "reels": 0.1}
    skewed = {"feed": 0.3, "stories": 0.3, "reels": 0.4}
    result = delivery_divergence(_breakdown({"A": same, "B": same, "C": skewed}))
    assert result.warn and result.worst_arm == "C"
    # Pooled mix: feed 0.5, stories 0.3, reels 0.2; C is 0.5·(0.2 + 0 + 0.2) = 0.2 away.
    assert result.max_distance == pytest.approx(0.2, abs=1e-3)
    assert result.distance["A"] == pytest.approx(0.1, abs=1e-3)
    assert "'C'" in result.message


def test_small_but_significant_differences_do_not_warn():
    a = {"feed": 0.60, "stories": 0.30, "reels": 0.10}
    b = {"feed": 0.58, "stories": 0.31, "reels": 0.11}
    result = delivery_divergence(_breakdown({"A": a, "B": b}, total=500_000))
    assert result.p_value < 0.001
    assert not result.warn and result.max_distance == pytest.approx(0.01, abs=1e-3)


def test_delivery_bad_input():
    frame = _breakdown({"A": {"feed": 1.0}, "B": {"feed": 1.0}})
    with pytest.raises(InputError, match="arm 'B', segment 'feed': field 'units'"):
        delivery_divergence(frame.assign(units=[10, -1]))
    with pytest.raises(InputError, match="missing column 'age'"):
        delivery_divergence(frame, dimension="age")
    with pytest.raises(InputError, match="arm 'B': field 'units' sums to 0"):
        delivery_divergence(frame.assign(units=[10, 0]))
