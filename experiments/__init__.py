"""adpilot's experiment layer: design (Optuna), statistics, adaptive traffic, client summaries."""

from experiments.stats.analyze import analyze
from experiments.stats.decision import Decision, DecisionPolicy, Status, decide
from experiments.stats.delivery import delivery_divergence
from experiments.stats.srm import check_srm
from experiments.traffic import allocate_traffic

__all__: list[str] = [
    "Decision",
    "DecisionPolicy",
    "Status",
    "allocate_traffic",
    "analyze",
    "check_srm",
    "decide",
    "delivery_divergence",
]
