"""The benchmark report: sections of markdown, the machine they ran on, written to BENCHMARKS.md."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path


@dataclass
class Section:
    """One benchmark's results: a title, the command that reproduces it, markdown lines."""

    title: str
    command: str
    lines: list[str] = field(default_factory=list)

    def table(self, header: list[str], rows: list[list[object]]) -> None:
        self.lines.append("| " + " | ".join(header) + " |")
        self.lines.append("|" + "|".join("---" for _ in header) + "|")
        for row in rows:
            self.lines.append("| " + " | ".join(str(cell) for cell in row) + " |")
        self.lines.append("")

    def markdown(self) -> str:
        body = "\n".join(self.lines)
        return f"## {self.title}\n\nCommand: `{self.command}`\n\n{body}\n"


def machine() -> str:
    """A one-paragraph description of the machine: CPU, cores, memory, Python."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = "?"
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}; Python {sys.version.split()[0]} on "
        f"{platform.system()} {platform.release()}; commit {commit}; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def write(sections: list[Section], path: Path) -> None:
    """Replace the named sections in ``path`` (keeping the others), stamped with the machine."""
    existing: dict[str, str] = {}
    order: list[str] = []
    if path.exists():
        current = None
        for line in path.read_text().splitlines(keepends=True):
            if line.startswith("## "):
                current = line[3:].strip()
                order.append(current)
                existing[current] = ""
            if current is not None:
                existing[current] += line
    stamp = f"_Machine: {machine()}_\n\n"
    for section in sections:
        if section.title not in existing:
            order.append(section.title)
        existing[section.title] = section.markdown().replace("\n\n", "\n\n" + stamp, 1)
    text = (
        "# Benchmarks\n\nWritten by `make bench` (`python -m benchmarks`). Each section names the "
    )
    text += "command that reproduces it and the machine it ran on.\n\n"
    text += "\n".join(existing[title].rstrip() + "\n" for title in order)
    path.write_text(text)
