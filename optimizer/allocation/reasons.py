"""The ``reason`` column: why each unit got its budget, in words an operator can act on."""

from __future__ import annotations

import numpy as np

from optimizer.allocation.units import Unit

__all__ = ["budget_reason"]


def budget_reason(
    unit: Unit,
    new: int,
    lo: int,
    hi: int,
    notes: list[str],
    marginal: float,
    level: float,
) -> list[str]:
    """Why this budget: the unit's role, what the next unit of spend returns, the bound it sits at."""
    if unit.role == "excluded":
        return ["excluded by the policy: untouched, outside the total"]
    if unit.role == "frozen":
        return ["frozen by the policy: kept, counted in the total"]
    if unit.role == "unlisted":
        return ["not among the policy's adsets: untouched, outside the total"]
    change = (new - unit.current) / unit.current if unit.current > 0 else None
    move = "kept" if new == unit.current else ("raised" if new > unit.current else "cut")
    text = move + (f" {change:+.0%}" if change is not None and new != unit.current else "")
    worth = f"the next unit of spend returns {marginal:.2f}" if np.isfinite(marginal) else ""
    bar = f" (the account's bar: {level:.2f})" if np.isfinite(level) and level > 0 else ""
    if lo == hi:
        text += ": no room to move"
    elif new >= hi:
        text += f": {worth}{bar}; stopped at its upper limit"
    elif new <= lo:
        text += f": {worth}{bar}; stopped at its lower limit"
    else:
        text += f": {worth}{bar}, inside its limits"
    return [text, *unit.notes, *notes]
