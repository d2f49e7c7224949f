"""The nightly job end to end against the sandbox: dry run, apply, re-runs, faults, kills, Meta's limits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest

from budgets import BudgetPolicy, pace_policy
from optimizer.meta.api import make_api
from optimizer.meta.client import MetaClient
from optimizer.meta.retry import RetryPolicy
from optimizer.nightly import NightlyReport, recommend, run_id_for, run_nightly
from optimizer.sandbox.graph.faults import FaultInjector, FaultSpec
from optimizer.sandbox.market import MarketConfig
from optimizer.store import AuditEntry, Store
from tests.conftest import RunningSandbox

CONFIG = MarketConfig(seed=11, campaigns=3, adsets=12, ads_per_adset=1, history_days=45)


@dataclass
class Night:
    sandbox: RunningSandbox
    client: MetaClient
    store: Store
    updates: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def account_id(self) -> str:
        return self.sandbox.account_id

    def run(self, **kwargs: Any) -> NightlyReport:
        kwargs.setdefault("as_of", self.sandbox.market.today)
        return run_nightly(self.client, self.store, self.account_id, **kwargs)

    def value(self, entry: AuditEntry) -> int | None:
        market = self.sandbox.market
        obj: Any = market.adsets.get(entry.object_id) or market.campaigns[entry.object_id]
        return getattr(obj, entry.field)  # type: ignore[no-any-return]

    def sent(self, object_id: str, name: str) -> int:
        return sum(1 for oid, changes in self.updates if oid == object_id and name in changes)

    def budgets(self) -> dict[str, int]:
        market = self.sandbox.market
        out = {a.id: a.daily_budget for a in market.adsets.values() if a.daily_budget}
        out |= {c.id: c.daily_budget for c in market.campaigns.values() if c.daily_budget}
        return out


@pytest.fixture
def night(
    sandbox_factory: type[RunningSandbox], store: Store, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Night]]:
    def make(faults: str | None = None) -> Night:
        sandbox = sandbox_factory(CONFIG)
        api = make_api("sandbox-token", base_url=sandbox.url)
        retry = RetryPolicy(sleep=sandbox.clock.advance, wait_budget=1e7)  # simulated seconds
        client = MetaClient(api, retry=retry)
        made = Night(sandbox, client, store)
        original = sandbox.market.update

        def spy(object_id: str, changes: Any) -> None:
            made.updates.append((object_id, dict(changes)))
            original(object_id, changes)

        monkeypatch.setattr(sandbox.market, "update", spy)
        if faults:
            sandbox.app.faults = FaultInjector(FaultSpec.parse(faults))
        return made

    yield make


def changed(entries: list[AuditEntry]) -> list[AuditEntry]:
    return [e for e in entries if e.status in ("planned", "applied", "failed")]


def test_dry_run_audits_the_plan_and_apply_pushes_exactly_it(night: Callable[..., Night]) -> None:
    n = night()
    before = n.budgets()
    dry = n.run()
    run_id = run_id_for(n.account_id, n.sandbox.market.today)
    assert dry.run_id == run_id and dry.push is None and dry.ok
    entries = n.store.audit_entries(run_id=run_id)
    planned = [e for e in entries if e.status == "planned"]
    assert len(planned) >= 5 and n.updates == [] and n.budgets() == before
    assert {e.actor for e in entries} == {"adpilot nightly"}
    assert any(e.object_type == "campaign" for e in planned)  # the CBO campaign moves as one
    bids = [r for r in dry.rows if r["field"] == "bid_amount" and r["recommended"] != r["current"]]
    assert bids, "the market has cost-cap ad sets: the allocator should move their bids"
    assert all(r["status"] in ("planned", "skipped") for r in bids)
    assert any(e.field == "bid_amount" for e in planned)

    done = n.run(apply=True)

    assert done.ok and done.push is not None and done.push.applied == len(planned)
    after = n.budgets()
    for entry in n.store.audit_entries(run_id=run_id):
        assert entry.status == "applied"
        assert n.value(entry) == int(entry.after or 0)
        assert n.sent(entry.object_id, entry.field) == 1
        if entry.field == "daily_budget":  # within the default 20% a day of the budget in force
            old = int(entry.before or 0)
            assert abs(int(entry.after or 0) - old) <= old * Decimal("0.2")
    moved = [e.object_id for e in planned if e.field == "daily_budget"]
    # without a policy the account's total is a ceiling: the profit objective may spend less, never more
    assert sum(after[o] for o in moved) <= sum(before[o] for o in moved)
    untouched = set(before) - set(moved)
    assert all(after[o] == before[o] for o in untouched)


def test_rerunning_the_night_converges_and_never_stacks_a_second_step(
    night: Callable[..., Night],
) -> None:
    n = night()
    first = n.run(apply=True)
    run_id = first.run_id
    applied = {(e.object_id, e.field): e for e in n.store.audit_entries(run_id=run_id)}
    # the same night again, but under a policy that would move budgets differently: the plan stands
    looser = BudgetPolicy(currency="USD", max_daily_change=0.5, exploration_share=0.3)
    again = n.run(apply=True, policy=looser)
    assert again.push is not None and again.push.applied == 0
    assert again.push.already == len(applied)
    for (object_id, name), entry in applied.items():
        assert n.sent(object_id, name) == 1
        assert n.value(entry) == int(entry.after or 0)
    assert len(n.store.audit_entries(run_id=run_id)) >= len(applied)
    assert all(row["status"] != "failed" for row in again.rows)


@pytest.mark.parametrize("faults", ["throttle=every3", "batch_null=every2", "drop_reply=0.3"])
def test_faults_in_the_night_leave_old_or_new_budgets_and_a_rerun_converges(
    night: Callable[..., Night], faults: str
) -> None:
    n = night(faults=faults)
    before = n.budgets()
    report = n.run(apply=True, batch_size=4)
    entries = changed(n.store.audit_entries(run_id=report.run_id))
    for entry in entries:
        assert n.value(entry) in (int(entry.before or 0), int(entry.after or 0))
    rerun = n.run(apply=True, batch_size=4)
    assert rerun.ok
    assert sum(n.sandbox.app.faults.fired.values()) > 0
    for entry in n.store.audit_entries(run_id=report.run_id):
        if entry.status == "skipped":
            assert n.value(entry) == before.get(entry.object_id, n.value(entry))
            continue
        assert entry.status == "applied"
        assert n.value(entry) == int(entry.after or 0)
        assert n.sent(entry.object_id, entry.field) == 1


def test_a_night_killed_between_batches_resumes_on_rerun(night: Callable[..., Night]) -> None:
    n = night()

    class Killed(Exception):
        pass

    def kill(done: int, total: int) -> None:
        assert total >= 2
        raise Killed

    with pytest.raises(Killed):
        n.run(apply=True, batch_size=3, between_batches=kill)
    run_id = run_id_for(n.account_id, n.sandbox.market.today)
    statuses = [e.status for e in changed(n.store.audit_entries(run_id=run_id))]
    assert statuses.count("applied") == 3 and statuses.count("planned") == len(statuses) - 3
    for entry in changed(n.store.audit_entries(run_id=run_id)):
        expected = entry.after if entry.status == "applied" else entry.before
        assert n.value(entry) == int(expected or 0)

    resumed = n.run(apply=True, batch_size=3)

    assert resumed.ok and resumed.push is not None and resumed.push.already == 3
    for entry in changed(n.store.audit_entries(run_id=run_id)):
        assert entry.status == "applied" and n.value(entry) == int(entry.after or 0)
        assert n.sent(entry.object_id, entry.field) == 1


def test_the_fifth_budget_change_within_an_hour_is_refused_not_sent(
    night: Callable[..., Night],
) -> None:
    n = night()
    reports = []
    for _ in range(5):  # five nights run back to back within the hour (a scheduler catching up)
        reports.append(n.run(apply=True))
        n.sandbox.market.advance(1)
    assert all(r.ok for r in reports)
    fifth = n.store.audit_entries(run_id=reports[-1].run_id)
    refused = [e for e in fifth if e.status == "skipped" and e.field == "daily_budget"]
    assert refused and all("4 times in the last hour" in (e.reason or "") for e in refused)
    for entry in refused:
        assert n.sent(entry.object_id, "daily_budget") == 4
        assert n.value(entry) == int(entry.before or 0)


def test_a_monthly_budget_is_paced_into_the_nights_total(night: Callable[..., Night]) -> None:
    n = night()
    n.run()  # sync
    today = n.sandbox.market.today
    history = n.store.history(n.account_id)
    month = history[(history["date"] >= str(today.replace(day=1))) & (history["date"] < str(today))]
    spent = Decimal(str(round(float(month["spend"].sum()), 2)))
    days_left = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - today
    in_force = sum(
        Decimal(str(v))
        for v in recommend(n.store, n.account_id, as_of=today).table["current_budget"]
    )
    # enough left for 90% of today's total a day: within what the 20% daily step allows
    per_day = int(in_force * Decimal("0.9"))
    policy = BudgetPolicy(currency="USD", monthly_budget=int(spent) + per_day * days_left.days)
    rec = recommend(n.store, n.account_id, as_of=today, policy=policy)
    expected = pace_policy(policy, spent, today).daily_total
    assert per_day - 1 <= expected <= per_day + 1
    assert sum(Decimal(str(v)) for v in rec.table["recommended_budget"]) <= expected


def test_a_simulation_passing_its_own_time_is_not_held_to_the_wall_clock_hour(
    night: Callable[..., Night],
) -> None:
    n = night()
    reports = []
    for _ in range(5):  # five simulated nights, a day apart on the sandbox's timeline
        at = datetime.combine(n.sandbox.market.today, time(3, 0), UTC)
        reports.append(n.run(apply=True, now=at))
        n.sandbox.market.advance(1)
        n.sandbox.clock.advance(86_400)  # the sandbox's API clock moves with its market
    assert all(r.ok for r in reports)
    fifth = n.store.audit_entries(run_id=reports[-1].run_id)
    assert not any("in the last hour" in (e.reason or "") for e in fifth)
    assert any(e.status == "applied" for e in fifth)
