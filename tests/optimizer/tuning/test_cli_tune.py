"""``adpilot tune`` as a user calls it: sandbox and account modes, the tuned file, the nightly reading it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.sandbox.market import MarketConfig
from optimizer.tuning import read_tuned
from tests.conftest import RunningSandbox

CONFIG = MarketConfig(seed=5, campaigns=2, adsets=6, ads_per_adset=1, history_days=40)


def test_tune_on_the_account_history_then_the_nightly_uses_the_knobs(
    sandbox_factory: type[RunningSandbox], tmp_path: Path
) -> None:
    sandbox = sandbox_factory(CONFIG)
    db = str(tmp_path / "t.db")
    runner = CliRunner()
    assert runner.invoke(app, ["sync", "--sandbox", sandbox.url, "--db", db]).exit_code == 0
    policy = tmp_path / "policy.toml"
    policy.write_text('currency = "USD"\nexploration_share = 0.2\n')
    tuned = runner.invoke(
        app,
        ["tune", "--account", sandbox.account_id, "--db", db, "--trials", "2", "--seed", "1",
         "--policy", str(policy)],
    )  # fmt: skip
    assert tuned.exit_code == 0, tuned.output
    assert "best RMS log error" in tuned.stdout and "prior_strength" in tuned.stdout
    knobs = read_tuned(tmp_path / "policy.tuned.toml")
    assert (tmp_path / "t.optuna.db").exists()
    assert (
        knobs.exploration_share == 0.1
    )  # account mode leaves the policy's knobs at their defaults
    night = runner.invoke(
        app, ["nightly", "--sandbox", sandbox.url, "--db", db, "--policy", str(policy), "--json"]
    )
    assert night.exit_code == 0, night.output
    assert "tuned knobs from" in night.stderr
    assert json.loads(night.stdout)["mode"] == "dry-run"
    resumed = runner.invoke(
        app, ["tune", "--account", sandbox.account_id, "--db", db, "--trials", "1",
              "--out", str(tmp_path / "k.toml")],
    )  # fmt: skip
    assert resumed.exit_code == 0, resumed.output
    assert "3 trials" in resumed.stdout


def test_tune_needs_one_mode_and_known_scenarios(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "e.db")
    both = runner.invoke(app, ["tune", "--sandbox", "--account", "act_1", "--db", db])
    assert both.exit_code != 0 and "exactly one of --sandbox or --account" in both.output
    empty = runner.invoke(app, ["tune", "--account", "act_1", "--db", db])
    assert empty.exit_code != 0 and "no stored history" in empty.output
    bad = runner.invoke(app, ["tune", "--sandbox", "--scenarios", "calm", "--db", db])
    assert bad.exit_code != 0 and "calm" in bad.output


def test_tune_on_the_sandbox_writes_every_knob(tmp_path: Path) -> None:
    out = tmp_path / "knobs.toml"
    result = CliRunner().invoke(
        app,
        ["tune", "--sandbox", "--trials", "1", "--days", "1", "--db", str(tmp_path / "s.db"),
         "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "share of the oracle's profit" in result.stdout and "defaults scored" in result.stdout
    assert "exploration_share" in result.stdout and "risk_quantile" in result.stdout
    assert read_tuned(out).exploration_share == 0.1  # one trial: the defaults themselves
