"""adpilot's experiment layer: design (Optuna), statistics, adaptive traffic, client summaries."""

from experiments.stats.analyze import analyze

__all__: list[str] = ["analyze"]
