"""The seeded starting market: accounts, campaigns (some CBO), ad sets, creatives with CTAs, ads.

Budgets are drawn independently of how good an ad set is (as accounts grow by habit, not by marginal
return), so there is money to gain by moving budget. A few ad sets run a cost cap near their cost per
purchase, so some caps bind.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

import numpy as np

from optimizer.money import offset
from optimizer.sandbox.market.model import FX_PER_USD

if TYPE_CHECKING:
    from optimizer.sandbox.market.market import Market

CAMPAIGN_NAMES = (
    "Prospecting",
    "Retargeting",
    "Lookalike",
    "Broad",
    "Catalog",
    "Seasonal",
    "Brand",
)
AUDIENCES = (
    ("US", 18, 34, "Broad"), ("US", 25, 44, "Interests: fitness"), ("US", 35, 54, "Lookalike 1%"),
    ("CA", 25, 54, "Broad"), ("GB", 18, 44, "Interests: outdoor"), ("US", 25, 65, "Website visitors 30d"),
    ("AU", 25, 54, "Lookalike 3%"), ("US", 18, 65, "Advantage+ audience"), ("DE", 25, 44, "Broad"),
)  # fmt: skip
#: CTAs the generated creatives use, most common first.
GENERATED_CTAS = ("SHOP_NOW", "LEARN_MORE", "BUY_NOW", "GET_OFFER", "ORDER_NOW", "SIGN_UP")
CTA_WEIGHTS = (0.35, 0.2, 0.15, 0.12, 0.12, 0.06)
HEADLINES = (
    "New season, new gear",
    "Free shipping today",
    "Built to last",
    "Loved by 10,000 customers",
)
MEDIAN_DAILY_BUDGET_USD = 40.0
COST_CAP_SHARE = 0.15
PAUSED_AD_SHARE = 0.05


def _budget_minor(rng: np.random.Generator, currency: str) -> int:
    """A daily budget around $40 (log-normal), in whole major units of ``currency``, in minor units."""
    usd = MEDIAN_DAILY_BUDGET_USD * float(np.exp(rng.normal(0.0, 0.6)))
    whole = max(5, round(usd * FX_PER_USD.get(currency, 1.0)))
    if offset(currency) == 1:
        whole = max(500, round(whole, -2))
    return int(whole * offset(currency))


def populate(market: Market) -> None:
    """Fill an empty market as its config says (deterministic in the seed)."""
    config = market.config
    rng = np.random.default_rng([config.seed, 1])
    first = config.first_day
    for a in range(config.accounts):
        currency = config.currencies[a % len(config.currencies)]
        account = market.add_account(f"Sandbox store {a + 1}", currency, config.timezone_name)

        def when(days_before: float, hour: int) -> datetime:
            return datetime.combine(first, time(hour % 24, 0), UTC) - timedelta(days=days_before)

        # ad-set budgets first, so a CBO campaign's budget is the sum of what its ad sets would get
        size = config.adsets_of(a)
        owner = [k % config.campaigns for k in range(size)]
        budgets = [_budget_minor(rng, currency) for _ in range(size)]
        campaigns = []
        for c in range(config.campaigns):
            cbo = c < config.cbo_campaigns
            fields: dict[str, object] = {
                "name": f"{CAMPAIGN_NAMES[c % len(CAMPAIGN_NAMES)]} {c + 1}",
                "objective": "OUTCOME_SALES",
                "status": "ACTIVE",
            }
            if cbo:
                fields["daily_budget"] = sum(
                    b for b, o in zip(budgets, owner, strict=True) if o == c
                )
                fields["bid_strategy"] = "LOWEST_COST_WITHOUT_CAP"
            campaigns.append(
                market.create_campaign(account.id, fields, created_time=when(40 + 3 * c, 10))
            )
        capped = []
        for k in range(size):
            campaign = campaigns[owner[k]]
            country, low, high, label = AUDIENCES[k % len(AUDIENCES)]
            fields = {
                "name": f"{country} {low}-{high} {label}",
                "campaign_id": campaign.id,
                "status": "ACTIVE",
                "optimization_goal": "OFFSITE_CONVERSIONS",
                "billing_event": "IMPRESSIONS",
                "targeting": {
                    "geo_locations": {"countries": [country]},
                    "age_min": low,
                    "age_max": high,
                    # each generated ad set reaches its own audience (identical targeting would twin)
                    "flexible_spec": [{"interests": [{"id": str(6003000000000 + 1000 * a + k)}]}],
                },
            }
            if not campaign.is_cbo:
                fields["daily_budget"] = budgets[k]
                fields["bid_strategy"] = "LOWEST_COST_WITHOUT_CAP"
            adset = market.create_adset(account.id, fields, created_time=when(30 - k % 7, 11))
            if not campaign.is_cbo and rng.random() < COST_CAP_SHARE:
                capped.append(adset.id)
            ctas = rng.choice(len(GENERATED_CTAS), size=config.ads_per_adset, p=CTA_WEIGHTS)
            paused = rng.random(config.ads_per_adset) < PAUSED_AD_SHARE
            paused[0] = False  # every ad set keeps at least one live ad
            for j in range(config.ads_per_adset):
                cta = GENERATED_CTAS[int(ctas[j])]
                creative = market.create_creative(
                    account.id,
                    {
                        "name": f"{adset.name} / {cta.replace('_', ' ').title()} v{j + 1}",
                        "call_to_action_type": cta,
                        "title": HEADLINES[(k + j) % len(HEADLINES)],
                        "body": "Discover the collection.",
                        "link_url": f"https://shop.example.com/p/{k + 1}?v={j + 1}",
                        "image_hash": f"{rng.integers(16**12):012x}",
                    },
                )
                market.create_ad(
                    account.id,
                    {
                        "name": f"Ad {k + 1}.{j + 1}",
                        "adset_id": adset.id,
                        "creative_id": creative.id,
                        "status": "PAUSED" if paused[j] else "ACTIVE",
                    },
                    created_time=when(29 - k % 7, 12 + j),
                )
        _set_cost_caps(market, capped, rng)
    market._model.graduate()  # the generated ad sets have run for weeks before the history starts


def _set_cost_caps(market: Market, adset_ids: list[str], rng: np.random.Generator) -> None:
    """Give ``adset_ids`` a cost cap at 0.8-1.6x their true cost per purchase at their budget."""
    first = market.today
    caps: dict[str, int] = {}
    for adset_id in adset_ids:  # all truths first: each update rebuilds the delivery controls
        adset = market.adsets[adset_id]
        unit = offset(market.accounts[adset.account_id].currency)
        spend = (adset.daily_budget or 0) / unit
        purchases = market.truth.expected_purchases(adset_id, spend, first)
        if purchases > 0:
            caps[adset_id] = max(1, round(spend / purchases * rng.uniform(0.8, 1.6) * unit))
    for adset_id, cap in caps.items():
        market.update(adset_id, {"bid_strategy": "COST_CAP", "bid_amount": cap})
