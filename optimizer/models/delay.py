"""Attribution delay: the last days' conversions are still arriving, so they are incomplete, not a drop.

A :class:`Completeness` curve gives, for each lag (0 = the latest day of history), the share of that day's
eventual conversions already reported. The response model multiplies its expected count by this share (an
offset in the likelihood), so a young day with few conversions informs the fit in proportion to how much of
it has been observed instead of pulling the curve down. The curve is either given (for example from Meta's
attribution window) or estimated from the account's own data by :func:`estimate_completeness`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from optimizer.errors import InputError

__all__ = ["Completeness", "estimate_completeness"]


@dataclass(frozen=True)
class Completeness:
    """Share of eventual conversions reported by lag; lags past the end of ``shares`` are complete (1.0)."""

    shares: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        for lag, share in enumerate(self.shares):
            if not 0 < share <= 1:
                raise InputError(f"completeness.shares[{lag}]: must be in (0, 1], got {share}")

    @classmethod
    def of(cls, shares: Sequence[float]) -> Completeness:
        """A given curve, e.g. ``Completeness.of([0.6, 0.85, 0.95])`` for a 3-day tail."""
        return cls(tuple(float(share) for share in shares))

    def at(self, lags: np.ndarray) -> np.ndarray:
        """The share reported at each lag (vectorised); negative lags are treated as lag 0."""
        lags = np.asarray(lags, dtype=int)
        if not self.shares:
            return np.ones(lags.shape)
        table = np.append(np.asarray(self.shares, dtype=float), 1.0)
        return np.asarray(table[np.clip(lags, 0, len(self.shares))], dtype=float)


def _nondecreasing(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted isotonic (non-decreasing) regression by pooling adjacent violators."""
    blocks: list[list[float]] = []  # [weighted mean, weight, count]
    for value, weight in zip(values, weights, strict=True):
        blocks.append([float(value), float(weight), 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean2, w2, n2 = blocks.pop()
            mean1, w1, n1 = blocks[-1]
            total = w1 + w2
            blocks[-1] = [(mean1 * w1 + mean2 * w2) / total if total > 0 else mean2, total, n1 + n2]
    out: list[float] = []
    for mean, _, count in blocks:
        out += [mean] * int(count)
    return np.asarray(out)


def estimate_completeness(
    observed: np.ndarray,
    expected: np.ndarray,
    lags: np.ndarray,
    *,
    horizon: int,
    prior_weight: float = 5.0,
    floor: float = 0.02,
) -> Completeness:
    """Estimate the completeness curve from conversions observed versus expected from mature days.

    ``expected`` must come from a fit on days at lag >= ``horizon`` only. For each young lag the share is
    (observed + prior_weight) / (expected + prior_weight): with little evidence it stays near 1 (no
    correction), so noise alone never invents a delay. The shares are then forced to be non-decreasing in
    lag (older days are at least as complete) and capped at 1.
    """
    observed = np.asarray(observed, dtype=float)
    expected = np.asarray(expected, dtype=float)
    lags = np.asarray(lags, dtype=int)
    if horizon <= 0:
        return Completeness()
    young = lags < horizon
    obs = np.bincount(lags[young], weights=observed[young], minlength=horizon)[:horizon]
    exp = np.bincount(lags[young], weights=expected[young], minlength=horizon)[:horizon]
    shares = (obs + prior_weight) / (exp + prior_weight)
    shares = _nondecreasing(np.minimum(shares, 1.0), exp + prior_weight)
    shares = np.clip(shares, floor, 1.0)
    return Completeness(tuple(float(share) for share in shares))
