"""Errors the market raises: bad fields (naming the field) and unknown object ids."""

from __future__ import annotations

from optimizer.errors import InputError


class MarketError(InputError):
    """A request the market refuses; ``field`` names the offending field (the message does too)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class UnknownObjectError(MarketError):
    """An id that names no object of the expected kind (the Graph API answers code 100 for these)."""

    def __init__(self, object_id: str, kind: str = "object") -> None:
        super().__init__("id", f"no {kind} with id {object_id!r}")
        self.object_id = object_id
