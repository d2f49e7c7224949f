"""Traffic allocation: Russo's top-two formula against the literal algorithm, floors, warm-up, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.stats.models import MeanStats, ProportionStats
from experiments.traffic import allocate_traffic, top_two_shares, traffic_shares
from optimizer.errors import InputError

EXAMPLE_2 = {
    "control": ProportionStats(8000, 400),
    "B": ProportionStats(8100, 452),
    "C": ProportionStats(7900, 380),
}


def _literal_ttts(samples, beta, rng, rounds):
    """Russo's algorithm step by step: leader by one posterior draw; with prob 1-beta resample until a
    different arm wins and measure that challenger. Returns the frequency each arm is measured."""
    k, draws = samples.shape
    counts = np.zeros(k)
    for _ in range(rounds):
        leader = samples[:, rng.integers(draws)].argmax()
        if rng.random() < beta:
            counts[leader] += 1
            continue
        while True:
            challenger = samples[:, rng.integers(draws)].argmax()
            if challenger != leader:
                counts[challenger] += 1
                break
    return counts / rounds


def test_top_two_formula_matches_the_literal_algorithm():
    rng = np.random.default_rng(4)
    samples = np.stack(
        [
            rng.beta(1 + c.conversions, 1 + c.units - c.conversions, 20_000)
            for c in EXAMPLE_2.values()
        ]
    )
    psi = top_two_shares(samples, beta=0.5)
    literal = _literal_ttts(samples, 0.5, rng, 20_000)
    assert psi.sum() == pytest.approx(1.0)
    assert psi == pytest.approx(literal, abs=0.012)


def test_top_two_by_hand_from_probabilities_of_being_best():
    # Three arms whose draws make arm 1 best 60%, arm 0 30%, arm 2 10% of the time.
    samples = np.zeros((3, 10))
    winners = [1] * 6 + [0] * 3 + [2]
    for d, w in enumerate(winners):
        samples[w, d] = 1.0
    alpha = np.array([0.3, 0.6, 0.1])
    expected = [
        0.5 * a_i + 0.5 * sum(alpha[j] * a_i / (1 - alpha[j]) for j in range(3) if j != i)
        for i, a_i in enumerate(alpha)
    ]
    assert top_two_shares(samples) == pytest.approx(expected)
    # Plain Thompson gives alpha itself; top-two moves traffic from the leader to the challengers.
    assert traffic_shares(samples, [10**6] * 3, "thompson", floor=0) == pytest.approx(alpha)
    assert expected[1] < alpha[1]


def test_certain_leader_gives_half_to_the_runner_up():
    samples = np.array([[3.0, 3.0, 3.0, 3.0], [1.0, 2.0, 1.0, 2.0], [2.0, 1.0, 2.0, 1.0]])
    assert top_two_shares(samples) == pytest.approx([0.5, 0.25, 0.25])


def test_allocation_on_example_2():
    shares = allocate_traffic(EXAMPLE_2, "top_two_thompson", floor=0.05, rng=0, draws=100_000)
    assert sum(shares.values()) == pytest.approx(1.0)
    # Hand computation from P(best) = [0.049, 0.940, 0.011]: psi ~ [0.408, 0.499, 0.092]; floor 0.05 mixes in.
    psi = np.array([0.408, 0.499, 0.092])
    assert list(shares.values()) == pytest.approx(list(0.05 + 0.85 * psi), abs=0.01)
    thompson = allocate_traffic(EXAMPLE_2, "thompson", floor=0.05, rng=0, draws=100_000)
    assert thompson["B"] == pytest.approx(0.05 + 0.85 * 0.940, abs=0.01)
    assert allocate_traffic(EXAMPLE_2, "even") == pytest.approx({a: 1 / 3 for a in EXAMPLE_2})


def test_floor_warm_up_and_reproducibility():
    lopsided = {
        "a": ProportionStats(5000, 50),
        "b": ProportionStats(5000, 400),
        "c": ProportionStats(5000, 60),
    }
    shares = allocate_traffic(lopsided, "thompson", floor=0.1, rng=1)
    assert min(shares.values()) == pytest.approx(0.1, abs=1e-9)
    assert shares["b"] == pytest.approx(0.8, abs=1e-3)
    assert allocate_traffic(lopsided, floor=0.1, rng=7) == allocate_traffic(
        lopsided, floor=0.1, rng=7
    )
    early = dict(lopsided, c=ProportionStats(50, 10))
    assert allocate_traffic(early, min_units=100, rng=1) == pytest.approx({a: 1 / 3 for a in early})
    # Infeasible floor (4 arms x 0.3 > 1): even split.
    four = dict(lopsided, d=ProportionStats(5000, 55))
    assert allocate_traffic(four, floor=0.3, rng=1) == pytest.approx({a: 0.25 for a in four})


def test_inverse_metric_sends_traffic_to_the_cheapest_arm():
    costs = {
        "a": MeanStats(400, 400 * 20.0, 400 * 436.0),
        "b": MeanStats(400, 400 * 15.0, 400 * 261.0),
    }
    assert allocate_traffic(costs, "thompson", floor=0.05, rng=2, inverse=True)["b"] > 0.9
    assert allocate_traffic(costs, "thompson", floor=0.05, rng=2)["a"] > 0.9


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stats": {"a": ProportionStats(10, 1)}}, "at least 2 arms"),
        ({"method": "ucb"}, "method"),
        ({"floor": 1.5}, "floor"),
        ({"beta": 1.0}, "beta"),
        ({"min_units": -1}, "min_units"),
    ],
)
def test_bad_input(kwargs, message):
    args = {"stats": EXAMPLE_2} | kwargs
    with pytest.raises(InputError, match=message):
        allocate_traffic(**args)
