"""The market's objects as the Marketing API names them: accounts, campaigns, ad sets, creatives, ads.

Money fields are integers in the account currency's minor units (Meta's "offset" units), exactly as the API
takes and returns budgets; daily metrics carry spend and values as :class:`~decimal.Decimal` in major units,
as insights report them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

#: Statuses a campaign, ad set or ad can be set to (``AdSet.Status`` in the SDK).
STATUSES = frozenset({"ACTIVE", "PAUSED", "ARCHIVED", "DELETED"})
#: ``Campaign.BidStrategy`` / ``AdSet.BidStrategy``.
BID_STRATEGIES = frozenset(
    {"LOWEST_COST_WITHOUT_CAP", "LOWEST_COST_WITH_BID_CAP", "COST_CAP", "LOWEST_COST_WITH_MIN_ROAS"}
)
#: Strategies that need a ``bid_amount`` (minor units): a max bid, or a target cost per result.
BID_AMOUNT_STRATEGIES = frozenset({"LOWEST_COST_WITH_BID_CAP", "COST_CAP"})
#: The ODAX campaign objectives.
OBJECTIVES = frozenset(
    {
        "OUTCOME_SALES", "OUTCOME_LEADS", "OUTCOME_TRAFFIC", "OUTCOME_ENGAGEMENT",
        "OUTCOME_AWARENESS", "OUTCOME_APP_PROMOTION",
    }
)  # fmt: skip
#: ``AdCreative.CallToActionType`` values the sandbox accepts (a subset of the SDK's 105).
CTA_TYPES = (
    "SHOP_NOW", "LEARN_MORE", "BUY_NOW", "ORDER_NOW", "GET_OFFER", "SIGN_UP", "SUBSCRIBE", "BOOK_NOW",
    "CONTACT_US", "DOWNLOAD", "GET_QUOTE", "APPLY_NOW", "SEE_MORE", "GET_STARTED", "WATCH_MORE",
    "ADD_TO_CART", "VISIT_WEBSITE", "FIND_OUT_MORE", "NO_BUTTON", "MESSAGE_PAGE", "WHATSAPP_MESSAGE",
    "CALL_NOW", "GET_DIRECTIONS", "DONATE_NOW", "INSTALL_APP", "USE_APP", "WATCH_VIDEO", "BOOK_TRAVEL",
    "CONTACT", "SEE_MENU",
)  # fmt: skip


@dataclass
class Account:
    """An ad account; ``account_status`` 1 is active (2 disabled, 3 unsettled, ...)."""

    id: str
    name: str
    currency: str
    timezone_name: str
    account_status: int = 1


@dataclass
class Campaign:
    """A campaign; a ``daily_budget`` or ``lifetime_budget`` makes it a campaign-budget (CBO) campaign."""

    id: str
    account_id: str
    name: str
    objective: str
    status: str
    daily_budget: int | None
    lifetime_budget: int | None
    bid_strategy: str | None
    created_time: datetime
    end_time: datetime | None = None

    @property
    def is_cbo(self) -> bool:
        """Whether the budget sits on the campaign (Advantage campaign budget) rather than its ad sets."""
        return self.daily_budget is not None or self.lifetime_budget is not None


@dataclass
class AdSet:
    """An ad set; its budget is ``None`` when its campaign holds the budget (CBO)."""

    id: str
    account_id: str
    campaign_id: str
    name: str
    status: str
    daily_budget: int | None
    lifetime_budget: int | None
    bid_strategy: str | None
    bid_amount: int | None
    bid_constraints: dict[str, Any] | None
    optimization_goal: str
    billing_event: str
    targeting: dict[str, Any]
    created_time: datetime
    end_time: datetime | None = None


@dataclass
class Creative:
    """An ad creative: a link ad with one call to action."""

    id: str
    account_id: str
    name: str
    call_to_action_type: str
    title: str
    body: str
    link_url: str
    image_hash: str
    page_id: str = "100000000000001"

    @property
    def object_story_spec(self) -> dict[str, Any]:
        """The creative as ``object_story_spec`` (``link_data`` with its ``call_to_action``)."""
        return {
            "page_id": self.page_id,
            "link_data": {
                "link": self.link_url,
                "message": self.body,
                "name": self.title,
                "image_hash": self.image_hash,
                "call_to_action": {
                    "type": self.call_to_action_type,
                    "value": {"link": self.link_url},
                },
            },
        }


@dataclass
class Ad:
    """An ad: one creative shown in one ad set."""

    id: str
    account_id: str
    campaign_id: str
    adset_id: str
    name: str
    status: str
    creative_id: str
    created_time: datetime


@dataclass(frozen=True, slots=True)
class DailyMetrics:
    """One ad's delivery on one day as reported (purchases and their value grow as attribution lands).

    Slotted: a 1,000-ad-set market reports a quarter of a million of these per 90-day pull."""

    date: date
    account_id: str
    campaign_id: str
    adset_id: str
    ad_id: str
    spend: Decimal
    impressions: int
    reach: int
    clicks: int
    link_clicks: int
    landing_page_views: int
    add_to_cart: int
    purchases: int
    purchase_value: Decimal = field(default=Decimal(0))
