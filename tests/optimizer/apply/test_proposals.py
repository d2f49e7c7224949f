"""Which objects may move tonight, what gets proposed, and how approved files are read (no API, no DB)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from budgets import BudgetPolicy
from optimizer.apply import InForce
from optimizer.apply.approved import read_approved
from optimizer.apply.proposals import effective_policy, proposals
from optimizer.errors import InputError
from optimizer.store import AdSet, Campaign


def campaign(
    cid: str, daily: int | None = None, status: str = "ACTIVE", life: int | None = None
) -> Campaign:
    return Campaign(
        id=cid, account_id="act_1", name=cid, status=status, effective_status=status,
        daily_budget=daily, lifetime_budget=life,
    )  # fmt: skip


def adset(
    aid: str, cid: str, daily: int | None, status: str = "ACTIVE", bid: int | None = None
) -> AdSet:
    return AdSet(
        id=aid, account_id="act_1", campaign_id=cid, name=aid, status=status, effective_status=status,
        daily_budget=daily, bid_amount=bid,
    )  # fmt: skip


def test_paused_and_lifetime_budget_objects_are_excluded_but_cbo_members_are_not() -> None:
    campaigns = [campaign("c1"), campaign("cbo", daily=50_00), campaign("life", life=900_00)]
    adsets = [
        adset("a1", "c1", 20_00),
        adset("a2", "c1", 30_00, status="PAUSED"),
        adset("a3", "c1", None),  # a lifetime budget of its own
        adset("m1", "cbo", None, status="PAUSED"),  # excluding it would exclude its campaign whole
        adset("m2", "life", None),
    ]
    policy = BudgetPolicy(currency="USD", frozen=["a2"])
    tonight = effective_policy(policy, campaigns, adsets)
    assert tonight.excluded == ["a3", "life"]  # a2 stays frozen (counted in the total, never moved)
    assert tonight.frozen == ["a2"] and tonight.may_receive_budget("a1")
    assert effective_policy(
        BudgetPolicy(currency="USD"), campaigns[:1], adsets[:1]
    ) == BudgetPolicy(currency="USD")


def test_proposals_start_from_the_value_in_force_and_skip_what_the_run_planned() -> None:
    found = InForce.from_rows(
        [campaign("cbo", daily=50_00)],
        [adset("a1", "c1", 20_00, bid=4_00), adset("a2", "c1", 30_00)],
    )
    table = pd.DataFrame(
        [
            {"budget_id": "a1", "level": "adset", "campaign_id": "c1", "current_budget": Decimal("20"),
             "recommended_budget": Decimal("22.5"), "current_bid": Decimal("4"),
             "recommended_bid": Decimal("4.4"), "reason": "up"},
            {"budget_id": "a2", "level": "adset", "campaign_id": "c1", "current_budget": Decimal("30"),
             "recommended_budget": Decimal("30"), "current_bid": None, "recommended_bid": None,
             "reason": "kept"},
            {"budget_id": "cbo", "level": "campaign", "campaign_id": "cbo",
             "current_budget": Decimal("49"), "recommended_budget": Decimal("45"), "current_bid": None,
             "recommended_bid": None, "reason": "down"},
        ]
    )  # fmt: skip
    made = proposals(table, found, "USD")
    assert [(p.object_id, p.field, p.current, p.proposed) for p in made] == [
        ("a1", "daily_budget", Decimal("20"), Decimal("22.5")),
        ("a1", "bid_amount", Decimal("4"), Decimal("4.4")),
        (
            "cbo",
            "daily_budget",
            Decimal("50"),
            Decimal("45"),
        ),  # from what is in force, not the table
    ]
    assert made[0].campaign_id == "c1" and made[2].campaign_id is None
    stated = proposals(table, found, "USD", stated=True, skip={("a1", "bid_amount"): object()})
    assert [(p.object_id, p.field, p.current) for p in stated] == [
        ("a1", "daily_budget", Decimal("20")),
        ("cbo", "daily_budget", Decimal("49")),  # as approved: the guardrails will call it stale
    ]


def test_approved_files_name_what_is_wrong(tmp_path: Path) -> None:
    missing = tmp_path / "a.csv"
    missing.write_text("budget_id,level,current_budget\n1,adset,10\n")
    with pytest.raises(InputError, match="missing column.*recommended_budget"):
        read_approved(missing)
    bad = tmp_path / "b.json"
    bad.write_text('{"account_id": "act_9", "recommendations": [{"budget_id": "1", "level": "ad", '
                   '"current_budget": "10", "recommended_budget": "11"}]}')  # fmt: skip
    with pytest.raises(InputError, match="row 1: level"):
        read_approved(bad)
    good = tmp_path / "c.json"
    good.write_text('{"account_id": "act_9", "recommendations": [{"budget_id": "1", "level": "adset", '
                    '"current_budget": "10", "recommended_budget": "11"}]}')  # fmt: skip
    table, account, digest = read_approved(good)
    assert (
        account == "act_9"
        and len(digest) == 12
        and table.loc[0, "reason"] == "approved recommendation"
    )
    with pytest.raises(InputError, match="cannot read"):
        read_approved(tmp_path / "nope.csv")
