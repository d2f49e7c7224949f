"""The posterior chart: where each arm's true metric probably lies, as one curve per arm.

Densities are computed here from the same per-arm statistics ``analyze`` used (Beta posterior for a
proportion, normal for a ratio), then drawn with Altair and rendered to SVG by vl-convert: no browser and
no download at run time, so the chart renders on a server or in CI.
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd
import vl_convert as vlc
from scipy.stats import beta as beta_dist  # type: ignore[import-untyped]
from scipy.stats import norm  # type: ignore[import-untyped]

from experiments.stats.models import ArmStats, ProportionStats

__all__ = ["posterior_curves", "posterior_svg"]


def _posterior(stats: ArmStats) -> tuple[float, float, object]:
    """(low, high, frozen distribution) covering the arm's posterior."""
    if isinstance(stats, ProportionStats):
        dist = beta_dist(1 + stats.conversions, 1 + stats.units - stats.conversions)
    else:
        sd = float(np.sqrt(stats.variance / stats.units)) if stats.units else 0.0
        dist = norm(stats.mean, max(sd, 1e-12))
    low, high = dist.ppf(0.0005), dist.ppf(0.9995)
    return float(low), float(high), dist


def posterior_curves(
    stats: Mapping[str, ArmStats], labels: Mapping[str, str], points: int = 200
) -> pd.DataFrame:
    """Long frame (arm, value, density) of each arm's posterior on one shared grid."""
    posteriors = {name: _posterior(s) for name, s in stats.items()}
    low = min(p[0] for p in posteriors.values())
    high = max(p[1] for p in posteriors.values())
    grid = np.linspace(low, high, points)
    frames = [
        pd.DataFrame(
            {"arm": labels.get(name, name), "value": grid, "density": dist.pdf(grid)}  # type: ignore[attr-defined]
        )
        for name, (_, _, dist) in posteriors.items()
    ]
    return pd.concat(frames, ignore_index=True)


def posterior_svg(
    stats: Mapping[str, ArmStats],
    labels: Mapping[str, str],
    *,
    title: str,
    percent: bool,
) -> str:
    """The chart as an SVG document."""
    curves = posterior_curves(stats, labels)
    x_format = ".2%" if percent else ",.3~g"
    chart = (
        alt.Chart(curves, title=title)
        .mark_area(opacity=0.35, line=True)
        .encode(
            x=alt.X("value:Q", title=title, axis=alt.Axis(format=x_format)),
            y=alt.Y(
                "density:Q",
                title="how likely",
                stack=None,
                axis=alt.Axis(labels=False, ticks=False),
            ),
            color=alt.Color("arm:N", title="Arm", sort=list(labels.values())),
        )
        .properties(width=520, height=220)
    )
    svg: str = vlc.vegalite_to_svg(chart.to_json())
    return svg
