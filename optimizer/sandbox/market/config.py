"""What market to generate: sizes, currencies, history length and the seed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from optimizer.money import offset
from optimizer.sandbox.market.errors import MarketError


@dataclass
class MarketConfig:
    """Sizes are per account; ad sets are spread round-robin over the account's campaigns.

    The first ``cbo_campaigns`` campaigns of each account hold a campaign budget (CBO); the rest budget their
    ad sets. Account ``k`` uses ``currencies[k % len(currencies)]``.
    """

    seed: int = 7
    accounts: int = 1
    campaigns: int = 3
    adsets: int = 20
    ads_per_adset: int = 3
    history_days: int = 90
    start_date: date | None = None
    currencies: tuple[str, ...] = ("USD",)
    cbo_campaigns: int = 1
    #: Ad sets of account ``k``: ``adsets_per_account[k % len]`` when given (an agency's accounts differ in
    #: size), else ``adsets`` for every account.
    adsets_per_account: tuple[int, ...] = ()
    timezone_name: str = "America/New_York"
    #: Script the advertiser's past (budget edits, late launches, pauses, creative refreshes); see
    #: :mod:`.history`. Off: every entity runs at its starting settings for the whole history.
    history_events: bool = True
    #: How much worse an ad set converts right after a significant edit (see :mod:`.model`); 0 turns the
    #: learning phase off.
    learning_penalty: float = 0.2

    def __post_init__(self) -> None:
        for name in ("accounts", "campaigns", "adsets", "ads_per_adset"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise MarketError(name, f"must be a positive integer, got {getattr(self, name)!r}")
        if not isinstance(self.history_days, int) or self.history_days < 0:
            raise MarketError("history_days", f"must be >= 0, got {self.history_days!r}")
        if not 0 <= self.cbo_campaigns <= self.campaigns:
            raise MarketError("cbo_campaigns", f"must be between 0 and campaigns={self.campaigns}")
        if self.adsets < self.campaigns:
            raise MarketError(
                "adsets", f"{self.adsets} ad sets cannot fill {self.campaigns} campaigns"
            )
        for size in self.adsets_per_account:
            if not isinstance(size, int) or size < self.campaigns:
                raise MarketError(
                    "adsets_per_account",
                    f"{size!r} ad sets cannot fill {self.campaigns} campaigns",
                )

        if not 0 <= self.learning_penalty < 1:
            raise MarketError(
                "learning_penalty", f"must be in [0, 1), got {self.learning_penalty!r}"
            )
        if not self.currencies:
            raise MarketError("currencies", "needs at least one currency")
        for code in self.currencies:
            try:
                offset(code)
            except MarketError:
                raise
            except Exception as exc:
                raise MarketError("currencies", str(exc)) from None

    def adsets_of(self, account: int) -> int:
        """How many ad sets account number ``account`` (0-based) gets."""
        sizes = self.adsets_per_account
        return sizes[account % len(sizes)] if sizes else self.adsets

    @property
    def first_day(self) -> date:
        """The first simulated day: ``start_date`` or ``history_days`` before today (UTC)."""
        if self.start_date is not None:
            return self.start_date
        return datetime.now(UTC).date() - timedelta(days=self.history_days)
