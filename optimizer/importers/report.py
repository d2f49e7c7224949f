"""What an import wrote, and what it deliberately left out."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ImportReport:
    """Counts per table, plus every row skipped or stored incomplete (and why)."""

    kind: str
    account_id: str
    sources: list[str]
    written: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the CLI."""
        counts = ", ".join(f"{n} {table}" for table, n in self.written.items())
        tail = f"; {len(self.warnings)} warning(s)" if self.warnings else ""
        return f"{self.kind} -> {self.account_id}: {counts}{tail}"
