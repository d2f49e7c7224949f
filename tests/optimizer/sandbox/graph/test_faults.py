"""The fault spec grammar and deterministic firing."""

from __future__ import annotations

import pytest

from optimizer.errors import InputError
from optimizer.sandbox.graph.faults import FaultInjector, FaultSpec, Rate


def test_grammar() -> None:
    spec = FaultSpec.parse("throttle=0.1, transient=every3,async_slow,seed=3")
    assert spec.rates == {
        "throttle": Rate(0.1),
        "transient": Rate(every=3),
        "async_slow": Rate(1.0),
    }
    assert spec.seed == 3
    assert FaultSpec.parse(spec.describe()) == spec
    assert FaultSpec.parse(None).rates == {} and FaultSpec.parse("").describe() == "none"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("bogus=0.1", "bogus"),
        ("drop=1.5", "drop"),
        ("drop=everyx", "drop"),
        ("seed=x", "seed"),
        ("drop=every0", "drop"),
    ],
)
def test_bad_specs_name_the_item(text: str, named: str) -> None:
    with pytest.raises(InputError, match=named):
        FaultSpec.parse(text)


def test_every_n_fires_on_multiples_and_probability_is_seeded() -> None:
    every = FaultInjector(FaultSpec.parse("drop=every3"))
    assert [every.fires("drop") for _ in range(7)] == [
        False,
        False,
        True,
        False,
        False,
        True,
        False,
    ]
    assert not every.fires("transient")  # not in the spec

    def run(seed: int) -> list[bool]:
        injector = FaultInjector(FaultSpec.parse(f"drop=0.25,seed={seed}"))
        return [injector.fires("drop") for _ in range(400)]

    first = run(9)
    assert run(9) == first
    assert 70 <= sum(first) <= 130  # 100 expected; binomial sd ~ 8.7
    assert run(10) != first
