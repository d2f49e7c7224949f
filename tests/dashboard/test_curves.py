"""Response-curve numbers are the posterior's own closed forms; CBO budgets split by reference spend."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from dashboard.curves import curve_frame, marks, spend_marks
from optimizer.errors import InputError
from optimizer.models import FitResult, FitStatus


def posterior(adset: str, reference: float, campaign: str = "c1") -> FitResult:
    return FitResult(
        adset_id=adset,
        campaign_id=campaign,
        status=FitStatus.FITTED,
        reason="",
        reference_spend=reference,
        mean=(-3.0, 0.6),
        cov=((0.04, 0.002), (0.002, 0.01)),
        weekday=(),
        dispersion=10.0,
        order_value=50.0,
        order_value_log_mean=float(np.log(50.0)),
        order_value_log_var=0.01,
        days=60,
    )


def test_curve_matches_the_closed_form() -> None:
    fit = posterior("a1", 100.0)
    curve = curve_frame(fit, 300.0, "conversions", points=30)
    assert len(curve) == 30 and curve["spend"].iloc[-1] == pytest.approx(300.0)
    s = curve["spend"].to_numpy()
    x = np.log(s / 100.0)
    mean = np.log(100.0) - 3.0 + 0.6 * x
    var = 0.04 + 2 * 0.002 * x + 0.01 * x * x
    np.testing.assert_allclose(curve["expected"], np.exp(mean + var / 2))
    np.testing.assert_allclose(curve["low"], np.exp(mean - 1.6448536269514722 * np.sqrt(var)))
    # marginal: d/ds exp(m + v/2) = exp(m + v/2) (b + c01 + c11 x) / s
    np.testing.assert_allclose(
        curve["marginal"], np.exp(mean + var / 2) * (0.6 + 0.002 + 0.01 * x) / s
    )
    revenue = curve_frame(fit, 300.0, "revenue", points=30)
    np.testing.assert_allclose(revenue["expected"], curve["expected"] * 50.0)
    np.testing.assert_allclose(revenue["marginal"], curve["marginal"] * 50.0)
    assert (revenue["low"] < revenue["expected"]).all() and (
        revenue["expected"] < revenue["high"]
    ).all()
    with pytest.raises(InputError, match="top"):
        curve_frame(fit, 0.0)
    with pytest.raises(InputError, match="outcome"):
        curve_frame(fit, 10.0, "clicks")  # type: ignore[arg-type]


def test_marks_for_an_adset_and_for_the_members_of_a_cbo_campaign() -> None:
    recs = pd.DataFrame(
        [
            {"budget_id": "a1", "level": "adset", "adset_id": "a1", "current_budget": Decimal("40"),
             "recommended_budget": Decimal("48")},
            {"budget_id": "c2", "level": "campaign", "adset_id": None, "current_budget": Decimal("300"),
             "recommended_budget": Decimal("330")},
        ]
    )  # fmt: skip
    fits = {
        "a1": posterior("a1", 40.0),
        "b1": posterior("b1", 100.0, "c2"),
        "b2": posterior("b2", 50.0, "c2"),
    }
    campaign_of = {"a1": "c1", "b1": "c2", "b2": "c2"}
    assert marks(recs, fits, "a1", campaign_of) == (40.0, 48.0)
    current, recommended = marks(recs, fits, "b1", campaign_of)
    assert current == pytest.approx(200.0) and recommended == pytest.approx(220.0)
    assert marks(recs, fits, "zz", campaign_of) == (None, None)
    shown = spend_marks(fits["a1"], 40.0, None, "revenue")
    assert [m.label for m in shown] == ["current"]
    assert shown[0].expected == pytest.approx(float(fits["a1"].expected_revenue(40.0)))


def test_effect_mean_matches_the_closed_form_and_shared_uncertainty_cancels() -> None:
    from dashboard.curves import Effect, effect, unit_members

    fit = posterior("a1", 100.0)
    found = effect({"a1": fit}, {"a1": 1.0}, 100.0, 120.0, "conversions", draws=200_000, seed=3)
    exact = float(fit.expected_conversions(120.0) - fit.expected_conversions(100.0))
    assert found.mean == pytest.approx(exact, rel=0.01)
    assert found.low < found.mean < found.high
    # far narrower than the band of the outcome itself: the level's uncertainty is common to both spends
    low, high = fit.conversions_interval(120.0)
    assert found.high - found.low < 0.5 * float(high - low)
    assert effect({"a1": fit}, {"a1": 1.0}, 80.0, 80.0, "revenue") == Effect(0.0, 0.0, 0.0)
    revenue = effect({"a1": fit}, {"a1": 1.0}, 100.0, 120.0, "revenue", draws=200_000, seed=3)
    assert revenue.mean == pytest.approx(exact * 50.0, rel=0.02)
    # a CBO campaign: its budget splits over its ad sets by reference spend
    fits = {"b1": posterior("b1", 100.0, "c2"), "b2": posterior("b2", 50.0, "c2")}
    members, shares = unit_members("c2", "campaign", fits, {"b1": "c2", "b2": "c2"})
    assert shares == pytest.approx({"b1": 2 / 3, "b2": 1 / 3})
    cbo = effect(members, shares, 150.0, 180.0, "conversions", draws=200_000)
    expected = sum(
        float(fits[a].expected_conversions(180.0 * s) - fits[a].expected_conversions(150.0 * s))
        for a, s in shares.items()
    )
    assert cbo.mean == pytest.approx(expected, rel=0.01)
    assert unit_members("zz", "adset", fits, {}) == ({}, {})
    with pytest.raises(InputError, match="members"):
        effect({}, {}, 1.0, 2.0)
