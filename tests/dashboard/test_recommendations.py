"""Edits and approvals turn the recommendation into the approved set the shared applier takes."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from budgets import CheckedChange, ProposedChange
from dashboard.recommendations import (
    approved_table,
    confirmation_frame,
    parse_edit,
    review_frame,
    with_edits,
)
from optimizer.errors import InputError

TABLE = pd.DataFrame(
    [
        {"budget_id": "a1", "level": "adset", "campaign_id": "c1", "current_budget": Decimal("50"),
         "recommended_budget": Decimal("60"), "reason": "raised +20%"},
        {"budget_id": "a2", "level": "adset", "campaign_id": "c1", "current_budget": Decimal("50"),
         "recommended_budget": Decimal("50"), "reason": "kept"},
        {"budget_id": "c2", "level": "campaign", "campaign_id": "c2", "current_budget": Decimal("0"),
         "recommended_budget": Decimal("10"), "reason": "new"},
    ]
)  # fmt: skip


def test_parse_edit_rounds_to_the_currencys_minor_unit() -> None:
    assert parse_edit(12.345, "USD", "a1") == Decimal("12.34")  # half-even, as Meta holds cents
    assert parse_edit("99.999", "USD", "a1") == Decimal("100.00")
    assert parse_edit(1234.6, "JPY", "a1") == Decimal("1235")
    with pytest.raises(InputError, match="budget of a1"):
        parse_edit(-1, "USD", "a1")
    with pytest.raises(InputError, match="budget of a1"):
        parse_edit("lots", "USD", "a1")


def test_edits_and_approval_make_the_approved_set() -> None:
    edited = with_edits(TABLE, {"a2": Decimal("55")})
    assert edited["recommended_budget"].tolist() == [Decimal("60"), Decimal("55"), Decimal("10")]
    assert edited.loc[1, "reason"] == "edited in the dashboard (recommended 50)"
    assert TABLE.loc[1, "recommended_budget"] == Decimal("50")  # the recommendation is untouched
    approved = approved_table(TABLE, {"a2": Decimal("55")}, ["a2", "c2"])
    assert approved["budget_id"].tolist() == ["a2", "c2"]
    assert approved["recommended_budget"].tolist() == [Decimal("55"), Decimal("10")]
    with pytest.raises(InputError, match="edits"):
        with_edits(TABLE, {"zz": Decimal(1)})
    with pytest.raises(InputError, match="approved"):
        approved_table(TABLE, None, ["zz"])


def test_review_joins_verdicts_and_marks_unchanged_rows() -> None:
    change = ProposedChange("a1", "adset", "daily_budget", Decimal("50"), Decimal("70"), "c1")
    clipped = CheckedChange(change, "clipped", Decimal("60"), ("max daily change 20%",))
    review = review_frame(TABLE, [clipped], {"a1": "Broad"}, {"a1": Decimal("70")}).set_index(
        "budget_id"
    )
    assert review.loc["a1", ["name", "verdict", "allowed_budget", "edited"]].tolist() == [
        "Broad", "clipped", Decimal("60"), True,
    ]  # fmt: skip
    assert review.loc["a1", "recommended_budget"] == Decimal("70")
    assert review.loc["a1", "change"] == pytest.approx(0.4)
    assert review.loc["a2", "verdict"] == "unchanged" and review.loc["a2", "allowed_budget"] == 50
    assert review.loc["c2", "change"] is None  # no budget before: no relative change
    confirm = confirmation_frame([clipped], "USD", {"a1": "Broad"})
    assert confirm.iloc[0].to_dict() == {
        "name": "Broad", "budget_id": "a1", "field": "daily_budget", "from": "$50.00",
        "to": "$60.00", "verdict": "clipped", "guardrail": "max daily change 20%",
    }  # fmt: skip
