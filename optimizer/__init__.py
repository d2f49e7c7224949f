"""adpilot's optimizer: Graph API client and sandbox, store, response models, allocation, nightly job."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from optimizer.allocation import allocate

__all__: list[str] = ["allocate"]


def __getattr__(name: str) -> Any:
    """``optimizer.allocate`` is imported on first use: ``budgets`` imports ``optimizer.errors``, and an
    eager import of the allocator (which imports ``budgets``) here would make that a cycle."""
    if name == "allocate":
        from optimizer.allocation import allocate

        return allocate
    raise AttributeError(f"module 'optimizer' has no attribute {name!r}")
