"""A token bucket that keeps every rolling window within a call limit: the arithmetic, no I/O.

With capacity ``C`` and refill rate ``r`` a bucket lets at most ``C + r * T`` calls through in any window of
``T`` seconds. For a limit of ``L`` calls per window at a ``headroom`` share, ``C`` is a small burst and ``r``
what is left: ``C + r * T = headroom * L``, so the workers together never reach the limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.errors import InputError

#: Rounding slack: a wait computed to the token must not come up a hair short.
EPSILON = 1e-9


@dataclass(frozen=True)
class BucketShape:
    """Capacity (calls) and refill rate (calls per second) derived from a limit per window."""

    capacity: float
    rate: float

    @classmethod
    def for_limit(
        cls, calls: int, window: float = 3600.0, headroom: float = 0.9, burst: float = 0.05
    ) -> BucketShape:
        """The bucket that keeps any ``window`` seconds within ``headroom * calls``."""
        if calls < 2:
            raise InputError(f"app_calls_per_hour: must be at least 2, got {calls}")
        if not 0 < headroom <= 1 or not 0 < burst < 1:
            raise InputError("headroom and burst: shares in (0, 1]")
        allowed = headroom * calls
        if allowed <= 1:
            raise InputError(
                f"app_calls_per_hour: {calls} leaves no room for calls at {headroom:.0%}"
            )
        capacity = max(1.0, min(allowed / 2, burst * allowed))
        return cls(capacity, (allowed - capacity) / window)

    def most_in(self, seconds: float) -> float:
        """The most calls any window of ``seconds`` can see."""
        return self.capacity + self.rate * seconds


@dataclass(frozen=True)
class BucketState:
    """Tokens left at ``stamp`` (seconds), and no calls before ``paused_until``."""

    tokens: float
    stamp: float
    paused_until: float = 0.0


def take(
    shape: BucketShape | None, state: BucketState, now: float, calls: int = 1
) -> tuple[BucketState, float]:
    """Take ``calls`` tokens at ``now``: the new state and 0, or the refilled state and the seconds to wait.

    A batch larger than the bucket waits for a full bucket and leaves it in debt, so the calls after it
    wait for the excess too.
    """
    if now < state.paused_until:
        return state, state.paused_until - now
    if shape is None:
        return state, 0.0
    tokens = min(shape.capacity, state.tokens + max(0.0, now - state.stamp) * shape.rate)
    need = min(float(calls), shape.capacity)
    if tokens >= need - EPSILON:
        return BucketState(tokens - calls, now, state.paused_until), 0.0
    return BucketState(tokens, now, state.paused_until), (need - tokens) / shape.rate
