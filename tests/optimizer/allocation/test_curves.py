"""Risk curves in closed form against Monte Carlo over the same posterior; Thompson draws."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.allocation import PosteriorArrays, draw_curves, risk_curves


def _post(n: int = 1) -> PosteriorArrays:
    def arr(v: float) -> np.ndarray:
        return np.full(n, v)

    return PosteriorArrays(
        reference=arr(100.0), mean_alpha=arr(np.log(0.05)), mean_b=arr(0.6), var_alpha=arr(0.09),
        cov_ab=arr(0.012), var_b=arr(0.01), weekday=arr(1.0), order_value=arr(40.0),
        order_log_mean=arr(np.log(40.0)), order_log_var=arr(0.0),
    )  # fmt: skip


def _mc_utility(post: PosteriorArrays, spend: float, risk: str, q: float) -> float:
    rng = np.random.default_rng(0)
    cov = [[post.var_alpha[0], post.cov_ab[0]], [post.cov_ab[0], post.var_b[0]]]
    draws = rng.multivariate_normal([post.mean_alpha[0], post.mean_b[0]], cov, size=400_000)
    x = np.log(spend / post.reference[0])
    values = post.reference[0] * np.exp(draws[:, 0] + draws[:, 1] * x)
    if risk == "neutral":
        return float(values.mean())
    cut = np.quantile(values, q)
    return float(cut if risk == "quantile" else values[values <= cut].mean())


@pytest.mark.parametrize("risk", ["neutral", "quantile", "cvar"])
def test_level_and_slope_match_monte_carlo(risk: str) -> None:
    post = _post()
    curves = risk_curves(post, revenue_valued=False, value_per_unit=np.ones(1), cost=0.0,
                         risk=risk, quantile=0.2)  # type: ignore[arg-type]  # fmt: skip
    assert curves.scale[0] == pytest.approx(_mc_utility(post, 100.0, risk, 0.2), rel=0.01)
    h = 0.05
    up, down = (
        _mc_utility(post, 100.0 * np.exp(h), risk, 0.2),
        _mc_utility(post, 100.0 * np.exp(-h), risk, 0.2),
    )
    slope = (np.log(up) - np.log(down)) / (2 * h)  # elasticity of the utility at the reference
    assert curves.elasticity[0] == pytest.approx(slope, abs=0.02)


def test_risk_aversion_orders_the_levels() -> None:
    post = _post()
    levels = {risk: risk_curves(post, revenue_valued=True, value_per_unit=np.ones(1), cost=1.0,
                                risk=risk, quantile=0.2).scale[0]  # type: ignore[arg-type]
              for risk in ("neutral", "quantile", "cvar")}  # fmt: skip
    assert levels["cvar"] < levels["quantile"] < levels["neutral"]
    expected = 100.0 * np.exp(np.log(0.05) + 0.09 / 2) * 40.0
    assert levels["neutral"] == pytest.approx(expected, rel=1e-12)


def test_thompson_draws_average_to_the_posterior() -> None:
    post = _post(200_000)
    curves = draw_curves(post, np.random.default_rng(1), revenue_valued=False,
                         value_per_unit=np.ones(200_000), cost=0.0)  # fmt: skip
    assert np.mean(curves.scale) == pytest.approx(100.0 * 0.05 * np.exp(0.09 / 2), rel=0.01)
    assert np.mean(curves.elasticity) == pytest.approx(0.6, abs=0.005)
    log_level = np.log(curves.scale)
    assert np.cov(log_level, curves.elasticity)[0, 1] == pytest.approx(0.012, abs=0.001)
