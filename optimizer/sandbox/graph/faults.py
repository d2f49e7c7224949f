"""Deterministic fault injection, chosen by a spec string on the command line.

Grammar (items separated by commas, whitespace ignored)::

    spec  := item ("," item)*
    item  := NAME | NAME "=" RATE | "seed=" INT
    RATE  := a probability in [0, 1]       e.g. transient=0.05
           | "every" N                      every Nth eligible event: the Nth, 2Nth, ... (transient=every3)
    NAME  := throttle      a throttling error (17/2446079, 613/1487742, 4, 80000 or 80004) with usage headers
           | transient     a transient code 1 (subcode 99) or code 2 error, HTTP 500, is_transient
           | server_error  HTTP 500/502/503 with a JSON error body (code 2, "Service temporarily unavailable")
           | drop          the connection is closed before the call is served (requests.ConnectionError)
           | drop_reply    the call is served (a write takes effect), then the connection is closed
                           unanswered: the client cannot tell whether it happened
           | batch_null    a batch item answered ``null`` (not processed; the SDK re-batches it)
           | async_slow    a report run takes many polls and sits at 100 % "Job Running" before completing
           | async_stuck   a report run sticks at 100 % "Job Running" for ever (clients must time out)
           | async_fail    a report run ends "Job Failed" with the v25+ error fields
           | async_skip    a report run ends "Job Skipped"

A bare NAME means rate 1 (always). Request-level faults (throttle, transient, server_error, drop, drop_reply)
count Graph requests, batch_null counts batch items, the async ones count report runs created. Each family
draws from its own generator seeded by ``seed`` (default 0), so the same request sequence always meets the
same faults.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import TypeVar

from optimizer.errors import InputError

T = TypeVar("T")

FAMILIES = (
    "throttle", "transient", "server_error", "drop", "drop_reply", "batch_null",
    "async_slow", "async_stuck", "async_fail", "async_skip",
)  # fmt: skip


class FaultSpecError(InputError):
    """A fault spec that does not parse; the message names the item."""


@dataclass(frozen=True)
class Rate:
    """How often a fault fires: a probability, or exactly every Nth event."""

    probability: float = 0.0
    every: int | None = None


@dataclass(frozen=True)
class FaultSpec:
    """Parsed ``--faults`` spec: a rate per family and a seed."""

    rates: dict[str, Rate] = field(default_factory=dict)
    seed: int = 0

    @classmethod
    def parse(cls, text: str | None) -> FaultSpec:
        """Parse the grammar in this module's docstring; raises FaultSpecError naming the bad item."""
        rates: dict[str, Rate] = {}
        seed = 0
        for raw in (text or "").split(","):
            item = raw.strip()
            if not item:
                continue
            name, sep, value = (part.strip() for part in item.partition("="))
            if name == "seed":
                try:
                    seed = int(value)
                except ValueError:
                    raise FaultSpecError(
                        f"faults: seed must be an integer, got {value!r}"
                    ) from None
                continue
            if name not in FAMILIES:
                raise FaultSpecError(
                    f"faults: unknown fault {name!r} (known: {', '.join(FAMILIES)}, seed)"
                )
            rates[name] = _rate(name, value if sep else "1")
        return cls(rates, seed)

    def describe(self) -> str:
        """The spec back as text (for the CLI banner)."""
        parts = [
            f"{name}=every{rate.every}" if rate.every else f"{name}={rate.probability:g}"
            for name, rate in self.rates.items()
        ]
        return ",".join([*parts, f"seed={self.seed}"]) if parts else "none"


def _rate(name: str, value: str) -> Rate:
    if value.startswith("every"):
        try:
            every = int(value.removeprefix("every").lstrip(":"))
        except ValueError:
            raise FaultSpecError(
                f"faults: {name}={value!r}: expected everyN with N a whole number"
            ) from None
        if every < 1:
            raise FaultSpecError(f"faults: {name}={value!r}: N must be at least 1")
        return Rate(every=every)
    try:
        probability = float(value)
    except ValueError:
        raise FaultSpecError(
            f"faults: {name}={value!r}: expected a probability or everyN"
        ) from None
    if not 0.0 <= probability <= 1.0:
        raise FaultSpecError(f"faults: {name}={value!r}: probability must be within [0, 1]")
    return Rate(probability=probability)


class FaultInjector:
    """Decides, event by event, whether a fault family fires; thread-safe and reproducible."""

    def __init__(self, spec: FaultSpec | None = None) -> None:
        self.spec = spec or FaultSpec()
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._rngs = {name: random.Random(f"{self.spec.seed}:{name}") for name in FAMILIES}
        self.fired: dict[str, int] = {}

    def fires(self, name: str) -> bool:
        """Whether ``name`` fires on this event (counts the event either way)."""
        rate = self.spec.rates.get(name)
        if rate is None:
            return False
        with self._lock:
            count = self._counts[name] = self._counts.get(name, 0) + 1
            if rate.every is not None:
                hit = count % rate.every == 0
            else:
                hit = self._rngs[name].random() < rate.probability
            if hit:
                self.fired[name] = self.fired.get(name, 0) + 1
            return hit

    def choice(self, name: str, options: list[T]) -> T:
        """A reproducible pick among ``options`` for a fault that fired (which code, which status)."""
        with self._lock:
            return self._rngs[name].choice(options)
