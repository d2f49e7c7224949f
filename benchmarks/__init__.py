"""adpilot's benchmarks: ``make bench`` runs them and writes BENCHMARKS.md.

Each module exposes ``run(quick: bool) -> Section``; the harness records the command and the machine so a
figure can always be reproduced. Ratios are measured against a baseline in the same run.
"""
