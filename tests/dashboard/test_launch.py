"""``adpilot dashboard``: the streamlit command it starts, bound to 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from dashboard.launch import APP, streamlit_command
from dashboard.settings import from_args, password_ok
from optimizer.cli import app


def _option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_cli_serves_the_app_on_loopback_with_the_database(monkeypatch, tmp_path: Path) -> None:
    started: list[list[str]] = []
    monkeypatch.setattr(subprocess, "call", lambda command: started.append(command) or 0)
    result = CliRunner().invoke(
        app, ["dashboard", "--port", "8600", "--db", str(tmp_path / "x.db"), "--policy", "p.toml"]
    )
    assert result.exit_code == 0, result.output
    (command,) = started
    assert command[command.index("run") + 1] == str(APP)
    assert _option(command, "--server.address") == "127.0.0.1"
    assert _option(command, "--server.port") == "8600"
    assert _option(command, "--browser.gatherUsageStats") == "false"
    assert _option(command, "--db") == f"sqlite:///{tmp_path / 'x.db'}"
    assert _option(command, "--policy") == "p.toml"
    # the script's own arguments come after "--", so streamlit does not read them
    assert command.index("--") < command.index("--db")


def test_address_can_be_opened_for_a_shared_deployment() -> None:
    command = streamlit_command(port=9000, address="0.0.0.0", sandbox="http://127.0.0.1:8765")
    assert _option(command, "--server.address") == "0.0.0.0"
    assert _option(command, "--sandbox") == "http://127.0.0.1:8765"
    assert "--db" not in command


def test_settings_from_script_arguments_env_and_config(monkeypatch, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[adpilot]\ndashboard_password = "from-file"\n', encoding="utf-8")
    monkeypatch.setenv("ADPILOT_CONFIG", str(config))
    monkeypatch.delenv("ADPILOT_DASHBOARD_PASSWORD", raising=False)
    monkeypatch.setenv("ADPILOT_DB", "sqlite:////env.db")
    settings = from_args(["-q", "tests", "--db", "other.db", "--policy", "p.toml"])
    assert (
        settings.db == "sqlite:///other.db"
    )  # arguments beat the environment; unknown ones ignored
    assert settings.policy == Path("p.toml")
    assert settings.dashboard_password is not None
    assert settings.dashboard_password.get_secret_value() == "from-file"
    monkeypatch.setenv("ADPILOT_DASHBOARD_PASSWORD", "from-env")
    assert from_args([]).dashboard_password == SecretStr("from-env")
    assert from_args([]).db == "sqlite:////env.db"


@pytest.mark.parametrize(
    ("given", "expected", "ok"),
    [("", None, True), ("x", None, True), ("", SecretStr(""), True), ("a", SecretStr("a"), True)]
    + [("b", SecretStr("a"), False), ("", SecretStr("a"), False)],
)
def test_password_check(given: str, expected: SecretStr | None, ok: bool) -> None:
    assert password_ok(given, expected) is ok
