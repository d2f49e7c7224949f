"""The dashboard's settings: adpilot's own (database, sandbox) plus a password and a policy file.

Same precedence as the CLI: ``streamlit run dashboard/app.py -- --db URL`` arguments > environment
(``ADPILOT_DB``, ``ADPILOT_SANDBOX_URL``, ``ADPILOT_DASHBOARD_PASSWORD``, ``ADPILOT_POLICY``) > the config
file > defaults. The password is optional: without one the dashboard is open to whoever can reach it,
which is why it binds to 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import argparse
import hmac
from collections.abc import Sequence
from pathlib import Path

from pydantic import SecretStr

from optimizer.config import Settings

__all__ = ["DashboardSettings", "from_args", "password_ok"]


class DashboardSettings(Settings):
    """adpilot's settings plus what only the dashboard needs."""

    dashboard_password: SecretStr | None = None
    policy: Path | None = None


def from_args(argv: Sequence[str]) -> DashboardSettings:
    """Settings with ``--db``, ``--sandbox`` and ``--policy`` from the script's arguments applied on top.

    Unknown arguments are ignored: under a test runner the process's arguments are the runner's.
    """
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--db")
    parser.add_argument("--sandbox")
    parser.add_argument("--policy")
    known, _ = parser.parse_known_args(list(argv))
    overrides: dict[str, object] = {}
    if known.db:
        overrides["db"] = known.db if "://" in known.db else f"sqlite:///{known.db}"
    if known.sandbox:
        overrides["sandbox_url"] = known.sandbox
    if known.policy:
        overrides["policy"] = Path(known.policy)
    return DashboardSettings(**overrides)  # type: ignore[arg-type]


def password_ok(given: str, expected: SecretStr | None) -> bool:
    """True when no password is set, or ``given`` matches it (constant-time comparison)."""
    if expected is None or not expected.get_secret_value():
        return True
    return hmac.compare_digest(given.encode(), expected.get_secret_value().encode())
