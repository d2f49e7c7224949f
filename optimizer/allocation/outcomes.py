"""Expected outcomes at a recommendation: posterior mean and 90% credible bounds, per budget unit.

Each ad set's expected conversions at a spend are log-normal under the Laplace posterior; revenue multiplies
by the (independent, log-normal) mean order value. A CBO campaign sums its ad sets, and the sum of
log-normals is matched by a log-normal with the same mean and variance (Fenton-Wilkinson), so bounds stay
closed forms.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from optimizer.allocation.curves import PosteriorArrays

__all__ = ["expected_outcomes"]

_Z90 = float(norm.ppf(0.95))


def expected_outcomes(
    post: PosteriorArrays, spend: np.ndarray, unit_of: np.ndarray, n_units: int
) -> dict[str, np.ndarray]:
    """Posterior mean and 90% bounds of conversions and revenue per unit (Fenton-Wilkinson for sums)."""
    with np.errstate(divide="ignore"):
        x = np.where(spend > 0, np.log(np.maximum(spend, 1e-300) / post.reference), 0.0)
    m = post.log_level() + post.mean_b * x
    v = np.maximum(post.var_alpha + 2 * post.cov_ab * x + post.var_b * x * x, 0.0)
    on = spend > 0
    out: dict[str, np.ndarray] = {}
    for name, mean_log, var_log, scale in (
        ("conversions", m, v, np.ones_like(m)),
        ("revenue", m, v + post.order_log_var, post.order_value),
    ):
        mean = np.where(on, np.exp(mean_log + v / 2.0) * scale, 0.0)
        second = np.where(on, mean * mean * np.expm1(var_log), 0.0)
        mu = np.bincount(unit_of, weights=mean, minlength=n_units)
        var = np.bincount(unit_of, weights=second, minlength=n_units)
        with np.errstate(divide="ignore", invalid="ignore"):
            s2 = np.log1p(np.where(mu > 0, var / np.where(mu > 0, mu * mu, 1.0), 0.0))
            loc = np.log(np.where(mu > 0, mu, 1.0)) - s2 / 2.0
        sd = np.sqrt(s2)
        out[name] = mu
        out[f"{name}_low"] = np.where(mu > 0, np.exp(loc - _Z90 * sd), 0.0)
        out[f"{name}_high"] = np.where(mu > 0, np.exp(loc + _Z90 * sd), 0.0)
    return out
