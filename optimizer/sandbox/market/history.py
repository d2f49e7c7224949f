"""The advertiser's own past: budget edits, launches, pauses and creative refreshes during the history.

A real account's history is not a flat line at fixed budgets: budgets move every few weeks, some ad sets
launch late or pause for a while, tired creatives are replaced. Besides realism this matters for whoever
fits response curves on the history: without budget changes the spend barely varies and the curvature is
hard to identify. The script is drawn from its own seeded generator and applied through the market's public
:meth:`~.market.Market.update` / ``create_*`` calls, so every event obeys the same validation as the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from optimizer.money import offset
from optimizer.sandbox.market.validation import minimum_daily_budget

if TYPE_CHECKING:
    from optimizer.sandbox.market.market import Market

#: Budget edits per budget holder per 30 days (Poisson), and the log-sd of one edit's factor.
EDITS_PER_MONTH = 1.0
EDIT_LOG_SD = 0.3
LAUNCH_SHARE = 0.15
PAUSE_SHARE = 0.10
REFRESH_SHARE = 0.20
#: Below this many days of history the script stays empty (nothing would be visible).
MIN_DAYS = 20


@dataclass(frozen=True)
class Event:
    """One thing the advertiser did before ``day`` was simulated (``day`` counts from the first day)."""

    day: int
    kind: str  # "budget", "pause", "resume", "launch", "refresh"
    object_id: str
    factor: float = 1.0
    detail: dict[str, Any] = field(default_factory=dict)


def _budget_holders(market: Market) -> list[str]:
    holders = [c.id for c in market.campaigns.values() if c.daily_budget is not None]
    holders += [a.id for a in market.adsets.values() if a.daily_budget is not None]
    return holders


def script(market: Market, days: int) -> list[Event]:
    """Draw the history's events for a freshly populated market (deterministic in the seed)."""
    if days < MIN_DAYS:
        return []
    rng = np.random.default_rng([market.config.seed, 2])
    events: list[Event] = []
    for holder in _budget_holders(market):
        count = rng.poisson(EDITS_PER_MONTH * days / 30)
        for day in sorted(rng.integers(1, days, size=count).tolist()):
            factor = float(np.clip(np.exp(rng.normal(0.0, EDIT_LOG_SD)), 0.5, 2.0))
            events.append(Event(day, "budget", holder, factor))
    first_of_campaign: dict[str, str] = {}
    for adset in market.adsets.values():
        first_of_campaign.setdefault(adset.campaign_id, adset.id)
    for adset_id in market.adsets:
        if adset_id in first_of_campaign.values():
            continue
        draw = rng.random()
        if draw < LAUNCH_SHARE:
            events.append(Event(int(rng.integers(5, int(days * 0.6))), "launch", adset_id))
        elif draw < LAUNCH_SHARE + PAUSE_SHARE:
            start = int(rng.integers(3, days - 14))
            events.append(Event(start, "pause", adset_id))
            events.append(Event(start + int(rng.integers(3, 11)), "resume", adset_id))
    for adset_id in market.adsets:
        if rng.random() < REFRESH_SHARE:
            day = int(rng.integers(MIN_DAYS // 2, days - 3))
            events.append(Event(day, "refresh", adset_id, detail={"cta_draw": float(rng.random())}))
    return sorted(events, key=lambda e: e.day)


def prepare(market: Market, events: list[Event]) -> None:
    """Before the history runs: late launches start paused and are created on their launch day."""
    first = market.today
    for event in events:
        if event.kind != "launch":
            continue
        adset = market.adsets[event.object_id]
        market.update(adset.id, {"status": "PAUSED"})
        launched = datetime.combine(first + timedelta(days=event.day), time(8, 0), UTC)
        adset.created_time = launched
        for j in market._ads_of[adset.id]:
            market.ads[market._ad_ids[j]].created_time = launched + timedelta(minutes=30)


def apply(market: Market, event: Event) -> Event:
    """Carry out one event on the market as it stands (through the validated public calls).

    Returns the event with what was done in ``detail`` (the new budget, the new ad's id).
    """
    done: dict[str, Any] = {}
    if event.kind in ("launch", "resume"):
        market.update(event.object_id, {"status": "ACTIVE"})
        if event.kind == "launch":  # a new ad set learns from scratch
            market._model.reset_learning([market._position[event.object_id]])
    elif event.kind == "pause":
        market.update(event.object_id, {"status": "PAUSED"})
    elif event.kind == "budget":
        done["daily_budget"] = _edit_budget(market, event.object_id, event.factor)
    elif event.kind == "refresh":
        done.update(_refresh(market, event))
    return Event(event.day, event.kind, event.object_id, event.factor, {**event.detail, **done})


def _edit_budget(market: Market, object_id: str, factor: float) -> int:
    holder = market.campaigns.get(object_id) or market.adsets[object_id]
    currency = market.accounts[holder.account_id].currency
    unit = offset(currency)
    step = 100 if unit == 1 else unit  # whole dollars, hundreds of yen
    current = holder.daily_budget or 0
    new = max(minimum_daily_budget(currency), round(current * factor / step) * step)
    if new != current:
        market.update(object_id, {"daily_budget": new})
    return new


def _refresh(market: Market, event: Event) -> dict[str, str]:
    """A new creative and ad in the ad set; the most-worn live ad is paused (common practice)."""
    from optimizer.sandbox.market.generate import CTA_WEIGHTS, GENERATED_CTAS

    adset = market.adsets[event.object_id]
    siblings = [market.ads[market._ad_ids[j]] for j in market._ads_of[adset.id]]
    live = [a for a in siblings if a.status == "ACTIVE"]
    cta = GENERATED_CTAS[int(np.searchsorted(np.cumsum(CTA_WEIGHTS), event.detail["cta_draw"]))]
    number = len(siblings) + 1
    now = datetime.combine(market.today, time(10, 0), UTC)
    creative = market.create_creative(
        adset.account_id,
        {
            "name": f"{adset.name} / {cta.replace('_', ' ').title()} v{number}",
            "call_to_action_type": cta,
            "title": "Just landed",
            "body": "The new collection is here.",
            "link_url": f"https://shop.example.com/new?v={number}",
        },
    )
    ad = market.create_ad(
        adset.account_id,
        {
            "name": f"{adset.name} refresh {number}",
            "adset_id": adset.id,
            "creative_id": creative.id,
        },
        created_time=now,
    )
    done = {"ad_id": ad.id}
    if len(live) > 1:
        worn = min(live, key=lambda a: market.truth.fatigue(a.id))
        market.update(worn.id, {"status": "PAUSED"})
        done["paused_ad_id"] = worn.id
    return done
