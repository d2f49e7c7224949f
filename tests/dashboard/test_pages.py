"""Every page under AppTest: the numbers shown are the library's numbers for the same data."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd

from budgets import BudgetPolicy, check_changes
from dashboard.format import money
from optimizer.apply import InForce
from optimizer.apply.proposals import proposals
from optimizer.models import fit
from optimizer.nightly import recommend
from optimizer.store import Store
from tests.dashboard.apptest import frame_with, no_exception, open_app


def library_totals(url: str, since, until) -> dict[str, Decimal | int]:
    """The store's own rows summed directly (an oracle independent of dashboard.data)."""
    with Store(url) as store:
        account = store.accounts()[0]
        frame = store.insights_frame(account.id, level="adset", since=since, until=until)
    spend = sum(frame["spend"], Decimal(0))
    revenue = sum((v for v in frame["revenue"] if v is not None), Decimal(0))
    conversions = int(frame["conversions"].sum())
    return {"spend": spend, "revenue": revenue, "conversions": conversions}


def test_empty_database_renders_the_first_run_page(monkeypatch, tmp_path: Path) -> None:
    app = open_app(monkeypatch, f"sqlite:///{tmp_path / 'empty.db'}")
    no_exception(app)
    assert [t.value for t in app.title] == ["Welcome to adpilot"]
    text = " ".join(m.value for m in app.markdown)
    assert "adpilot sync --sandbox" in text and "make run" in text


def test_overview_shows_the_stores_totals_for_the_period_and_its_comparison(
    monkeypatch, synced_url: str
) -> None:
    app = open_app(monkeypatch, synced_url)
    no_exception(app)
    assert app.title[0].value == "Overview"
    with Store(synced_url) as store:
        last = store.insights_frame(store.accounts()[0].id)["date"].max().date()
    since = last - timedelta(days=27)
    now = library_totals(synced_url, since, last)
    before = library_totals(synced_url, since - timedelta(days=28), since - timedelta(days=1))
    shown = {m.label: m for m in app.metric}
    assert shown["Spend"].value == money(now["spend"], "USD")
    assert shown["Revenue"].value == money(now["revenue"], "USD")
    assert shown["Conversions"].value == f"{now['conversions']:,}"
    assert shown["ROAS"].value == f"{now['revenue'] / now['spend']:,.2f}"
    assert shown["CPA"].value == money(now["spend"] / now["conversions"], "USD")
    change = (now["spend"] - before["spend"]) / before["spend"]
    assert shown["Spend"].delta == f"{float(change):+.1%}"

    # a narrower range recomputes: one day's spend
    app.date_input(key="range").set_value((last, last)).run()
    no_exception(app)
    one = library_totals(synced_url, last, last)
    assert {m.label: m.value for m in app.metric}["Spend"] == money(one["spend"], "USD")
    assert json_marks(app) == ["line"]

    # by campaign: the table lists every campaign with its exact spend
    app.selectbox(key="by").set_value("campaign").run()
    table = frame_with(app, "campaign_id", "spend")
    with Store(synced_url) as store:
        frame = store.insights_frame(store.accounts()[0].id, since=last, until=last)
        names = {c.id: c.name for c in store.campaigns(store.accounts()[0].id)}
    expected = {
        names[c]: money(sum(g["spend"], Decimal(0)), "USD") for c, g in frame.groupby("campaign_id")
    }
    assert dict(zip(table["name"], table["spend"], strict=True)) == expected


def json_marks(app) -> list[str]:
    import json

    marks = []
    for chart in app.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        for part in spec.get("layer", [spec]):
            mark = part.get("mark")
            marks.append(mark["type"] if isinstance(mark, dict) else mark)
    return marks


def nightly_recommendation(url: str, policy_file: Path):
    """What `adpilot recommend` would print for the day after the last sync (the library's numbers)."""
    with Store(url) as store:
        account = store.accounts()[0]
        day = store.last_synced_until(account.id) + timedelta(days=1)
        return recommend(store, account.id, as_of=day, policy=BudgetPolicy.from_file(policy_file))


def test_budget_page_shows_the_nightly_recommendation_and_its_guardrail_verdicts(
    monkeypatch, synced_url: str, policy_file: Path
) -> None:
    app = open_app(monkeypatch, synced_url, policy=policy_file)
    app.switch_page("views/budgets.py").run()
    no_exception(app)
    assert app.title[0].value == "Budget recommendations"
    expected = nightly_recommendation(synced_url, policy_file).table
    table = frame_with(app, "budget_id", "verdict")
    assert sorted(table["budget_id"]) == sorted(expected["budget_id"])
    by_id = table.set_index("budget_id")
    for row in expected.itertuples():
        assert by_id.loc[row.budget_id, "current_budget"] == money(row.current_budget, "USD")
        assert by_id.loc[row.budget_id, "recommended_budget"] == money(
            row.recommended_budget, "USD"
        )
        assert by_id.loc[row.budget_id, "reason"] == row.reason
        low, high = (
            round(Decimal(repr(v)), 2)
            for v in (row.expected_revenue_low, row.expected_revenue_high)
        )
        assert (
            f"({money(low, 'USD')}–{money(high, 'USD')})"
            in by_id.loc[row.budget_id, "expected_revenue"]
        )
    # the guardrail check ran on every changed row; a change the allocator made within the policy passes
    changed = expected[expected["recommended_budget"] != expected["current_budget"]]
    assert len(changed) > 0
    assert set(by_id.loc[changed["budget_id"], "verdict"]) == {"ok"}
    assert set(by_id.loc[~by_id.index.isin(changed["budget_id"]), "verdict"]) <= {"unchanged"}


def test_budget_edit_goes_through_the_guardrails(
    monkeypatch, synced_url: str, policy_file: Path
) -> None:
    app = open_app(monkeypatch, synced_url, policy=policy_file)
    app.switch_page("views/budgets.py").run()
    table = frame_with(app, "budget_id", "verdict")
    row = table[table["level"] == "adset"].iloc[0]
    current = Decimal(row["current_budget"].replace("$", "").replace(",", ""))
    app.selectbox(key="edit_id").set_value(row["budget_id"]).run()
    app.number_input(key="edit_value").set_value(float(current * 3)).run()
    app.button(key="save_edit").click().run()
    no_exception(app)
    edited = frame_with(app, "budget_id", "verdict").set_index("budget_id").loc[row["budget_id"]]
    assert edited["recommended_budget"] == money(current * 3, "USD") + " (edited)"
    # tripling breaks the 20% daily step (and the kept total): the one guardrail check clips it
    rec = nightly_recommendation(synced_url, policy_file)
    with Store(synced_url) as store:
        account = store.accounts()[0]
        found = InForce.from_store(store.campaigns(account.id), store.adsets(account.id))
    table = rec.table.copy()
    table.loc[table["budget_id"] == row["budget_id"], "recommended_budget"] = current * 3
    checked = check_changes(
        proposals(table, found, "USD"),
        rec.policy,
        current_budgets=found.daily_budgets("USD"),
        adset_campaigns=found.campaign_of,
    )
    verdict = next(c for c in checked if c.change.object_id == row["budget_id"])
    assert verdict.verdict == "clipped" and verdict.approved <= current * Decimal("1.2")
    assert edited["verdict"] == "clipped"
    assert edited["allowed_budget"] == money(verdict.approved, "USD")


def test_response_curves_page_marks_the_posteriors_numbers(
    monkeypatch, synced_url: str, policy_file: Path
) -> None:
    app = open_app(monkeypatch, synced_url, policy=policy_file)
    app.switch_page("views/curves.py").run()
    no_exception(app)
    adset_id = app.selectbox(key="adset").value
    with Store(synced_url) as store:
        account = store.accounts()[0]
        history = store.history(account.id)
        adset = next(a for a in store.adsets(account.id) if a.id == adset_id)
    posterior = fit(history)[adset_id]
    recs = nightly_recommendation(synced_url, policy_file).table
    metrics = {m.label: m.value for m in app.metric}
    if adset.daily_budget is not None:
        current = float(adset.daily_budget) / 100
        assert metrics["Expected daily revenue at current spend"] == (
            f"{float(posterior.expected_revenue(current)):,.2f}"
        )
        recommended = float(recs.set_index("budget_id").loc[adset_id, "recommended_budget"])
        assert metrics["Expected daily revenue at recommended spend"] == (
            f"{float(posterior.expected_revenue(recommended)):,.2f}"
        )
    # band, curve, observed days, marked spends
    assert json_marks(app) == ["area", "line", "circle", "rule"]
    app.radio(key="outcome").set_value("conversions").run()
    no_exception(app)
    assert "Expected daily conversions at current spend" in {m.label for m in app.metric} or (
        adset.daily_budget is None
    )


def test_history_page_without_changes_says_so(monkeypatch, synced_url: str) -> None:
    app = open_app(monkeypatch, synced_url)
    app.switch_page("views/history.py").run()
    no_exception(app)
    assert "No change has been planned or applied yet" in app.info[0].value


def test_password_gate(monkeypatch, synced_url: str) -> None:
    app = open_app(monkeypatch, synced_url, password="s3cret")
    no_exception(app)
    assert not app.metric and app.text_input(key="password")
    app.text_input(key="password").set_value("wrong").run()
    app.button[0].click().run()
    assert app.error[0].value == "Wrong password."
    app.text_input(key="password").set_value("s3cret").run()
    app.button[0].click().run()
    no_exception(app)
    assert app.title[0].value == "Overview"


def test_experiments_page_shows_the_runners_evaluation(monkeypatch, synced_url: str) -> None:
    from experiments.runner import load_evaluation
    from optimizer.store.experiments import Experiment

    app = open_app(monkeypatch, synced_url)
    app.switch_page("views/experiments.py").run()
    no_exception(app)
    with Store(synced_url) as store:
        with store.transaction() as session:
            (experiment,) = session.query(Experiment).all()
        expected = load_evaluation(store, int(experiment.id or 0))
    listing = frame_with(app, "metric", "decision")
    assert listing["id"].tolist() == [experiment.id] and listing["metric"].tolist() == ["ctr"]
    arms = frame_with(app, "chance_to_beat_control", "prob_best").set_index("arm")
    assert expected.table is not None
    for row in expected.table.itertuples():
        shown = arms.loc[row.arm]
        assert shown["mean"] == row.mean and shown["prob_best"] == row.prob_best
        assert shown["expected_loss"] == row.expected_loss
        if not row.is_control:
            assert shown["chance_to_beat_control"] == row.chance_to_beat_control
            assert (shown["lift_low"], shown["lift_high"]) == (row.lift_low, row.lift_high)
        assert shown["impressions"] == expected.totals[row.arm].impressions
    decision = expected.decision.status.value.replace("_", " ")
    assert any(f"Decision: **{decision}**" in m.value for m in [*app.success, *app.info])
    assert expected.split is not None
    assert any(expected.split.message in e.value for e in [*app.success, *app.error])
    assert json_marks(app) == ["area"]  # one posterior per arm
    assert app.get("download_button")


def test_experiments_page_on_an_account_without_experiments(monkeypatch, synced_url: str) -> None:
    from sqlalchemy import text

    with Store(synced_url) as store, store.engine.begin() as conn:
        for table in (
            "experiment_allocations",
            "experiment_arm_days",
            "experiment_arms",
            "experiments",
        ):
            conn.execute(text(f"DELETE FROM {table}"))
    app = open_app(monkeypatch, synced_url)
    app.switch_page("views/experiments.py").run()
    no_exception(app)
    assert "No experiments yet" in app.info[0].value


def test_account_picker_switches_every_number(monkeypatch, sandbox_factory, tmp_path: Path) -> None:
    from optimizer.sandbox.market import MarketConfig
    from tests.dashboard.conftest import SMALL

    sandbox = sandbox_factory(MarketConfig(**{**SMALL, "accounts": 2}))
    url = f"sqlite:///{tmp_path / 'two.db'}"
    for account in sandbox.market.accounts:
        with Store(url) as store:
            from optimizer.sync.run import sync_account
            from tests.optimizer.sync.test_sync_sandbox import client_for

            sync_account(client_for(sandbox), store, account, today=sandbox.market.today)
    app = open_app(monkeypatch, url)
    no_exception(app)
    picker = app.sidebar.selectbox(key="account_id")
    with Store(url) as store:
        labels = sorted(f"{a.name} ({a.id})" for a in store.accounts())
    assert sorted(picker.options) == labels and len(labels) == 2
    spends = []
    for account in sorted(sandbox.market.accounts):
        app.sidebar.selectbox(key="account_id").set_value(account).run()
        no_exception(app)
        with Store(url) as store:
            frame = store.insights_frame(account)
        last = frame["date"].max()
        window = frame[frame["date"] > last - pd.Timedelta(days=28)]
        expected = money(sum(window["spend"], Decimal(0)), store.account(account).currency)
        spends.append({m.label: m.value for m in app.metric}["Spend"])
        assert spends[-1] == expected
    assert spends[0] != spends[1]


def test_unreachable_database_says_so(monkeypatch) -> None:
    app = open_app(monkeypatch, "postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    no_exception(app)
    assert "Cannot open the database" in app.error[0].value
    assert "secret" not in app.error[0].value
