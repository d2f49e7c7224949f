"""Creating campaigns, ad sets, creatives and ads through the SDK's account edges.

Experiments launch real ads: every arm is its own campaign and ad set (its own budget, so the budget split
is the traffic split) with one creative and one ad. Each call goes through the SDK object
(``AdAccount(id, api=...).create_*``) under :func:`~optimizer.meta.retry.call_with_retry`.

A create is not idempotent: if a connection drops after Meta created the object, the retry creates a
second one. Callers name every object uniquely so a stray duplicate can be found and paused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from facebook_business.adobjects.adaccount import AdAccount

from optimizer.errors import MetaApiError
from optimizer.meta.client import MetaClient, NodeUpdate, UpdateResult
from optimizer.meta.retry import call_with_retry

__all__ = [
    "create_ad",
    "create_adset",
    "create_campaign",
    "create_creative",
    "set_status",
]


def _created_id(result: Any, what: str) -> str:
    """The id of the object the SDK returned (it answers ``{"id": ...}``)."""
    try:
        object_id = result["id"] if not hasattr(result, "get_id") else result.get_id()
    except (KeyError, TypeError):
        object_id = None
    if not object_id:
        raise MetaApiError(f"{what}: the answer carries no id ({result!r})")
    return str(object_id)


def _account(client: MetaClient, account_id: str) -> AdAccount:
    return AdAccount(account_id, api=client.api)


def create_campaign(client: MetaClient, account_id: str, params: Mapping[str, Any]) -> str:
    """``POST act_<id>/campaigns``; returns the new campaign's id."""
    account = _account(client, account_id)
    what = f"create campaign {params.get('name', '')!r} in {account_id}"
    result = call_with_retry(
        lambda: account.create_campaign(params=dict(params)), client.retry, what
    )
    return _created_id(result, what)


def create_adset(client: MetaClient, account_id: str, params: Mapping[str, Any]) -> str:
    """``POST act_<id>/adsets``; ``daily_budget`` in integer minor units. Returns the ad set's id."""
    account = _account(client, account_id)
    what = f"create ad set {params.get('name', '')!r} in {account_id}"
    result = call_with_retry(lambda: account.create_ad_set(params=dict(params)), client.retry, what)
    return _created_id(result, what)


def create_creative(client: MetaClient, account_id: str, params: Mapping[str, Any]) -> str:
    """``POST act_<id>/adcreatives`` (e.g. an ``object_story_spec`` with a call to action)."""
    account = _account(client, account_id)
    what = f"create creative {params.get('name', '')!r} in {account_id}"
    result = call_with_retry(
        lambda: account.create_ad_creative(params=dict(params)), client.retry, what
    )
    return _created_id(result, what)


def create_ad(client: MetaClient, account_id: str, params: Mapping[str, Any]) -> str:
    """``POST act_<id>/ads`` showing ``creative`` in ``adset_id``; returns the ad's id."""
    account = _account(client, account_id)
    what = f"create ad {params.get('name', '')!r} in {account_id}"
    result = call_with_retry(lambda: account.create_ad(params=dict(params)), client.retry, what)
    return _created_id(result, what)


def set_status(client: MetaClient, object_ids: Sequence[str], status: str) -> list[UpdateResult]:
    """Set ``status`` (ACTIVE, PAUSED...) on campaigns, ad sets or ads in one batch."""
    return client.update_nodes([NodeUpdate(i, {"status": status}) for i in object_ids])
