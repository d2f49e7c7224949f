"""The market: entities as the API sees them, a simulated past, and a closed loop into the future.

``Market(config)`` generates the accounts and simulates ``history_days`` days. After that the market only
moves when told: :meth:`Market.advance` simulates the next days with the budgets, bids and statuses in force
at that moment, so an :meth:`Market.update` made today changes tomorrow's delivery. :meth:`Market.metrics`
reports ad-level rows as a pull made today would see them (recent purchases still landing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np

from optimizer.money import offset
from optimizer.sandbox.market import history
from optimizer.sandbox.market import validation as check
from optimizer.sandbox.market.attribution import MAX_LAG
from optimizer.sandbox.market.config import MarketConfig
from optimizer.sandbox.market.controls import Controls
from optimizer.sandbox.market.delivery import Plan, realise, targets
from optimizer.sandbox.market.entities import (
    BID_AMOUNT_STRATEGIES,
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

#: Fields accepted on creation that the simulation does not model (kept out of errors, not stored).
IGNORED_FIELDS = frozenset(
    {
        "special_ad_categories", "buying_type", "is_adset_budget_sharing_enabled", "promoted_object",
        "start_time", "pacing_type", "destination_type", "attribution_spec", "execution_options",
        "tracking_specs", "conversion_specs", "adlabels", "access_token", "appsecret_proof",
    }
)  # fmt: skip
#: ``AdAccount.account_status`` values: 1 active, 2 disabled, 3 unsettled, 7 pending risk review, ...
ACCOUNT_STATUSES = frozenset({1, 2, 3, 7, 8, 9, 100, 101, 201, 202})
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
        self._refuse_unknown(
            fields,
            {
                "name",
                "objective",
                "status",
                "daily_budget",
                "lifetime_budget",
                "bid_strategy",
                "end_time",
            },
        )
        daily, lifetime = self._budgets(fields, account.currency)
        strategy = fields.get("bid_strategy")
        if strategy is not None:
            strategy = check.bid_strategy(strategy)
            if daily is None and lifetime is None:
                raise MarketError(
                    "bid_strategy", "only a campaign with a campaign budget takes a bid strategy"
                )
        elif daily is not None or lifetime is not None:
            strategy = "LOWEST_COST_WITHOUT_CAP"
        campaign = Campaign(
            id="",
            account_id=account.id,
            name=check.text("name", fields.get("name")),
            objective=check.objective(fields.get("objective", "OUTCOME_SALES")),
            status=check.status(fields.get("status", "ACTIVE")),
            daily_budget=daily,
            lifetime_budget=lifetime,
            bid_strategy=strategy,
            created_time=created_time or self._created_now(),
            end_time=check.timestamp("end_time", fields["end_time"])
            if fields.get("end_time")
            else None,
        )
        campaign.id = self._new_id()  # only once every field is valid, so refusals keep ids stable
        self.campaigns[campaign.id] = campaign
        return campaign

    def create_adset(
        self, account_id: str, fields: Mapping[str, Any], *, created_time: datetime | None = None
    ) -> AdSet:
        """Create an ad set in one of the account's campaigns; it has its own budget unless the campaign is CBO."""
        account = self._account(account_id)
        self._refuse_unknown(
            fields,
            {
                "name", "campaign_id", "status", "daily_budget", "lifetime_budget", "bid_strategy",
                "bid_amount", "bid_constraints", "optimization_goal", "billing_event", "targeting",
                "end_time",
            },
        )  # fmt: skip
        campaign_id = str(fields.get("campaign_id", ""))
        campaign = self.campaigns.get(campaign_id)
        if campaign is None or campaign.account_id != account.id:
            raise MarketError("campaign_id", f"no campaign {campaign_id!r} in {account.id}")
        daily, lifetime = self._budgets(fields, account.currency)
        strategy: str | None = None
        if campaign.is_cbo:
            for name in ("daily_budget", "lifetime_budget", "bid_strategy"):
                if fields.get(name) is not None:
                    raise MarketError(
                        name, f"campaign {campaign.id} holds the budget (CBO); not on its ad sets"
                    )
        else:
            if daily is None and lifetime is None:
                raise MarketError(
                    "daily_budget", "an ad set in a campaign without a campaign budget needs one"
                )
            strategy = check.bid_strategy(fields.get("bid_strategy", "LOWEST_COST_WITHOUT_CAP"))
        amount = (
            check.bid_amount(fields["bid_amount"]) if fields.get("bid_amount") is not None else None
        )
        constraints = (
            check.bid_constraints(fields["bid_constraints"])
            if fields.get("bid_constraints") is not None
            else None
        )
        self._check_bid(strategy or campaign.bid_strategy, amount, constraints)
        adset = AdSet(
            id="",
            account_id=account.id,
            campaign_id=campaign.id,
            name=check.text("name", fields.get("name")),
            status=check.status(fields.get("status", "ACTIVE")),
            daily_budget=daily,
            lifetime_budget=lifetime,
            bid_strategy=strategy,
            bid_amount=amount,
            bid_constraints=constraints,
            optimization_goal=check.text(
                "optimization_goal", fields.get("optimization_goal", "OFFSITE_CONVERSIONS")
            ),
            billing_event=check.text("billing_event", fields.get("billing_event", "IMPRESSIONS")),
            targeting=check.mapping(
                "targeting", fields.get("targeting", {"geo_locations": {"countries": ["US"]}})
            ),
            created_time=created_time or self._created_now(),
            end_time=check.timestamp("end_time", fields["end_time"])
            if fields.get("end_time")
            else None,
        )
        adset.id = self._new_id()
        self._position[adset.id] = self._model.add_adset(self._position[account.id])
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
        self._refuse_unknown(
            fields,
            {
                "name", "call_to_action_type", "title", "body", "link_url", "image_hash",
                "object_story_spec", "page_id",
            },
        )  # fmt: skip
        flat = dict(fields)
        if fields.get("object_story_spec") is not None:
            spec = check.mapping("object_story_spec", fields["object_story_spec"])
            link = check.mapping("object_story_spec.link_data", spec.get("link_data"))
            cta = link.get("call_to_action") or {}
            flat.setdefault("page_id", spec.get("page_id"))
            flat.setdefault("link_url", link.get("link"))
            flat.setdefault("body", link.get("message"))
            flat.setdefault("title", link.get("name"))
            flat.setdefault("image_hash", link.get("image_hash"))
            if isinstance(cta, dict) and cta.get("type") is not None:
                flat.setdefault("call_to_action_type", cta["type"])
        cta_type = check.call_to_action("call_to_action_type", flat.get("call_to_action_type"))
        name = check.text("name", flat["name"]) if flat.get("name") is not None else None
        link_url = check.text("link_url", flat.get("link_url") or "https://shop.example.com/")
        creative_id = self._new_id()
        creative = Creative(
            id=creative_id,
            account_id=account.id,
            name=name or f"Creative {creative_id}",
            call_to_action_type=cta_type,
            title=str(flat.get("title") or ""),
            body=str(flat.get("body") or ""),
            link_url=link_url,
            image_hash=str(flat.get("image_hash") or ""),
            page_id=str(flat.get("page_id") or "100000000000001"),
        )
        self._position[creative.id] = self._model.add_creative(cta_type)
        self.creatives[creative.id] = creative
        return creative

    def create_ad(
        self, account_id: str, fields: Mapping[str, Any], *, created_time: datetime | None = None
    ) -> Ad:
        """Create an ad showing one of the account's creatives in one of its ad sets."""
        account = self._account(account_id)
        self._refuse_unknown(fields, {"name", "adset_id", "creative_id", "creative", "status"})
        adset_id = str(fields.get("adset_id", ""))
        adset = self.adsets.get(adset_id)
        if adset is None or adset.account_id != account.id:
            raise MarketError("adset_id", f"no ad set {adset_id!r} in {account.id}")
        creative = self._creative_field(account, fields)
        ad = Ad(
            id="",
            account_id=account.id,
            campaign_id=adset.campaign_id,
            adset_id=adset.id,
            name=check.text("name", fields.get("name")),
            status=check.status(fields.get("status", "ACTIVE")),
            creative_id=creative.id,
            created_time=created_time or self._created_now(),
        )
        ad.id = self._new_id()
        self._position[ad.id] = self._model.add_ad(
            self._position[adset.id], self._position[creative.id]
        )
        self._ad_ids.append(ad.id)
        self.ads[ad.id] = ad
        self._ads_of[adset.id].append(self._position[ad.id])
        self._model.reset_learning([self._position[adset.id]])  # a new ad is a significant edit
        self._index = None
        self._invalidate(ad.id)
        return ad

    def _creative_field(self, account: Account, fields: Mapping[str, Any]) -> Creative:
        creative_id = fields.get("creative_id")
        if creative_id is None and fields.get("creative") is not None:
            creative_id = check.mapping("creative", fields["creative"]).get("creative_id")
        creative = self.creatives.get(str(creative_id))
        if creative is None or creative.account_id != account.id:
            raise MarketError("creative_id", f"no creative {creative_id!r} in {account.id}")
        return creative

    @staticmethod
    def _refuse_unknown(fields: Mapping[str, Any], allowed: Iterable[str]) -> None:
        known = set(allowed) | IGNORED_FIELDS
        for name in fields:
            if name not in known:
                raise MarketError(name, "is not a field the sandbox can set here")

    @staticmethod
    def _budgets(fields: Mapping[str, Any], currency: str) -> tuple[int | None, int | None]:
        daily = fields.get("daily_budget")
        lifetime = fields.get("lifetime_budget")
        if daily is not None and lifetime is not None:
            raise MarketError("lifetime_budget", "set daily_budget or lifetime_budget, not both")
        return (
            check.budget("daily_budget", daily, currency) if daily is not None else None,
            check.budget("lifetime_budget", lifetime, currency) if lifetime is not None else None,
        )

    @staticmethod
    def _check_bid(
        strategy: str | None, amount: int | None, constraints: Mapping[str, Any] | None
    ) -> None:
        if strategy in BID_AMOUNT_STRATEGIES and amount is None:
            raise MarketError("bid_amount", f"{strategy} needs a bid_amount (minor units)")
        if strategy == "LOWEST_COST_WITH_MIN_ROAS" and not (constraints or {}).get(
            "roas_average_floor"
        ):
            raise MarketError(
                "bid_constraints",
                "LOWEST_COST_WITH_MIN_ROAS needs bid_constraints.roas_average_floor",
            )

    # -- updates ------------------------------------------------------------------------------------------
    def update(self, object_id: str, changes: Mapping[str, Any]) -> None:
        """Change an object's settings; all fields are checked before any is applied."""
        kind = self._kind(object_id)
        if kind == "campaign":
            self._update_campaign(self.campaigns[object_id], changes)
        elif kind == "adset":
            self._update_adset(self.adsets[object_id], changes)
        elif kind == "ad":
            self._update_ad(self.ads[object_id], changes)
        elif kind == "creative":
            self._refuse_unknown(changes, {"name"})
            if "name" in changes:
                self.creatives[object_id].name = check.text("name", changes["name"])
        else:
            self._update_account(self.accounts[object_id], changes)
        self._invalidate(object_id)

    @staticmethod
    def _update_account(account: Account, changes: Mapping[str, Any]) -> None:
        """Accounts take a new name, or (sandbox only, to stage billing trouble) an ``account_status``."""
        Market._refuse_unknown(changes, {"name", "account_status"})
        name = check.text("name", changes["name"]) if "name" in changes else account.name
        status = account.account_status
        if "account_status" in changes:
            status = check.integer("account_status", changes["account_status"])
            if status not in ACCOUNT_STATUSES:
                raise MarketError(
                    "account_status", f"{status} is not one of {sorted(ACCOUNT_STATUSES)}"
                )
        account.name, account.account_status = name, status

    def _common(self, current_status: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        if current_status == "DELETED":
            raise MarketError("status", "the object is deleted and cannot be changed")
        clean: dict[str, Any] = {}
        if "name" in changes:
            clean["name"] = check.text("name", changes["name"])
        if "status" in changes:
            clean["status"] = check.status(changes["status"])
        return clean

    def _update_campaign(self, campaign: Campaign, changes: Mapping[str, Any]) -> None:
        self._refuse_unknown(
            changes,
            {"name", "status", "daily_budget", "lifetime_budget", "bid_strategy", "end_time"},
        )
        clean = self._common(campaign.status, changes)
        currency = self.accounts[campaign.account_id].currency
        for name in ("daily_budget", "lifetime_budget"):
            if name in changes:
                if not campaign.is_cbo:
                    raise MarketError(
                        name, f"campaign {campaign.id} budgets its ad sets; set {name} there"
                    )
                if getattr(campaign, name) is None:
                    raise MarketError(
                        name, f"campaign {campaign.id} has a {_other(name)}; cannot switch"
                    )
                clean[name] = check.budget(name, changes[name], currency)
        if "bid_strategy" in changes:
            if not campaign.is_cbo:
                raise MarketError("bid_strategy", f"campaign {campaign.id} has no campaign budget")
            clean["bid_strategy"] = check.bid_strategy(changes["bid_strategy"])
            for adset in self.adsets.values():
                if adset.campaign_id == campaign.id and adset.status != "DELETED":
                    self._check_bid(clean["bid_strategy"], adset.bid_amount, adset.bid_constraints)
        if "end_time" in changes:
            clean["end_time"] = check.timestamp("end_time", changes["end_time"])
        if _significant(campaign, clean):
            self._model.reset_learning(self._adsets_of.get(campaign.id, []))
        for name, value in clean.items():
            setattr(campaign, name, value)

    def _update_adset(self, adset: AdSet, changes: Mapping[str, Any]) -> None:
        self._refuse_unknown(
            changes,
            {
                "name", "status", "daily_budget", "lifetime_budget", "bid_strategy", "bid_amount",
                "bid_constraints", "end_time", "targeting",
            },
        )  # fmt: skip
        clean = self._common(adset.status, changes)
        campaign = self.campaigns[adset.campaign_id]
        currency = self.accounts[adset.account_id].currency
        for name in ("daily_budget", "lifetime_budget"):
            if name in changes:
                if campaign.is_cbo:
                    raise MarketError(
                        name, f"campaign {campaign.id} holds the budget (CBO); not its ad sets"
                    )
                if getattr(adset, name) is None:
                    raise MarketError(
                        name, f"ad set {adset.id} has a {_other(name)}; cannot switch"
                    )
                clean[name] = check.budget(name, changes[name], currency)
        if "bid_strategy" in changes:
            if campaign.is_cbo:
                raise MarketError(
                    "bid_strategy", f"campaign {campaign.id} (CBO) holds the bid strategy"
                )
            clean["bid_strategy"] = check.bid_strategy(changes["bid_strategy"])
        if "bid_amount" in changes:
            clean["bid_amount"] = (
                None if changes["bid_amount"] is None else check.bid_amount(changes["bid_amount"])
            )
        if "bid_constraints" in changes:
            clean["bid_constraints"] = (
                None
                if changes["bid_constraints"] is None
                else check.bid_constraints(changes["bid_constraints"])
            )
        if "end_time" in changes:
            clean["end_time"] = check.timestamp("end_time", changes["end_time"])
        if "targeting" in changes:
            clean["targeting"] = check.mapping("targeting", changes["targeting"])
        strategy = clean.get("bid_strategy", adset.bid_strategy or campaign.bid_strategy)
        self._check_bid(
            strategy,
            clean.get("bid_amount", adset.bid_amount),
            clean.get("bid_constraints", adset.bid_constraints),
        )
        if _significant(adset, clean):
            self._model.reset_learning([self._position[adset.id]])
        for name, value in clean.items():
            setattr(adset, name, value)

    def _update_ad(self, ad: Ad, changes: Mapping[str, Any]) -> None:
        self._refuse_unknown(changes, {"name", "status", "creative_id", "creative"})
        clean = self._common(ad.status, changes)
        if "creative_id" in changes or "creative" in changes:
            creative = self._creative_field(self.accounts[ad.account_id], changes)
            clean["creative_id"] = creative.id
        if "creative_id" in clean and clean["creative_id"] != ad.creative_id:
            self._model.set_creative(self._position[ad.id], self._position[clean["creative_id"]])
            self._model.reset_learning([self._position[ad.adset_id]])
        for name, value in clean.items():
            setattr(ad, name, value)

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
        spend = realise(targets(plan, rates, rngs.spend), rngs.spend)
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


#: A budget change beyond this ratio counts as a significant edit (practitioners' rule of thumb; Meta's
#: own threshold is not documented) and sends the ad sets back into learning.
SIGNIFICANT_BUDGET_CHANGE = 0.2


def _significant(current: Campaign | AdSet, clean: Mapping[str, Any]) -> bool:
    """Whether applying ``clean`` to ``current`` is a significant edit (learning restarts)."""
    for name in ("daily_budget", "lifetime_budget"):
        old, new = getattr(current, name), clean.get(name)
        if new is not None and old and abs(new / old - 1) > SIGNIFICANT_BUDGET_CHANGE:
            return True
    for name in ("bid_strategy", "bid_amount", "bid_constraints", "targeting"):
        if name in clean and clean[name] != getattr(current, name, None):
            return True
    return False


def _parent_status(status: str, paused: str) -> str:
    return paused if status == "PAUSED" else status


def _other(name: str) -> str:
    return "lifetime_budget" if name == "daily_budget" else "daily_budget"
