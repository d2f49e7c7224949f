"""Shared test configuration."""

from __future__ import annotations

import os

# The SDK's requests session honours proxies; the sandbox lives on loopback.
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("no_proxy", "127.0.0.1,localhost")


def on_ci() -> bool:
    """CI sets CI=true: there a missing service is a failure, never a skip."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}
