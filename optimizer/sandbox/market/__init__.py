"""The sandbox's market simulator: Meta-like accounts whose delivery follows known equations.

Each ad set buys impressions with diminishing returns (``E[impressions] = A x^b``, ``b < 1``, ``x`` the spend
in USD), its ads split delivery by predicted quality, and clicks, landing views, carts and purchases follow
creative- and CTA-specific rates with weekday seasonality, slow drift and creative fatigue; purchase counts are
gamma-Poisson and their value gamma around the ad set's order value. Purchases become known over up to 28
days (:mod:`.attribution`), so recent days grow on later pulls. Budgets (ad set or campaign/CBO), bid caps and
statuses set through :meth:`Market.update` drive the next simulated day: the sandbox is a closed loop.
The equations live in the docstrings of :mod:`.model` (rates), :mod:`.delivery` (spend) and
:mod:`.simulate` (the day's draws); :class:`Truth` exposes the expectations for tests and benchmarks.
"""

from optimizer.sandbox.market.config import MarketConfig
from optimizer.sandbox.market.entities import (
    BID_STRATEGIES,
    CTA_TYPES,
    OBJECTIVES,
    STATUSES,
    Account,
    Ad,
    AdSet,
    Campaign,
    Creative,
    DailyMetrics,
)
from optimizer.sandbox.market.errors import MarketError, UnknownObjectError
from optimizer.sandbox.market.market import Market
from optimizer.sandbox.market.truth import Truth

__all__ = [
    "BID_STRATEGIES",
    "CTA_TYPES",
    "OBJECTIVES",
    "STATUSES",
    "Account",
    "Ad",
    "AdSet",
    "Campaign",
    "Creative",
    "DailyMetrics",
    "Market",
    "MarketConfig",
    "MarketError",
    "Truth",
    "UnknownObjectError",
]
