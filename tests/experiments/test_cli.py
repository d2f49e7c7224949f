"""End to end through ``adpilot experiment``: a 4-arm test in the sandbox, adaptive budgets day by day,
the correct winner per the market's truth, and summaries in three formats quoting the statistics."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
from typer.testing import CliRunner

from experiments.stats.analyze import analyze
from experiments.summary.content import pct, signed_pct
from optimizer.cli import app
from optimizer.sandbox.market import MarketConfig
from optimizer.store import Store
from optimizer.store.experiments import Experiment, ExperimentArm, ExperimentArmDay
from tests.conftest import RunningSandbox

MARKET = MarketConfig(
    seed=25, campaigns=1, adsets=2, ads_per_adset=1, history_days=3, cbo_campaigns=0
)


def _run(*args: str) -> Any:
    result = CliRunner().invoke(app, ["experiment", *args])
    assert result.exit_code == 0, result.output
    return result


def _stored_arms(db: Path, experiment_id: int) -> tuple[list[ExperimentArm], pd.DataFrame]:
    """The arms and an independent ``analyze`` input built straight from the stored arm-days."""
    with Store(f"sqlite:///{db}") as store, store.transaction() as session:
        arms = session.query(ExperimentArm).filter_by(experiment_id=experiment_id).all()
        days = session.query(ExperimentArmDay).filter_by(experiment_id=experiment_id).all()
    names = {a.id: a.name for a in arms}
    frame = (
        pd.DataFrame(
            [
                {"arm": names[d.arm_id], "units": d.impressions, "conversions": d.clicks}
                for d in days
            ],
            columns=["arm", "units", "conversions"],
        )
        .groupby("arm", sort=False)
        .sum()
        .reindex([a.name for a in arms])
        .reset_index()
    )
    return arms, frame


def test_four_arm_experiment_end_to_end(
    sandbox_factory: type[RunningSandbox], tmp_path: Path
) -> None:
    sandbox = sandbox_factory(MARKET)
    db = tmp_path / "app.db"
    common = ["--sandbox", sandbox.url, "--db", str(db)]
    created = _run(
        "create",
        "--name", "Summer photo: which button?",
        "--arms", "SHOP_NOW:summer,LEARN_MORE:summer,BUY_NOW:summer,ORDER_NOW:summer",
        "--control", "SHOP_NOW",
        "--metric", "ctr",
        "--guardrail", "cost_per_purchase",
        "--daily-budget", "400",
        "--min-days", "5",
        "--max-days", "21",
        "--min-impressions", "5000",
        "--seed", "1",
        "--json",
        *common,
    )  # fmt: skip
    experiment_id = json.loads(created.stdout)["id"]
    start = sandbox.market.today
    arms, _ = _stored_arms(db, experiment_id)
    truth = sandbox.market.truth
    true_ctr = {a.name: truth.ad_rates(str(a.ad_id), start)["ctr"] for a in arms}
    best = max(true_ctr, key=lambda n: true_ctr[n])
    assert best != "SHOP_NOW:summer"  # the scenario has a real winner to find

    for _ in range(21):
        requests.post(f"{sandbox.url}/_sandbox/advance", data={"days": 1}, timeout=30)
        stepped = json.loads(_run("step", str(experiment_id), "--json", *common).stdout)
        if stepped[str(experiment_id)]["concluded"]:
            break
    outcome = stepped[str(experiment_id)]
    assert outcome["concluded"] and outcome["status"] == "winner"
    assert outcome["winner"] == best  # the correct winner per the market's truth

    # the decision's numbers are analyze() on the stored arm-days, recomputed independently
    arms, frame = _stored_arms(db, experiment_id)
    expected = analyze(frame, "SHOP_NOW:summer", "proportion", seed=1)
    shown = pd.DataFrame(outcome["arms"])
    for column in ("units", "mean", "lift_low", "lift_high", "chance_to_beat_control", "prob_best"):
        assert shown[column].tolist() == pytest.approx(expected[column].tolist(), nan_ok=True)

    status = json.loads(_run("status", str(experiment_id), "--no-pull", "--json", *common).stdout)
    assert status["winner"] == best

    md = _run("summary", str(experiment_id), "--format", "md", "--db", str(db)).stdout
    page = _run("summary", str(experiment_id), "--format", "html", "--db", str(db)).stdout
    pdf_path = tmp_path / "report.pdf"
    _run("summary", str(experiment_id), "--format", "pdf", "-o", str(pdf_path), "--db", str(db))
    assert pdf_path.read_bytes().startswith(b"%PDF-")

    win = {str(k): v for k, v in expected.set_index("arm").loc[best].to_dict().items()}
    label = " ".join(w.capitalize() for w in best.split(":")[0].split("_"))
    verdict = (
        f"{label} beat Shop Now: {pct(float(win['chance_to_beat_control']))} chance it is better; "
        f"expected {signed_pct(float(win['lift_mean']))} clicks per impression, likely between "
        f"{signed_pct(float(win['lift_low']))} and {signed_pct(float(win['lift_high']))}."
    )
    assert verdict in md
    assert html.escape(verdict, quote=False) in page
    for _, row in expected.iterrows():
        assert f"{int(row['units']):,}" in md and f"{int(row['units']):,}" in page
        assert f"{row['mean']:.2%}" in md
    for arm in arms:
        kept = arm.name == best
        campaign = sandbox.market.campaigns[str(arm.campaign_id)]
        assert campaign.status == ("ACTIVE" if kept else "PAUSED")

    listed = json.loads(_run("list", "--db", str(db), "--json").stdout)
    assert listed == [
        {
            "id": experiment_id,
            "name": "Summer photo: which button?",
            "account": sandbox.account_id,
            "status": "concluded",
            "started_on": str(start),
        }
    ]


def test_bad_input_ends_with_a_message_and_stores_nothing(
    sandbox_factory: type[RunningSandbox], tmp_path: Path
) -> None:
    sandbox = sandbox_factory(MARKET)
    db = tmp_path / "app.db"
    base = ["experiment", "create", "--name", "t", "--metric", "ctr", "--daily-budget", "100"]
    cases = [
        (["--arms", "SHOP_NOW:a", "--control", "SHOP_NOW"], "arms"),
        (["--arms", "SHOP_NOW:a,BUY_NOW:a", "--control", "ORDER_NOW"], "control"),
        (["--arms", "SHOP_NOW:a,BUY_NOW:a", "--control", "SHOP_NOW", "--floor", "0.6"], "floor"),
    ]
    for extra, field in cases:
        result = CliRunner().invoke(app, [*base, *extra, "--sandbox", sandbox.url, "--db", str(db)])
        assert result.exit_code == 1, result.output
        assert field in result.output and "Traceback" not in result.output
    assert not sandbox.market.campaigns or all(
        not c.name.startswith("adpilot experiment") for c in sandbox.market.campaigns.values()
    )
    missing = CliRunner().invoke(app, ["experiment", "status", "7", "--db", str(db)])
    assert missing.exit_code == 1 and "no experiment with id 7" in missing.output
    with Store(f"sqlite:///{db}") as store, store.transaction() as session:
        assert session.query(Experiment).count() == 0
