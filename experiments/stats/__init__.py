"""Pure experiment statistics: sufficient statistics in, typed posteriors and verdicts out (no I/O)."""

from experiments.stats.analyze import RESULT_COLUMNS, analyze, analyze_stats
from experiments.stats.bayesian import EffectPosterior, GaussianPrior, effect_posterior
from experiments.stats.beta import BetaPosterior, beta_posterior, prob_greater
from experiments.stats.decision import Decision, DecisionPolicy, Status, decide
from experiments.stats.delivery import DeliveryDivergence, delivery_divergence
from experiments.stats.frame import read_arms
from experiments.stats.models import ArmStats, MeanStats, ProportionStats, RatioStats
from experiments.stats.montecarlo import BestArm, best_arm, posterior_draws
from experiments.stats.srm import SrmResult, check_srm, check_srm_periods

__all__ = [
    "RESULT_COLUMNS",
    "ArmStats",
    "BestArm",
    "Decision",
    "DecisionPolicy",
    "BetaPosterior",
    "DeliveryDivergence",
    "EffectPosterior",
    "GaussianPrior",
    "MeanStats",
    "ProportionStats",
    "RatioStats",
    "SrmResult",
    "Status",
    "analyze",
    "analyze_stats",
    "beta_posterior",
    "best_arm",
    "check_srm",
    "check_srm_periods",
    "decide",
    "delivery_divergence",
    "effect_posterior",
    "posterior_draws",
    "prob_greater",
    "read_arms",
]
