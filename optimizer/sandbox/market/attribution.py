"""Attribution delay: a purchase caused on day d is attributed to d but becomes known over the next days.

The lag L (days after d at which the conversion is reported) has the distribution :data:`DELAY`: 60% on the
same day, most of the rest within a week, a thin tail up to 27 days. A pull made on day T (days < T have
happened) knows the lags ``L <= T - 1 - d``; a day is final once ``T - 1 - d >= MAX_LAG``, i.e. 28 days on.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: Lags 0..MAX_LAG; a day's numbers are final 28 days after it.
MAX_LAG = 27
SAME_DAY_SHARE = 0.6


def _delay() -> npt.NDArray[np.float64]:
    """60% same day, the rest decaying geometrically (scale 1.8 days), so ~98.5% is known within a week."""
    lags = np.arange(1, MAX_LAG + 1, dtype=np.float64)
    tail = np.exp(-(lags - 1.0) / 1.8)
    tail *= (1.0 - SAME_DAY_SHARE) / tail.sum()
    return np.concatenate([[SAME_DAY_SHARE], tail])


#: P(lag = L) for L = 0..MAX_LAG; sums to 1.
DELAY: npt.NDArray[np.float64] = _delay()
DELAY.setflags(write=False)
#: P(lag <= L): the share of a day's conversions known L days after it.
KNOWN_SHARE: npt.NDArray[np.float64] = np.cumsum(DELAY)
KNOWN_SHARE.setflags(write=False)


def known_lag(day_ordinal: int, today_ordinal: int) -> int:
    """The largest lag known for ``day`` on a pull made on ``today`` (capped at :data:`MAX_LAG`)."""
    return min(today_ordinal - 1 - day_ordinal, MAX_LAG)
