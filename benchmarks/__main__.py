"""``python -m benchmarks [NAME ...] [--quick]``: run benchmarks, update BENCHMARKS.md."""

from __future__ import annotations

import argparse
import importlib
import logging
from pathlib import Path

from benchmarks.report import Section, write

#: Benchmark modules in run order (``benchmarks/<name>.py`` each with ``run(quick) -> Section``).
BENCHMARKS = ["sync", "experiments", "allocation", "closed_loop", "dashboard", "fleet"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all: {BENCHMARKS})")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--out", default="BENCHMARKS.md")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    sections: list[Section] = []
    for name in args.names or BENCHMARKS:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"running benchmark {name} ...", flush=True)
        section = module.run(quick=args.quick)
        print(section.markdown(), flush=True)
        sections.append(section)
        write(sections, Path(args.out))  # after each, so a long run keeps what it finished


if __name__ == "__main__":
    main()
