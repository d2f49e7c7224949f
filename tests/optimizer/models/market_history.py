"""History frames from the sandbox market (ad-level rows summed, as the model's validation would)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from optimizer.backtest import reported_history
from optimizer.sandbox.market import Market


def market_history(market: Market, days: int | None = None) -> pd.DataFrame:
    account = next(iter(market.accounts))
    until = market.today - timedelta(days=1)
    since = market.config.first_day if days is None else market.today - timedelta(days=days)
    return reported_history(market, account, since, until)
