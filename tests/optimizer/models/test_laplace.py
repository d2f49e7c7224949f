"""The vectorised Laplace fitter against scipy's optimiser and the closed-form Hessian."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln

from optimizer.models.laplace import fit_laplace


def _neg_log_post(theta, design, y, offset, weight, mean, prec, phi):
    eta = offset + design @ theta
    mu = np.exp(eta)
    if np.isfinite(phi):
        ll = (
            gammaln(y + phi)
            - gammaln(phi)
            + phi * np.log(phi / (phi + mu))
            + y * np.log(mu / (phi + mu))
        )
    else:
        ll = y * eta - mu
    d = theta - mean
    return -np.sum(weight * ll) + 0.5 * d @ prec @ d


def test_modes_match_scipy_for_every_group() -> None:
    rng = np.random.default_rng(3)
    n_groups, rows = 5, 40
    group = np.repeat(np.arange(n_groups), rows)
    x = rng.normal(0, 0.4, n_groups * rows)
    t = -rng.uniform(0, 2, n_groups * rows)
    design = np.stack([np.ones_like(x), x, t], axis=1)
    truth = np.stack([rng.normal(1.0, 0.3, n_groups), rng.uniform(0.3, 0.8, n_groups),
                      rng.normal(0, 0.2, n_groups)], axis=1)  # fmt: skip
    mu = np.exp(np.einsum("rk,rk->r", design, truth[group]))
    y = rng.poisson(rng.gamma(5.0, mu / 5.0)).astype(float)
    offset = np.zeros_like(y)
    weight = np.power(0.5, -t * 30 / 28)
    mean = np.tile([0.5, 0.5, 0.0], (n_groups, 1))
    prec = np.tile(np.diag([1.0, 4.0, 2.0]), (n_groups, 1, 1))
    result = fit_laplace(group, n_groups, design, y, offset, weight, mean, prec, 5.0)
    assert result.converged
    for g in range(n_groups):
        rows_g = group == g
        args = (design[rows_g], y[rows_g], offset[rows_g], weight[rows_g], mean[g], prec[g], 5.0)
        ref = minimize(_neg_log_post, mean[g], args=args, method="BFGS", options={"gtol": 1e-9})
        np.testing.assert_allclose(result.mode[g], ref.x, atol=1e-5)


def test_poisson_covariance_is_inverse_of_prior_plus_fisher() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(0, 0.5, 60)
    design = np.stack([np.ones_like(x), x], axis=1)
    y = rng.poisson(np.exp(1.5 + 0.6 * x)).astype(float)
    group = np.zeros(60, dtype=int)
    prec = np.diag([0.5, 2.0])[None]
    result = fit_laplace(group, 1, design, y, np.zeros(60), np.ones(60), np.zeros((1, 2)), prec,
                         float("inf"))  # fmt: skip
    mu = np.exp(design @ result.mode[0])
    expected = np.linalg.inv(prec[0] + design.T @ (mu[:, None] * design))
    np.testing.assert_allclose(result.cov[0], expected, rtol=1e-6)


def test_group_without_rows_returns_its_prior() -> None:
    design = np.ones((3, 2))
    prec = np.tile(np.diag([1.0, 1.0]), (2, 1, 1))
    mean = np.array([[0.1, 0.2], [0.3, 0.4]])
    result = fit_laplace(np.zeros(3, dtype=int), 2, design, np.ones(3), np.zeros(3), np.ones(3),
                         mean, prec, 10.0)  # fmt: skip
    np.testing.assert_allclose(result.mode[1], mean[1])
    np.testing.assert_allclose(result.cov[1], np.eye(2))
