"""adpilot's experiment layer: design (Optuna), statistics, adaptive traffic, client summaries."""

from experiments.stats.analyze import analyze
from experiments.stats.delivery import delivery_divergence
from experiments.stats.srm import check_srm

__all__: list[str] = ["analyze", "check_srm", "delivery_divergence"]
