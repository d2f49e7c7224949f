"""``analyze``: the per-arm table, its agreement with gbstats and Monte Carlo, and bad-input errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig
from gbstats.models.statistics import ProportionStatistic, SampleMeanStatistic

from experiments.stats.analyze import RESULT_COLUMNS, analyze
from optimizer.errors import InputError

THREE_ARMS = pd.DataFrame(
    {"arm": ["control", "B", "C"], "units": [8000, 8100, 7900], "conversions": [400, 452, 380]}
)


def test_reference_example_2_table():
    table = analyze(THREE_ARMS, "control", draws=200_000, seed=0).set_index("arm")
    assert list(table.reset_index().columns) == RESULT_COLUMNS
    assert table.loc["B", "chance_to_beat_control"] == pytest.approx(0.9401847, abs=1e-7)
    assert table.loc["C", "chance_to_beat_control"] == pytest.approx(0.2860150, abs=1e-7)
    assert table.loc["B", "lift_low"] == pytest.approx(-0.0300978, abs=1e-7)
    assert table.loc["C", "lift_high"] == pytest.approx(0.0937431, abs=1e-7)
    assert table.loc["B", "loss_vs_control"] == pytest.approx(0.0019196, abs=1e-7)
    # Monte-Carlo figures from the reference (Beta(1+c, 1+n-c), 200k draws): ±0.003 is > 5 MC s.e.
    assert table["prob_best"].tolist() == pytest.approx([0.049, 0.940, 0.011], abs=3e-3)
    assert table["prob_best"].sum() == pytest.approx(1.0)
    control = table.loc["control"]
    assert control["lift_mean"] == 0.0 and np.isnan(control["chance_to_beat_control"])
    assert control["mean"] == pytest.approx(0.05)
    absolute = analyze(THREE_ARMS, "control", relative=False, draws=200_000, seed=0)
    assert absolute["expected_loss"].tolist() == pytest.approx(
        [0.00587, 0.00009, 0.00777], abs=1.5e-4
    )
    # Relative loss is the absolute loss over the control's rate.
    relative = table["expected_loss"].to_numpy()
    assert relative == pytest.approx(
        absolute["expected_loss"].to_numpy() / 0.05, rel=0.05, abs=1e-3
    )


def test_exact_beta_chance_is_close_to_the_absolute_gaussian_at_this_scale():
    table = analyze(THREE_ARMS, "control", relative=False, draws=1000).set_index("arm")
    for arm in ["B", "C"]:
        exact, gauss = table.loc[arm, ["chance_to_beat_control_exact", "chance_to_beat_control"]]
        assert exact == pytest.approx(gauss, abs=0.005)


def test_seeded_and_reproducible():
    first = analyze(THREE_ARMS, "control", draws=5000, seed=42)
    second = analyze(THREE_ARMS, "control", draws=5000, seed=42)
    pd.testing.assert_frame_equal(first, second)


def test_inverse_metric_prefers_the_lowest_arm():
    cost = pd.DataFrame(
        {
            "arm": ["control", "cheap", "dear"],
            "units": [400, 400, 400],
            "sum": [400 * 20.0, 400 * 17.0, 400 * 21.0],
            "sum_squares": [400 * (20.0**2 + 36), 400 * (17.0**2 + 36), 400 * (21.0**2 + 36)],
        }
    )
    table = analyze(cost, "control", metric="mean", inverse=True, draws=50_000).set_index("arm")
    assert table.loc["cheap", "lift_mean"] == pytest.approx(-0.15)
    assert table.loc["cheap", "chance_to_beat_control"] > 0.99
    assert table.loc["dear", "chance_to_beat_control"] < 0.05
    assert table["prob_best"].idxmax() == "cheap"
    assert table["expected_loss"].idxmin() == "cheap"
    a = SampleMeanStatistic(n=400, sum=8000.0, sum_squares=400 * (400 + 36))
    b = SampleMeanStatistic(n=400, sum=6800.0, sum_squares=400 * (289 + 36))
    gb = EffectBayesianABTest(a, b, EffectBayesianConfig(inverse=True)).compute_result()
    assert table.loc["cheap", "chance_to_beat_control"] == pytest.approx(gb.chance_to_win, abs=1e-9)
    assert [table.loc["cheap", "lift_low"], table.loc["cheap", "lift_high"]] == pytest.approx(gb.ci)


def test_randomised_multi_arm_tables_agree_with_gbstats_per_arm():
    rng = np.random.default_rng(8)
    for _ in range(30):
        k = int(rng.integers(2, 7))
        units = rng.integers(500, 50_000, k)
        conv = rng.binomial(units, rng.uniform(0.01, 0.2))
        frame = pd.DataFrame(
            {"arm": [f"a{i}" for i in range(k)], "units": units, "conversions": conv}
        )
        relative, inverse = bool(rng.integers(2)), bool(rng.integers(2))
        table = analyze(frame, "a0", relative=relative, inverse=inverse, draws=2000)
        config = EffectBayesianConfig(
            difference_type="relative" if relative else "absolute", inverse=inverse
        )
        control = ProportionStatistic(n=int(units[0]), sum=int(conv[0]))
        for i in range(1, k):
            gb = EffectBayesianABTest(
                control, ProportionStatistic(n=int(units[i]), sum=int(conv[i])), config
            ).compute_result()
            row = table.iloc[i]
            scale = 1.0 if relative else conv[0] / units[0]
            assert round(row["chance_to_beat_control"], 3) == pytest.approx(
                round(gb.chance_to_win, 3), abs=1e-3
            )
            assert row["lift_low"] / scale == pytest.approx(gb.ci[0] / scale, abs=5e-4)
            assert row["lift_high"] / scale == pytest.approx(gb.ci[1] / scale, abs=5e-4)


def test_ratio_metric_roas():
    rng = np.random.default_rng(5)
    rows = []
    for arm, lift in [("control", 1.0), ("new", 1.3)]:
        spend = rng.gamma(5.0, 20.0, 60)
        revenue = spend * 2.0 * lift * rng.lognormal(0, 0.2, 60)
        rows.append({
            "arm": arm, "units": 60, "num_sum": revenue.sum(), "num_sum_squares": (revenue**2).sum(),
            "den_sum": spend.sum(), "den_sum_squares": (spend**2).sum(),
            "num_den_sum_products": (revenue * spend).sum(),
        })  # fmt: skip
    table = analyze(pd.DataFrame(rows), "control", metric="ratio", draws=20_000).set_index("arm")
    assert table.loc["new", "mean"] == pytest.approx(rows[1]["num_sum"] / rows[1]["den_sum"])
    assert table.loc["new", "chance_to_beat_control"] > 0.99
    assert table.loc["new", "lift_low"] < 0.3 < table.loc["new", "lift_high"]


@pytest.mark.parametrize(
    ("frame", "control", "message"),
    [
        (pd.DataFrame({"arm": ["A"], "units": [10], "conversions": [1]}), "A", "at least 2 arms"),
        (THREE_ARMS, "Z", "control: 'Z' is not among the arms"),
        (
            THREE_ARMS.assign(units=[8000, 0, 7900], conversions=[400, 0, 380]),
            "control",
            "arm 'B': field 'units' is 0",
        ),
        (
            THREE_ARMS.assign(conversions=[400, -1, 380]),
            "control",
            "arm 'B': field 'conversions' must not be negative",
        ),
        (
            THREE_ARMS.assign(units=[8000, 8100, -5]),
            "control",
            "arm 'C': field 'units' must not be negative",
        ),
        (
            THREE_ARMS.assign(conversions=[400, 9000, 380]),
            "control",
            "arm 'B': field 'conversions' (9000) exceeds",
        ),
        (
            THREE_ARMS.assign(units=[8000, 8100.5, 7900]),
            "control",
            "arm 'B': field 'units' must be a whole count",
        ),
        (
            THREE_ARMS.assign(conversions=[400, None, 380]),
            "control",
            "arm 'B': field 'conversions' is missing",
        ),
        (THREE_ARMS.assign(arm=["control", "B", "B"]), "control", "unique"),
        (THREE_ARMS.drop(columns="conversions"), "control", "missing column"),
    ],
)
def test_bad_input_names_the_arm_and_field(frame, control, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        analyze(frame, control)


def test_impossible_sum_of_squares_is_rejected():
    frame = pd.DataFrame(
        {"arm": ["A", "B"], "units": [10, 10], "sum": [100.0, 50.0], "sum_squares": [1000.0, 10.0]}
    )
    with pytest.raises(InputError, match="arm 'B': field 'sum_squares'"):
        analyze(frame, "A", metric="mean")


def test_unknown_metric():
    with pytest.raises(InputError, match="metric"):
        analyze(THREE_ARMS, "control", metric="median")  # type: ignore[arg-type]
