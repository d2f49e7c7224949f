"""The market: entities as the API sees them, a simulated past, and a closed loop into the future.

``Market(config)`` generates the accounts and simulates ``history_days`` days. After that the market only
moves when told: :meth:`Market.advance` simulates the next days with the budgets, bids and statuses in force
at that moment, so an :meth:`Market.update` made today changes tomorrow's delivery. :meth:`Market.metrics`
reports ad-level rows as a pull made today would see them (recent purchases still landing).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np

from optimizer.money import offset
from optimizer.sandbox.market import edits, history
from optimizer.sandbox.market import validation as check
from optimizer.sandbox.market.attribution import MAX_LAG
from optimizer.sandbox.market.config import MarketConfig
from optimizer.sandbox.market.controls import Controls
from optimizer.sandbox.market.delivery import Plan, realise, targets
from optimizer.sandbox.market.entities import (
    Account,
    Ad,
    AdSet,
    Campaign,
    Creative,
    DailyMetrics,
)
from optimizer.sandbox.market.errors import MarketError, UnknownObjectError
from optimizer.sandbox.market.generate import populate
from optimizer.sandbox.market.model import Model, Rates
from optimizer.sandbox.market.reporting import AdIndex, report
from optimizer.sandbox.market.simulate import DayRecord, DayRngs, simulate_day
from optimizer.sandbox.market.truth import Truth

#: Days a lifetime budget without an end time is paced over.
DEFAULT_FLIGHT_DAYS = 30


class Market:
    """A seeded Meta ad market with known truth (see the package docstring for the equations)."""

    def __init__(self, config: MarketConfig | None = None) -> None:
        self.config = config if config is not None else MarketConfig()
        self.accounts: dict[str, Account] = {}
        self.campaigns: dict[str, Campaign] = {}
        self.adsets: dict[str, AdSet] = {}
        self.ads: dict[str, Ad] = {}
        self.creatives: dict[str, Creative] = {}
        self.today: date = self.config.first_day
        self._model = Model(seed=self.config.seed, learning_penalty=self.config.learning_penalty)
        self._next_id = 0
        self._position: dict[str, int] = {}  # id -> index in its kind's arrays
        self._adset_ids: list[str] = []
        self._ad_ids: list[str] = []
        self._records: list[DayRecord] = []
        self._rates: dict[int, Rates] = {}
        self._lifetime_spent: dict[str, int] = {}
        self._controls = Controls()
        self._ads_of: dict[str, list[int]] = {}  # ad set id -> ad positions
        self._adsets_of: dict[str, list[int]] = {}  # campaign or account id -> ad set positions
        self._index: AdIndex | None = None
        self._last_report: tuple[tuple[object, ...], list[DailyMetrics]] | None = None
        self.truth = Truth(self)
        self.history: list[history.Event] = []
        populate(self)
        self._run_history()

    def _run_history(self) -> None:
        """Simulate the configured history, with the advertiser's scripted edits (see :mod:`.history`)."""
        days = self.config.history_days
        events = history.script(self, days) if self.config.history_events else []
        history.prepare(self, events)
        pending = list(events)
        for day in range(days):
            while pending and pending[0].day == day:
                self.history.append(history.apply(self, pending.pop(0)))
            self._simulate_one()

    # -- ids and lookups ----------------------------------------------------------------------------------
    def _new_id(self) -> str:
        self._next_id += 1
        return str(120_210_000_000_000_000 + (self.config.seed % 10_000) * 10**8 + self._next_id)

    def _account(self, account_id: str) -> Account:
        if account_id not in self.accounts:
            raise UnknownObjectError(account_id, "ad account")
        return self.accounts[account_id]

    def _kind(self, object_id: str) -> str:
        for kind, table in (
            ("account", self.accounts),
            ("campaign", self.campaigns),
            ("adset", self.adsets),
            ("ad", self.ads),
            ("creative", self.creatives),
        ):
            if object_id in table:
                return kind
        raise UnknownObjectError(object_id)

    def _created_now(self) -> datetime:
        return datetime.combine(self.today, time(9, 0), UTC)

    def _invalidate(self, object_id: str | None = None) -> None:
        """Mark the ad sets whose delivery controls an object's change can affect."""
        if object_id is None:
            self._controls.mark(range(len(self._adset_ids)))
        elif object_id in self.adsets:
            self._controls.mark([self._position[object_id]])
        elif object_id in self.ads:
            self._controls.mark([self._position[self.ads[object_id].adset_id]])
        else:  # a campaign or an account
            self._controls.mark(self._adsets_of.get(object_id, ()))

    # -- creation -----------------------------------------------------------------------------------------
    def add_account(self, name: str, currency: str, timezone_name: str) -> Account:
        """Open an ad account (the generator's door; the Graph API cannot create accounts)."""
        offset(currency)
        number = 10**15 + (self.config.seed % 10_000) * 10**4 + len(self.accounts) + 1
        account = Account(f"act_{number}", name, currency.upper(), timezone_name)
        self._position[account.id] = self._model.add_account(account.currency)
        self.accounts[account.id] = account
        return account

    def create_campaign(
        self, account_id: str, fields: Mapping[str, Any], *, created_time: datetime | None = None
    ) -> Campaign:
        """Create a campaign; a ``daily_budget`` or ``lifetime_budget`` makes it a CBO campaign."""
        account = self._account(account_id)
        clean = edits.new_campaign(fields, account.currency)
        campaign = Campaign(
            id=self._new_id(),  # only once every field is valid, so refusals keep ids stable
            account_id=account.id,
            created_time=created_time or self._created_now(),
            **clean,
        )
        self.campaigns[campaign.id] = campaign
        return campaign

    def create_adset(
        self, account_id: str, fields: Mapping[str, Any], *, created_time: datetime | None = None
    ) -> AdSet:
        """Create an ad set in one of the account's campaigns; its own budget unless the campaign is CBO.

        A new ad set starts in the learning phase and delivers from the next simulated day. With the very
        same targeting as an existing ad set of the account it reaches the same audience (as a split
        test's arms do): same audience parameters and drift, its own ads, learning and delivery."""
        account = self._account(account_id)
        campaign_id = str(fields.get("campaign_id", ""))
        campaign = self.campaigns.get(campaign_id)
        if campaign is None or campaign.account_id != account.id:
            raise MarketError("campaign_id", f"no campaign {campaign_id!r} in {account.id}")
        clean = edits.new_adset(fields, campaign, account.currency)
        adset = AdSet(
            id=self._new_id(),
            account_id=account.id,
            campaign_id=campaign.id,
            created_time=created_time or self._created_now(),
            **clean,
        )
        twin = next(
            (
                self._position[other.id]
                for other in self.adsets.values()
                if other.account_id == account.id and other.targeting == adset.targeting
            ),
            None,
        )
        self._position[adset.id] = self._model.add_adset(self._position[account.id], twin)
        self._adset_ids.append(adset.id)
        self.adsets[adset.id] = adset
        self._ads_of[adset.id] = []
        for owner in (campaign.id, account.id):
            self._adsets_of.setdefault(owner, []).append(self._position[adset.id])
        self._invalidate(adset.id)
        return adset

    def create_creative(self, account_id: str, fields: Mapping[str, Any]) -> Creative:
        """Create a link-ad creative from flat fields or an ``object_story_spec`` with ``link_data``."""
        account = self._account(account_id)
        clean = edits.new_creative(fields)
        creative_id = self._new_id()
        clean["name"] = clean["name"] or f"Creative {creative_id}"
        creative = Creative(id=creative_id, account_id=account.id, **clean)
        self._position[creative.id] = self._model.add_creative(creative.call_to_action_type)
        self.creatives[creative.id] = creative
        return creative

    def create_ad(
        self, account_id: str, fields: Mapping[str, Any], *, created_time: datetime | None = None
    ) -> Ad:
        """Create an ad showing one of the account's creatives in one of its ad sets.

        A new ad is a significant edit: its ad set goes back into learning."""
        account = self._account(account_id)
        clean = edits.new_ad(fields)
        adset_id = str(fields.get("adset_id", ""))
        adset = self.adsets.get(adset_id)
        if adset is None or adset.account_id != account.id:
            raise MarketError("adset_id", f"no ad set {adset_id!r} in {account.id}")
        creative = self._creative_of(account, fields)
        ad = Ad(
            id=self._new_id(),
            account_id=account.id,
            campaign_id=adset.campaign_id,
            adset_id=adset.id,
            creative_id=creative.id,
            created_time=created_time or self._created_now(),
            **clean,
        )
        self._position[ad.id] = self._model.add_ad(
            self._position[adset.id], self._position[creative.id]
        )
        self._ad_ids.append(ad.id)
        self.ads[ad.id] = ad
        self._ads_of[adset.id].append(self._position[ad.id])
        self._model.reset_learning([self._position[adset.id]])
        self._index = None
        self._invalidate(ad.id)
        return ad

    def _creative_of(self, account: Account, fields: Mapping[str, Any]) -> Creative:
        creative_id = edits.creative_reference(fields)
        creative = self.creatives.get(str(creative_id))
        if creative is None or creative.account_id != account.id:
            raise MarketError("creative_id", f"no creative {creative_id!r} in {account.id}")
        return creative

    # -- updates ------------------------------------------------------------------------------------------
    def update(self, object_id: str, changes: Mapping[str, Any]) -> None:
        """Change an object's settings; every field is checked before any is applied.

        Takes effect for the days simulated afterwards. A budget change of more than 20%, a bid or
        targeting change, or a new creative restarts the ad sets' learning phase."""
        kind = self._kind(object_id)
        target: Account | Campaign | AdSet | Ad | Creative
        if kind == "campaign":
            target = self.campaigns[object_id]
            currency = self.accounts[target.account_id].currency
            members = [self.adsets[self._adset_ids[k]] for k in self._adsets_of.get(object_id, [])]
            clean = edits.campaign_changes(target, changes, currency, members)
            if edits.significant(target, clean):
                self._model.reset_learning(self._adsets_of.get(object_id, []))
        elif kind == "adset":
            target = self.adsets[object_id]
            campaign = self.campaigns[target.campaign_id]
            currency = self.accounts[target.account_id].currency
            clean = edits.adset_changes(target, campaign, changes, currency)
            if edits.significant(target, clean):
                self._model.reset_learning([self._position[object_id]])
        elif kind == "ad":
            target = self.ads[object_id]
            clean = edits.ad_changes(target.status, changes)
            if "creative_id" in changes or "creative" in changes:
                creative = self._creative_of(self.accounts[target.account_id], changes)
                if creative.id != target.creative_id:
                    clean["creative_id"] = creative.id
                    self._model.set_creative(self._position[object_id], self._position[creative.id])
                    self._model.reset_learning([self._position[target.adset_id]])
        elif kind == "creative":
            target = self.creatives[object_id]
            edits.refuse_unknown(changes, {"name"})
            clean = {"name": check.text("name", changes["name"])} if "name" in changes else {}
        else:
            target = self.accounts[object_id]
            clean = edits.account_changes(target, changes)
        for name, value in clean.items():
            setattr(target, name, value)
        self._invalidate(object_id)

    # -- status -------------------------------------------------------------------------------------------
    def effective_status(self, object_id: str) -> str:
        """The status Meta would report: an object's own status, or why a parent stops it."""
        kind = self._kind(object_id)
        if kind == "account":
            return "ACTIVE" if self.accounts[object_id].account_status == 1 else "DISABLED"
        if kind == "creative":
            return "ACTIVE"
        if kind == "campaign":
            return self.campaigns[object_id].status
        if kind == "adset":
            return self._adset_status(self.adsets[object_id])
        return self._ad_status(self.ads[object_id])

    def _adset_status(self, adset: AdSet) -> str:
        if adset.status != "ACTIVE":
            return adset.status
        return _parent_status(self.campaigns[adset.campaign_id].status, "CAMPAIGN_PAUSED")

    def _ad_status(self, ad: Ad) -> str:
        if ad.status != "ACTIVE":
            return ad.status
        campaign_state = _parent_status(self.campaigns[ad.campaign_id].status, "CAMPAIGN_PAUSED")
        if campaign_state != "ACTIVE":
            return campaign_state
        return _parent_status(self.adsets[ad.adset_id].status, "ADSET_PAUSED")

    # -- simulation ---------------------------------------------------------------------------------------
    def _controls_now(self) -> Controls:
        self._controls.sync(self)
        return self._controls

    def _days_left(self, end_time: datetime | None, created: datetime) -> int:
        end = (end_time or created + timedelta(days=DEFAULT_FLIGHT_DAYS)).date()
        return max(1, (end - self.today).days)

    def _ended(self, end_time: datetime | None) -> bool:
        return end_time is not None and end_time.date() <= self.today

    def _remaining(self, object_id: str, lifetime: int) -> int:
        return max(0, lifetime - self._lifetime_spent.get(object_id, 0))

    def _plan(self, controls: Controls) -> tuple[Plan, np.ndarray, np.ndarray]:
        """Today's plan, plus the most each ad set and each CBO campaign may still spend (lifetime budgets)."""
        on = controls.adset_on.copy()
        budget = np.where(np.isnan(controls.daily), 0.0, controls.daily)
        ceiling = np.full(len(on), np.inf)
        for k in sorted(controls.dated):
            adset = self.adsets[self._adset_ids[k]]
            campaign = self.campaigns[adset.campaign_id]
            if self._ended(adset.end_time) or self._ended(campaign.end_time):
                on[k] = False
            if adset.lifetime_budget is not None:
                left = self._remaining(adset.id, adset.lifetime_budget) / controls.offsets[k]
                budget[k] = left / self._days_left(adset.end_time, adset.created_time)
                ceiling[k] = left
        group_budget = np.zeros(len(controls.group_campaigns))
        group_ceiling = np.full(len(controls.group_campaigns), np.inf)
        for g, campaign_id in enumerate(controls.group_campaigns):
            campaign = self.campaigns[campaign_id]
            unit = offset(self.accounts[campaign.account_id].currency)
            if campaign.daily_budget is not None:
                group_budget[g] = campaign.daily_budget / unit
            elif campaign.lifetime_budget is not None:
                left = self._remaining(campaign.id, campaign.lifetime_budget) / unit
                days = self._days_left(campaign.end_time, campaign.created_time)
                group_budget[g] = left / days
                group_ceiling[g] = left
        plan = Plan(
            on=on,
            budget=budget,
            group=controls.group,
            group_budget=group_budget,
            strategy=controls.strategy,
            bid=controls.bid,
        )
        return plan, ceiling, group_ceiling

    @staticmethod
    def _within_lifetime(
        spend: np.ndarray, group: np.ndarray, ceiling: np.ndarray, group_ceiling: np.ndarray
    ) -> np.ndarray:
        """A lifetime budget is never overspent: clip ad sets, scale down a CBO campaign's ad sets."""
        spend = np.minimum(spend, ceiling)
        for g in np.flatnonzero(np.isfinite(group_ceiling)):
            members = group == g
            total = spend[members].sum()
            if total > group_ceiling[g]:
                spend[members] *= group_ceiling[g] / total
        return spend

    def advance(self, days: int = 1) -> None:
        """Simulate the next ``days`` days with the settings in force now."""
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            raise MarketError("days", f"must be a non-negative integer, got {days!r}")
        for _ in range(days):
            self._simulate_one()

    def _simulate_one(self) -> None:
        day = self.today
        ordinal = day.toordinal()
        controls = self._controls_now()
        rngs = DayRngs.for_day(self.config.seed, ordinal)
        rates = self._model.rates(day, controls.ad_active)
        plan, ceiling, group_ceiling = self._plan(controls)
        spend = realise(targets(plan, rates), rngs.spend)
        spend = self._within_lifetime(spend, plan.group, ceiling, group_ceiling)
        # floor, not round: rounding up could overspend a lifetime budget by a cent
        spend_minor = np.floor(spend * controls.offsets + 1e-9).astype(np.int64)
        record, impressions = simulate_day(
            ordinal,
            rates,
            spend_minor,
            controls.offsets,
            self._model.ad_set,
            self._model.set_pool,
            rngs,
        )
        purchases = np.zeros(len(self._ad_ids))
        purchases[record.ad] = record.purchases_by_lag[:, -1]
        self._model.step(rngs.drift, impressions.astype(np.float64), purchases)
        self._rates[ordinal] = rates
        self._records.append(record)
        self._book_lifetime(record)
        self.today = day + timedelta(days=1)
        for old in self._records:
            if old.ordinal < self.today.toordinal() - 1 - MAX_LAG:
                if not old.final:
                    old.finalise()
            else:
                break

    def _book_lifetime(self, record: DayRecord) -> None:
        per_set = np.bincount(
            self._model.ad_set[record.ad], weights=record.spend, minlength=len(self._adset_ids)
        )
        for k in sorted(self._controls.dated):  # only these can hold or sit under a lifetime budget
            if not per_set[k]:
                continue
            adset = self.adsets[self._adset_ids[k]]
            amount = int(per_set[k])
            if adset.lifetime_budget is not None:
                self._lifetime_spent[adset.id] = self._lifetime_spent.get(adset.id, 0) + amount
            campaign = self.campaigns[adset.campaign_id]
            if campaign.lifetime_budget is not None:
                self._lifetime_spent[campaign.id] = (
                    self._lifetime_spent.get(campaign.id, 0) + amount
                )

    # -- reporting ----------------------------------------------------------------------------------------
    def _ad_index(self) -> AdIndex:
        if self._index is None:
            ads = [self.ads[a] for a in self._ad_ids]
            account_pos = [self._position[ad.account_id] for ad in ads]
            self._index = AdIndex(
                ad_ids=[ad.id for ad in ads],
                adset_ids=[ad.adset_id for ad in ads],
                campaign_ids=[ad.campaign_id for ad in ads],
                account_ids=[ad.account_id for ad in ads],
                account=np.asarray(account_pos, dtype=np.int64),
            )
        return self._index

    def metrics(self, account_id: str, since: date, until: date) -> list[DailyMetrics]:
        """Ad-level daily rows of ``account_id`` for ``since..until`` as known today, by (date, ad id).

        The last answer is kept until the market moves, so a client paging through one report pays once.
        """
        account = self._account(account_id)
        if not isinstance(since, date) or not isinstance(until, date):
            raise MarketError("time_range", "since and until must be dates")
        if since > until:
            raise MarketError("time_range", f"since {since} is after until {until}")
        key = (account_id, since, until, self.today, len(self._ad_ids))
        if self._last_report is not None and self._last_report[0] == key:
            return list(self._last_report[1])
        lo, hi = since.toordinal(), until.toordinal()
        chosen = [r for r in self._records if lo <= r.ordinal <= hi]
        exponent = 0 if offset(account.currency) == 1 else -2
        rows = report(
            chosen, self._ad_index(), self._position[account_id], exponent, self.today.toordinal()
        )
        self._last_report = (key, rows)
        return list(rows)

    def records(self) -> list[DayRecord]:
        """The simulated days (for the truth and for tests); treat as read-only."""
        return self._records


def _parent_status(status: str, paused: str) -> str:
    return paused if status == "PAUSED" else status
