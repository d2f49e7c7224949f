"""Benchmark tables for ``make bench``: false winners under A/A, real winners found, bandit efficiency.

Pure and seeded: returns plain tables (title, header, rows) so the benchmark harness only formats them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from experiments.simulation import simulate_aa, simulate_bandit, simulate_calls
from experiments.stats.decision import DecisionPolicy, required_chance

__all__ = ["BANDIT_SCENARIOS", "BenchTable", "experiment_tables"]

#: The reference study's scenarios (experiment-statistics.md §4): click-through rates per arm.
BANDIT_SCENARIOS: dict[str, tuple[float, ...]] = {
    "4 arms, CTR 2.0/2.0/2.2/2.6%": (0.020, 0.020, 0.022, 0.026),
    "6 arms, CTR 2.0/2.0/2.1/2.2/2.3/2.6%": (0.020, 0.020, 0.021, 0.022, 0.023, 0.026),
}


@dataclass(frozen=True)
class BenchTable:
    title: str
    header: list[str]
    rows: list[list[object]] = field(default_factory=list)
    note: str = ""


def _pct(x: float) -> str:
    return f"{x:.1%}"


def experiment_tables(quick: bool = False) -> list[BenchTable]:
    """Run the three simulation studies; ``quick`` shrinks replications for a smoke run."""
    policy = DecisionPolicy()
    aa_reps, call_reps, bandit_reps = (400, 100, 60) if quick else (4000, 500, 300)

    aa = BenchTable(
        "A/A false-winner rate (daily looks, days 7-28, default DecisionPolicy)",
        [
            "arms",
            "units/arm/day",
            "conversion rate",
            "replications",
            "false winners",
            "rate",
            "s.e.",
        ],
        note=(
            f"Winner needs chance to beat control >= {required_chance(policy, 2):.3f} (2 arms) / "
            f"{required_chance(policy, 4):.4f} (4 arms) and expected loss <= "
            f"{policy.max_expected_loss:.0%} of control, after {policy.min_runtime_days:g} days and "
            f"{policy.min_units_per_arm} units per arm. Target: <= 5%."
        ),
    )
    for arms in (2, 4):
        for units in (300, 2000, 20_000):
            r = simulate_aa(arms, replications=aa_reps, daily_units=units, seed=2024)
            aa.rows.append([arms, units, r.rate, r.replications, r.false_winners,
                            _pct(r.false_winner_rate), _pct(r.standard_error)])  # fmt: skip

    calls = BenchTable(
        "Real winner (+10% relative) found by the decision rule within 28 days",
        [
            "true rates",
            "units/arm/day",
            "replications",
            "correct call",
            "wrong call",
            "median days",
        ],
    )
    for true_rates in ((0.03, 0.033), (0.03, 0.03, 0.03, 0.033)):
        for units in (2000, 4000):
            c = simulate_calls(
                true_rates, replications=call_reps, daily_units=units, draws=2000, seed=5
            )
            calls.rows.append(["/".join(f"{x:.1%}" for x in true_rates), units, c.replications,
                               _pct(c.correct_rate), _pct(c.wrong_rate), c.median_days_to_call])  # fmt: skip

    bandit = BenchTable(
        "Impressions to a confident best-arm call (P(best) >= 0.95; batches of 2,000; 1% floor)",
        [
            "scenario",
            "policy",
            "median impressions",
            "mean impressions",
            "vs even (median / mean)",
            "correct call",
            "decided",
        ],  # fmt: skip
    )
    for scenario, rates in BANDIT_SCENARIOS.items():
        results = {m: simulate_bandit(rates, m, replications=bandit_reps, seed=1)
                   for m in ("even", "thompson", "top_two_thompson")}  # fmt: skip
        even = results["even"]
        for method, b in results.items():
            change = (
                f"{b.median_impressions / even.median_impressions - 1:+.0%} / "
                f"{b.mean_impressions / even.mean_impressions - 1:+.0%}"
            )
            bandit.rows.append([scenario, method, f"{b.median_impressions:,.0f}",
                                f"{b.mean_impressions:,.0f}", change, _pct(b.correct_rate),
                                _pct(b.decided_rate)])  # fmt: skip
    return [aa, calls, bandit]
