"""Connecting to Meta or to a sandbox from adpilot's settings.

Real Meta needs ``META_ACCESS_TOKEN`` (and optionally ``META_APP_SECRET`` for ``appsecret_proof``) from the
environment or the config file. A sandbox accepts any token, so one is made up when none is configured;
it is the only place the client knows a sandbox exists, to ask it which simulated day it is.
"""

from __future__ import annotations

from datetime import date

import requests

from optimizer.config import Settings
from optimizer.errors import InputError, MetaApiError
from optimizer.meta.api import META_GRAPH_URL, make_api
from optimizer.meta.client import MetaClient
from optimizer.meta.retry import RetryPolicy

SANDBOX_TOKEN = "adpilot-sandbox"


def connect(
    settings: Settings, sandbox_url: str | None = None, retry: RetryPolicy | None = None
) -> MetaClient:
    """A :class:`MetaClient` for Meta (token required) or for the sandbox at ``sandbox_url``."""
    url = sandbox_url or settings.sandbox_url
    token = settings.access_token.get_secret_value() if settings.access_token else None
    if url is None and not token:
        raise InputError(
            "no access token: set META_ACCESS_TOKEN (or access_token in the config file), "
            "or pass --sandbox URL to use a local sandbox"
        )
    secret = settings.app_secret.get_secret_value() if settings.app_secret else None
    api = make_api(
        token or SANDBOX_TOKEN,
        base_url=url or META_GRAPH_URL,
        app_secret=secret,
        api_version=settings.api_version,
    )
    return MetaClient(api, retry=retry or RetryPolicy())


def sandbox_today(sandbox_url: str) -> date:
    """The sandbox's simulated "today" (its clock moves when days are advanced, not with the wall)."""
    try:
        answer = requests.get(f"{sandbox_url.rstrip('/')}/_sandbox/status", timeout=10)
        answer.raise_for_status()
        return date.fromisoformat(answer.json()["today"])
    except (requests.RequestException, KeyError, ValueError) as exc:
        raise MetaApiError(f"sandbox at {sandbox_url} did not say what day it is: {exc}") from exc


def pick_account(client: MetaClient, account: str | None) -> str:
    """The account to work on: the one given, or the token's only account."""
    if account:
        return account if account.startswith("act_") else f"act_{account}"
    accounts = [row["id"] for row in client.ad_accounts()]
    if len(accounts) == 1:
        return str(accounts[0])
    listed = ", ".join(accounts) or "none"
    raise InputError(f"--account is needed: this token sees {len(accounts)} ad accounts ({listed})")
