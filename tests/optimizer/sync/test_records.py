from datetime import date
from decimal import Decimal

import pytest

from optimizer.errors import CurrencyError, InputError
from optimizer.sync.records import (
    account_record,
    adset_record,
    choose_purchase_action,
    creative_cta,
    insight_record,
)

ROW = {
    "account_id": "123",
    "campaign_id": "2385",
    "adset_id": "2386",
    "date_start": "2024-01-01",
    "date_stop": "2024-01-01",
    "spend": "152.37",
    "impressions": "20431",
    "clicks": "402",
    "reach": "15872",
    "inline_link_clicks": "311",
    "account_currency": "USD",
    "actions": [
        {"action_type": "link_click", "value": "311"},
        {"action_type": "offsite_conversion.fb_pixel_purchase", "value": "9"},
        {"action_type": "omni_purchase", "value": "9"},
        {"action_type": "purchase", "value": "9"},
    ],
    "action_values": [
        {"action_type": "offsite_conversion.fb_pixel_purchase", "value": "612.40"},
        {"action_type": "omni_purchase", "value": "612.40"},
        {"action_type": "purchase", "value": "612.40"},
    ],
}


def test_insight_row_reads_one_alias_never_the_sum() -> None:
    action = choose_purchase_action([ROW])
    assert action == "omni_purchase"
    rec = insight_record(ROW, level="adset", currency="USD", purchase_action=action)
    assert rec.conversions == 9  # not 27
    assert rec.revenue == Decimal("612.40")
    assert rec.spend == Decimal("152.37")
    assert rec.account_id == "act_123"
    assert rec.object_id == "2386"
    assert rec.date == date(2024, 1, 1)
    assert (rec.impressions, rec.clicks, rec.link_clicks, rec.reach) == (20431, 402, 311, 15872)


def test_configured_action_wins_and_missing_actions_mean_zero() -> None:
    assert choose_purchase_action([ROW], "purchase") == "purchase"
    only_pixel = {
        **ROW,
        "actions": [{"action_type": "offsite_conversion.fb_pixel_purchase", "value": "2"}],
    }
    assert choose_purchase_action([only_pixel]) == "offsite_conversion.fb_pixel_purchase"
    bare = {k: v for k, v in ROW.items() if k not in ("actions", "action_values")}
    rec = insight_record(bare, level="adset", currency="USD", purchase_action="omni_purchase")
    assert rec.conversions == 0 and rec.revenue == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"spend": "abc"}, "spend"),
        ({"spend": "-1"}, "spend is negative"),
        ({"date_stop": "2024-01-02"}, "not a daily row"),
        ({"date_start": None}, "date_start"),
        ({"impressions": "1.5"}, "impressions"),
        ({"actions": "oops"}, "actions"),
        ({"account_currency": "EUR"}, "currency EUR"),
        ({"adset_id": None}, "adset_id"),
    ],
)
def test_bad_rows_name_the_field(change: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        insight_record(
            {**ROW, **change}, level="adset", currency="USD", purchase_action="omni_purchase"
        )


def test_wrong_currency_is_a_currency_error() -> None:
    with pytest.raises(CurrencyError):
        insight_record(
            {**ROW, "account_currency": "JPY"},
            level="adset",
            currency="USD",
            purchase_action="purchase",
        )
    with pytest.raises(CurrencyError, match="XYZ"):
        account_record({"id": "act_1", "currency": "XYZ"})


def test_budgets_are_minor_units_and_zero_means_none() -> None:
    rec = adset_record(
        {
            "id": "9",
            "campaign_id": "8",
            "status": "ACTIVE",
            "daily_budget": "5000",
            "lifetime_budget": "0",
        },
        "act_1",
    )
    assert rec.daily_budget == 5000 and rec.lifetime_budget is None
    with pytest.raises(InputError, match="daily_budget"):
        adset_record(
            {"id": "9", "campaign_id": "8", "status": "ACTIVE", "daily_budget": "50.5"}, "act_1"
        )


def test_cta_is_found_wherever_the_creative_keeps_it() -> None:
    assert creative_cta({"call_to_action_type": "SHOP_NOW"}) == "SHOP_NOW"
    spec = {"object_story_spec": {"link_data": {"call_to_action": {"type": "LEARN_MORE"}}}}
    assert creative_cta(spec) == "LEARN_MORE"
    assert creative_cta({"asset_feed_spec": {"call_to_action_types": ["SIGN_UP"]}}) == "SIGN_UP"
    assert creative_cta({}) is None
