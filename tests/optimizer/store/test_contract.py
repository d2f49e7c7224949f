"""The store's contract, run over SQLite and PostgreSQL alike (the ``store`` fixture is parametrised)."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from optimizer.errors import CurrencyError, InputError
from optimizer.store import (
    Account,
    Ad,
    AdSet,
    AuditStatus,
    Campaign,
    Creative,
    DailyInsight,
    Store,
    SyncStatus,
)
from tests.optimizer.store.seed import ACCOUNT, START, entity_rows, insight_row, seed, window_rows


def _insights(store: Store, rows: list[dict]) -> int:
    with store.transaction() as session:
        return store.upsert_insights(session, rows)


def _spend_total(store: Store) -> Decimal:
    frame = store.insights_frame(ACCOUNT)
    return sum(frame["spend"], Decimal(0))


# -- entities -----------------------------------------------------------------------------------


def test_entities_round_trip(store: Store) -> None:
    seed(store)
    (account,) = store.accounts()
    assert (account.id, account.currency, account.timezone_name) == (
        ACCOUNT,
        "USD",
        "Europe/Berlin",
    )
    assert account.purchase_action_type == "offsite_conversion.fb_pixel_purchase"
    assert account.updated_at.tzinfo is not None and account.updated_at.utcoffset() == timedelta(0)
    assert [c.id for c in store.campaigns(ACCOUNT)] == ["c1", "c2"]
    adsets = {a.id: a for a in store.adsets(ACCOUNT)}
    assert adsets["s1"].daily_budget == 5000 and adsets["s1"].bid_amount == 1250
    assert json.loads(adsets["s1"].bid_constraints or "") == {"roas_average_floor": 15000}
    assert adsets["s3"].daily_budget is None
    assert [a.adset_id for a in store.ads(ACCOUNT)] == ["s1", "s2", "s3"]
    assert store.creatives(ACCOUNT)[0].call_to_action_type == "SHOP_NOW"
    assert {m.__name__: store.count(m) for m in (Account, Campaign, AdSet, Ad, Creative)} == {
        "Account": 1, "Campaign": 2, "AdSet": 3, "Ad": 3, "Creative": 1,
    }  # fmt: skip


def test_entity_upsert_overwrites_by_id(store: Store) -> None:
    seed(store)
    with store.transaction() as session:
        store.upsert_adsets(
            session,
            [{"id": "s1", "account_id": ACCOUNT, "campaign_id": "c1", "name": "renamed",
              "daily_budget": 7000, "status": "PAUSED"}],
        )  # fmt: skip
    s1 = next(a for a in store.adsets(ACCOUNT) if a.id == "s1")
    assert (s1.name, s1.daily_budget, s1.status) == ("renamed", 7000, "PAUSED")
    assert store.count(AdSet) == 3


def test_child_without_stored_parent_is_refused(store: Store) -> None:
    seed(store)
    orphan = {"id": "s9", "account_id": ACCOUNT, "campaign_id": "c404", "name": "orphan"}
    with pytest.raises(
        InputError, match=r"adsets row 1 \(id s9\): campaign_id: 'c404' is not stored"
    ):
        with store.transaction() as session:
            store.upsert_adsets(session, [orphan])
    assert store.count(AdSet) == 3


# -- insights: idempotent upserts and restatement ------------------------------------------------


def test_reupserting_a_window_keeps_counts_and_restates_values(store: Store) -> None:
    seed(store)
    assert _insights(store, window_rows(days=7)) == 21
    assert store.count(DailyInsight) == 21
    # Re-pull the last 3 days: conversions arrived late (restatement), spend was corrected.
    restated = [
        insight_row("s1", START + timedelta(days=d), "99.99", conversions=40, revenue="400.04")
        for d in range(4, 7)
    ]
    assert _insights(store, restated) == 3
    assert _insights(store, restated) == 3
    assert store.count(DailyInsight) == 21
    frame = store.insights_frame(ACCOUNT)
    s1 = frame[frame["adset_id"] == "s1"].set_index("date")
    assert list(s1["conversions"]) == [1, 2, 3, 4, 40, 40, 40]
    assert list(s1["spend"][-3:]) == [Decimal("99.99")] * 3
    assert s1["revenue"].iloc[-1] == Decimal("400.04")
    # Untouched days and ad sets keep their values.
    assert s1["spend"].iloc[0] == Decimal("1.15")
    assert len(frame[frame["adset_id"] == "s2"]) == 7


def test_ad_and_adset_levels_are_separate_rows(store: Store) -> None:
    seed(store)
    day = START
    ad_row = {**insight_row("s1", day, "4.00"), "level": "ad", "ad_id": "a1"}
    _insights(store, [insight_row("s1", day, "4.00"), ad_row])
    assert store.count(DailyInsight) == 2
    ads = store.insights_frame(ACCOUNT, level="ad")
    assert list(ads["object_id"]) == ["a1"] and list(ads["ad_id"]) == ["a1"]
    assert len(store.history(ACCOUNT)) == 1


def test_unknown_metrics_stay_null_not_zero(store: Store) -> None:
    seed(store)
    row = insight_row("s1", START, "18.35", revenue=None)
    for name in ("impressions", "reach", "clicks", "link_clicks", "conversions"):
        row[name] = None
    _insights(store, [row])
    stored = store.insights_frame(ACCOUNT).iloc[0]
    assert stored["spend"] == Decimal("18.35")
    assert all(pd.isna(stored[name]) for name in ("impressions", "clicks", "conversions"))
    assert stored["revenue"] is None
    history = store.history(ACCOUNT).iloc[0]
    assert np.isnan(history["conversions"]) and np.isnan(history["revenue"])


# -- money --------------------------------------------------------------------------------------


def test_money_is_exact_to_the_micro(store: Store) -> None:
    seed(store)
    amounts = ["0.000001", "0.1", "0.2", "1234567.891011", "9999999999.999999", "0.3"]
    rows = [insight_row("s1", START + timedelta(days=d), a) for d, a in enumerate(amounts)]
    _insights(store, rows)
    frame = store.insights_frame(ACCOUNT)
    assert list(frame["spend"]) == [Decimal(a) for a in amounts]
    assert all(isinstance(v, Decimal) for v in frame["spend"])
    assert _spend_total(store) == Decimal("10001234568.491011")
    # The column holds integer micros, so SQL sums are exact too.
    with store.transaction() as session:
        micros = session.execute(text("SELECT SUM(spend) FROM daily_insights")).scalar_one()
    assert int(micros) == 10001234568491011


def test_random_amounts_round_trip_exactly(store: Store) -> None:
    """500 seeded amounts from 1 micro to 10^10 major units: stored and summed exactly."""
    seed(store)
    rng = random.Random(20260301)
    amounts = [Decimal(rng.randrange(0, 10 ** rng.randint(1, 16))).scaleb(-6) for _ in range(500)]
    rows = [
        insight_row(["s1", "s2"][i % 2], START + timedelta(days=i // 2), "0", revenue=None)
        | {"spend": a, "revenue": amounts[-1 - i]}
        for i, a in enumerate(amounts)
    ]
    _insights(store, rows)
    frame = store.insights_frame(ACCOUNT).sort_values(["date", "object_id"])
    assert list(frame["spend"]) == amounts
    assert list(frame["revenue"]) == amounts[::-1]
    with store.transaction() as session:
        micros = session.execute(text("SELECT SUM(spend) FROM daily_insights")).scalar_one()
    assert Decimal(int(micros)).scaleb(-6) == sum(amounts, Decimal(0))


@pytest.mark.parametrize(
    ("spend", "message"),
    [
        ("0.0000001", r"spend: amount 1E-7 has more than 6 decimal places"),
        (1.5, r"spend: money must not be a float"),
        ("-0.01", r"spend: is negative \(-0.01\)"),
        (
            "9223372036854.775808",
            r"spend: 9223372036854.775808 exceeds the largest storable amount",
        ),
        ("12,50", r"spend: '12,50' is not a number"),
    ],
)
def test_bad_money_is_refused_naming_row_and_field(
    store: Store, spend: object, message: str
) -> None:
    seed(store)
    rows = window_rows(days=1)
    rows[1]["spend"] = spend
    with pytest.raises(
        InputError, match=r"daily_insights row 2 \(id s2, date 2026-03-01\): " + message
    ):
        _insights(store, rows)
    assert store.count(DailyInsight) == 0


# -- bad input and transactions -----------------------------------------------------------------


def test_bad_row_raises_before_anything_is_written_and_keeps_earlier_data(store: Store) -> None:
    seed(store)
    _insights(store, window_rows(days=3))
    before = store.insights_frame(ACCOUNT)
    bad = window_rows(days=3, scale=100)
    del bad[4]["date"]
    with pytest.raises(InputError, match=r"daily_insights row 5 \(id s2\): date: is missing"):
        with store.transaction() as session:
            store.upsert_adsets(session, [{**entity_rows()["adsets"][0], "name": "changed"}])
            store.upsert_insights(session, bad)
    pd.testing.assert_frame_equal(store.insights_frame(ACCOUNT), before)
    assert next(a for a in store.adsets(ACCOUNT) if a.id == "s1").name == "s1"


def test_unknown_currency_raises_currency_error(store: Store) -> None:
    seed(store)
    rows = window_rows(days=1)
    rows[2]["currency"] = "XYZ"
    with pytest.raises(
        CurrencyError,
        match=r"daily_insights row 3 \(id s3, date 2026-03-01\): currency: unknown currency 'XYZ'",
    ):
        _insights(store, rows)
    with pytest.raises(CurrencyError, match=r"accounts row 1 \(id act_9\): currency"):
        with store.transaction() as session:
            store.upsert_accounts(session, [{"id": "act_9", "name": "x", "currency": "ZZZ"}])
    assert store.count(DailyInsight) == 0 and store.count(Account) == 1


def test_account_currency_cannot_change(store: Store) -> None:
    seed(store)
    with pytest.raises(
        CurrencyError,
        match=r"accounts row 1 \(id act_100\): currency: account is stored in USD, cannot change it to EUR",
    ):
        with store.transaction() as session:
            store.upsert_accounts(session, [{**entity_rows()["accounts"][0], "currency": "eur"}])
    assert store.accounts()[0].currency == "USD"


def test_currency_must_match_the_account(store: Store) -> None:
    seed(store)
    rows = window_rows(days=1)
    rows[0]["currency"] = "EUR"
    with pytest.raises(
        CurrencyError, match=r"row 1 .*currency: EUR is not the account's currency USD"
    ):
        _insights(store, rows)


def test_insight_ids_must_fit_the_level(store: Store) -> None:
    seed(store)
    wrong = {**insight_row("s1", START, "1"), "object_id": "s2"}
    with pytest.raises(InputError, match=r"object_id: 's2' is not the adset id 's1'"):
        _insights(store, [wrong])
    with pytest.raises(InputError, match=r"ad_id: must be empty on a 'adset' row"):
        _insights(store, [{**insight_row("s1", START, "1"), "ad_id": "a1"}])
    with pytest.raises(InputError, match=r"ad_id: is missing for a 'ad' row"):
        _insights(store, [{**insight_row("s1", START, "1"), "level": "ad"}])
    with pytest.raises(InputError, match=r"duplicate key"):
        _insights(store, [insight_row("s1", START, "1"), insight_row("s1", START, "2")])
    with pytest.raises(InputError, match=r"unknown field\(s\) \['spent'\]"):
        _insights(store, [{**insight_row("s1", START, "1"), "spent": "1"}])


def test_transaction_rolls_back_everything_on_error(store: Store) -> None:
    seed(store)
    _insights(store, window_rows(days=2))
    with pytest.raises(RuntimeError, match="network gone"):
        with store.transaction() as session:
            store.upsert_insights(session, window_rows(days=10, scale=7))
            store.upsert_accounts(session, [{"id": "act_2", "name": "B", "currency": "EUR"}])
            raise RuntimeError("network gone")
    assert store.count(DailyInsight) == 6
    assert [a.id for a in store.accounts()] == [ACCOUNT]
    assert _spend_total(store) == sum(Decimal(r["spend"]) for r in window_rows(days=2))


# -- history ------------------------------------------------------------------------------------


def test_history_frame_shape_and_values(store: Store) -> None:
    seed(store)
    _insights(store, window_rows(days=4))
    frame = store.history(ACCOUNT)
    assert list(frame.columns[:9]) == [
        "date", "adset_id", "campaign_id", "spend", "impressions", "clicks", "conversions",
        "revenue", "daily_budget",
    ]  # fmt: skip
    assert frame.shape == (12, 12)
    assert pd.api.types.is_datetime64_any_dtype(frame["date"])
    assert frame["date"].is_monotonic_increasing
    first = frame.iloc[:3]
    assert list(first["adset_id"]) == ["s1", "s2", "s3"]
    assert list(first["spend"]) == [1.15, 1.25, 1.35]
    assert list(first["daily_budget"][:2]) == [50.0, 25.5]
    assert np.isnan(first["daily_budget"].iloc[2])  # CBO ad set: the budget is the campaign's
    assert first["campaign_budget"].iloc[2] == 300.0
    assert first["bid_amount"].iloc[0] == 12.5
    assert list(frame[frame["adset_id"] == "s2"]["conversions"]) == [2.0, 3.0, 4.0, 5.0]
    window = store.history(
        ACCOUNT, since=START + timedelta(days=1), until=START + timedelta(days=2)
    )
    assert len(window) == 6
    assert set(window["date"].dt.date) == {START + timedelta(days=1), START + timedelta(days=2)}
    assert store.history("act_other").empty


def test_history_budget_uses_the_currency_offset(store: Store) -> None:
    seed(store, currency="JPY")
    _insights(store, [insight_row("s1", START, "5000", currency="JPY", revenue="12000")])
    row = store.history(ACCOUNT).iloc[0]
    assert (row["daily_budget"], row["spend"], row["revenue"]) == (5000.0, 5000.0, 12000.0)


def test_history_shows_the_budget_in_force_each_day_as_syncs_observed_it(store: Store) -> None:
    seed(store)
    _insights(store, window_rows(days=5))  # START .. START+4
    tree = entity_rows()

    def observe(day: int, s1: int, s2: int, cbo: int) -> None:
        adsets = [{**a, "daily_budget": {"s1": s1, "s2": s2}.get(a["id"])} for a in tree["adsets"]]
        campaigns = [
            {**c, "daily_budget": cbo if c["id"] == "c2" else None} for c in tree["campaigns"]
        ]
        with store.transaction() as session:
            store.upsert_adsets(session, adsets)
            store.upsert_campaigns(session, campaigns)
            store.observe_budgets(session, ACCOUNT, START + timedelta(days=day), campaigns, adsets)

    observe(2, 1000, 2000, 10000)  # a sync on day 2 sees what ran on day 1
    observe(2, 9999, 9999, 99999)  # a second sync that day (after tonight's changes) is not "day 1"
    observe(4, 1100, 2200, 11000)  # on day 4: what ran on day 3
    observe(5, 1200, 2400, 12000)  # the latest: current budgets (as the entities now say)
    frame = store.history(ACCOUNT)
    s1 = frame[frame["adset_id"] == "s1"]["daily_budget"]
    # days 0-1: the first observation; 2-3: day 4's; day 4: the latest = the current budget
    assert list(s1) == [10.0, 10.0, 11.0, 11.0, 12.0]
    s2 = frame[frame["adset_id"] == "s2"]["daily_budget"]
    assert list(s2) == [20.0, 20.0, 22.0, 22.0, 24.0]
    cbo = frame[frame["adset_id"] == "s3"]["campaign_budget"]
    assert list(cbo) == [100.0, 100.0, 110.0, 110.0, 120.0]
    assert frame[frame["adset_id"] == "s3"]["daily_budget"].isna().all()


def test_history_without_observations_keeps_the_current_budget(store: Store) -> None:
    seed(store)
    _insights(store, window_rows(days=3))
    frame = store.history(ACCOUNT)
    assert set(frame[frame["adset_id"] == "s1"]["daily_budget"]) == {50.0}


# -- sync runs ----------------------------------------------------------------------------------


def test_sync_runs_record_start_finish_and_last_window(store: Store) -> None:
    assert store.last_synced_until(ACCOUNT) is None
    first = store.start_sync_run(ACCOUNT, date(2026, 1, 1), date(2026, 1, 31))
    store.finish_sync_run(first, ok=True, api_calls=12, rows=340)
    failed = store.start_sync_run(ACCOUNT, date(2026, 2, 1), date(2026, 2, 28))
    run = store.finish_sync_run(failed, ok=False, api_calls=3, error="throttled")
    assert run.status == SyncStatus.FAILED and run.error == "throttled"
    assert store.last_synced_until(ACCOUNT) == date(2026, 1, 31)
    newest, oldest = store.sync_runs(ACCOUNT)
    assert (oldest.status, oldest.api_calls, oldest.rows_written) == ("succeeded", 12, 340)
    assert oldest.finished_at is not None and oldest.finished_at >= oldest.started_at
    with pytest.raises(InputError, match="already finished"):
        store.finish_sync_run(first, ok=True)


# -- audit log ----------------------------------------------------------------------------------


def _plan(store: Store, session, run_id: str = "nightly-2026-03-08", after: int = 6000):  # type: ignore[no-untyped-def]
    return store.record_audit(
        session, run_id=run_id, account_id=ACCOUNT, object_type="adset", object_id="s1",
        field="daily_budget", before=5000, after=after, actor="nightly", reason="higher marginal ROAS",
    )  # fmt: skip


def test_audit_entry_is_unique_per_run_object_field(store: Store) -> None:
    with store.transaction() as session:
        entry = _plan(store, session)
        store.update_audit_status(
            session, entry.id, AuditStatus.APPLIED, api_response='{"success":true}'
        )
    # The re-run of the same night finds the applied entry instead of planning the change again.
    with store.transaction() as session:
        again = _plan(store, session, after=6500)
    assert (again.id, again.status, again.after) == (entry.id, "applied", "6000")
    with store.transaction() as session:
        _plan(store, session, run_id="nightly-2026-03-09")
    entries = store.audit_entries()
    assert [(e.run_id, e.status) for e in entries] == [
        ("nightly-2026-03-08", "applied"), ("nightly-2026-03-09", "planned"),
    ]  # fmt: skip
    applied = store.audit_entries(run_id="nightly-2026-03-08")[0]
    assert applied.before == "5000" and applied.api_response == '{"success":true}'
    assert applied.applied_at is not None and applied.applied_at.tzinfo is not None
    assert applied.applied_at >= applied.created_at - timedelta(seconds=1)


def test_audit_unique_constraint_holds_in_the_database(store: Store) -> None:
    from sqlalchemy.exc import IntegrityError

    from optimizer.store import AuditEntry

    with store.transaction() as session:
        _plan(store, session)
    with pytest.raises(IntegrityError):
        with store.transaction() as session:
            session.add(
                AuditEntry(run_id="nightly-2026-03-08", account_id=ACCOUNT, object_type="adset",
                           object_id="s1", field="daily_budget", actor="cli")
            )  # fmt: skip
    assert len(store.audit_entries()) == 1


def test_audit_status_moves_are_checked(store: Store) -> None:
    with store.transaction() as session:
        entry = _plan(store, session)
        store.update_audit_status(session, entry.id, "failed", api_response="code 2")
        store.update_audit_status(session, entry.id, "applied")
        store.update_audit_status(session, entry.id, "rolled_back")
    with pytest.raises(InputError, match=r"cannot move from 'rolled_back' to 'applied'"):
        with store.transaction() as session:
            store.update_audit_status(session, entry.id, "applied")
    with pytest.raises(ValueError, match="'done' is not a valid AuditStatus"):
        with store.transaction() as session:
            store.update_audit_status(session, entry.id, "done")
    (stored,) = store.audit_entries()
    assert stored.status == "rolled_back" and stored.api_response == "code 2"


def test_timestamps_come_back_as_aware_utc(store: Store) -> None:
    seed(store)
    moment = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    naive_berlin = {**entity_rows()["campaigns"][0], "updated_at": "2026-03-02T00:30:00+01:00"}
    with store.transaction() as session:
        store.upsert_campaigns(session, [naive_berlin])
    assert store.campaigns(ACCOUNT)[0].updated_at == moment


def test_failed_run_is_recorded_while_its_data_rolls_back(store: Store) -> None:
    seed(store)
    run_id = store.start_sync_run(ACCOUNT, START, START + timedelta(days=9))
    with pytest.raises(InputError):
        with store.transaction() as session:
            store.upsert_insights(session, window_rows(days=10))
            store.upsert_insights(session, [{**insight_row("s1", START, "1"), "spend": "-1"}])
    store.finish_sync_run(run_id, ok=False, api_calls=4, error="bad row")
    assert store.count(DailyInsight) == 0
    (run,) = store.sync_runs(ACCOUNT)
    assert (run.id, run.status, run.error) == (run_id, "failed", "bad row")
    assert store.last_synced_until(ACCOUNT) is None


@dataclass(frozen=True)
class _CampaignRecord:
    id: str
    account_id: str
    name: str
    status: str | None = None


@dataclass(frozen=True)
class _AccountRecord:
    id: str
    name: str
    currency: str
    owner: str


def test_rows_may_be_dataclasses_or_models(store: Store) -> None:
    with store.transaction() as session:
        store.upsert_accounts(session, [Account(id="act_1", name="model", currency="EUR")])
        store.upsert_campaigns(session, [_CampaignRecord("c9", "act_1", "record", "PAUSED")])
    assert [(a.id, a.name, a.currency) for a in store.accounts()] == [("act_1", "model", "EUR")]
    assert [(c.id, c.status) for c in store.campaigns("act_1")] == [("c9", "PAUSED")]
    with pytest.raises(
        InputError, match=r"accounts row 1 \(id act_3\): unknown field\(s\) \['owner'\]"
    ):
        with store.transaction() as session:
            store.upsert_accounts(session, [_AccountRecord("act_3", "x", "USD", "alice")])
