"""What is in force at Meta right now: each campaign's and ad set's budget, bid and status.

Read just before pushing, because the audit log only knows what adpilot did: a person may have edited a
budget in Ads Manager since the plan was made, and a run killed mid-batch may have landed changes it never
recorded. Comparing each planned change with the value in force settles both (see :mod:`.push`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from optimizer.meta.client import ADSET_FIELDS, CAMPAIGN_FIELDS, MetaClient
from optimizer.money import minor_to_major
from optimizer.store.entities import AdSet, Campaign
from optimizer.sync.records import adset_record, campaign_record


@dataclass
class InForce:
    """Values in force (minor units; None where the object has none) and what kind each object is."""

    values: dict[tuple[str, str], int | None] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # object id -> "adset" | "campaign"
    statuses: dict[str, str] = field(default_factory=dict)  # object id -> effective status
    campaign_of: dict[str, str] = field(default_factory=dict)  # ad set id -> campaign id
    campaigns: list[Any] = field(default_factory=list)  # the records read, for policy decisions
    adsets: list[Any] = field(default_factory=list)

    def value(self, object_id: str, field_name: str) -> int | None:
        return self.values.get((object_id, field_name))

    def known(self, object_id: str) -> bool:
        return object_id in self.kinds

    def daily_budgets(self, currency: str) -> dict[str, Decimal]:
        """Every daily budget in force, in major units: the guardrails' ``current_budgets``."""
        return {
            oid: minor_to_major(value, currency)
            for (oid, name), value in self.values.items()
            if name == "daily_budget" and value is not None
        }

    @classmethod
    def from_rows(cls, campaigns: Iterable[Any], adsets: Iterable[Any]) -> InForce:
        """From campaign and ad set records (sync records or store rows: same attribute names)."""
        found = cls(campaigns=list(campaigns), adsets=list(adsets))
        for row in found.campaigns:
            found.kinds[row.id] = "campaign"
            found.statuses[row.id] = row.effective_status or row.status or ""
            found.values[(row.id, "daily_budget")] = row.daily_budget
        for row in found.adsets:
            found.kinds[row.id] = "adset"
            found.statuses[row.id] = row.effective_status or row.status or ""
            found.campaign_of[row.id] = row.campaign_id
            found.values[(row.id, "daily_budget")] = row.daily_budget
            found.values[(row.id, "bid_amount")] = row.bid_amount
        return found

    @classmethod
    def from_store(cls, campaigns: Iterable[Campaign], adsets: Iterable[AdSet]) -> InForce:
        """From the store, right after a sync (what the sync read is what Meta had)."""
        return cls.from_rows(campaigns, adsets)


def read_in_force(client: MetaClient, account_id: str) -> InForce:
    """Read every campaign's and ad set's budget, bid and status from the API (a few paged calls)."""
    campaigns = client.edge(account_id, "campaigns", CAMPAIGN_FIELDS)
    adsets = client.edge(account_id, "adsets", ADSET_FIELDS)
    return InForce.from_rows(
        [campaign_record(row, account_id) for row in campaigns],
        [adset_record(row, account_id) for row in adsets],
    )
