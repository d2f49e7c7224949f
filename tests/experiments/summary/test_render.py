"""Rendering: the three formats print the same numbers; HTML is escaped; chart and logo are embedded."""

from __future__ import annotations

import base64
import html as html_lib
import re
import zlib
from datetime import date
from pathlib import Path

import pytest

from experiments.stats.frame import read_arms
from experiments.stats.models import ProportionStats
from experiments.summary import Branding, build_summary, report
from experiments.summary.chart import posterior_curves, posterior_svg
from experiments.summary.content import pct, signed_pct
from experiments.summary.render import render, render_html, render_markdown
from optimizer.errors import InputError
from tests.experiments.summary.test_content import evaluation_for

TODAY = date(2026, 3, 13)
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def html_escape(text: str) -> str:
    return html_lib.escape(text, quote=False)


def _numbers(summary_arm: object) -> list[str]:
    a = summary_arm
    return [
        signed_pct(a.lift),  # type: ignore[attr-defined]
        signed_pct(a.lift_low),  # type: ignore[attr-defined]
        signed_pct(a.lift_high),  # type: ignore[attr-defined]
        pct(a.chance_to_beat_control),  # type: ignore[attr-defined]
        pct(a.prob_best),  # type: ignore[attr-defined]
    ]


def test_markdown_and_html_print_every_arms_numbers() -> None:
    evaluation = evaluation_for((0.020, 0.0235, 0.020))
    summary = build_summary(evaluation, Branding("Acme"), "USD", generated_on=TODAY)
    md = render_markdown(summary)
    html = render_html(summary)
    for text, escape in ((md, str), (html, html_escape)):
        assert escape(summary.verdict) in text
        for arm in summary.arms:
            assert f"{arm.impressions:,}" in text
            if arm.lift is not None:
                for number in _numbers(arm):
                    assert escape(number) in text, number
        assert "999.90 USD" in text  # 30 arm-days x 33.33, exact
    assert md.count("\n| ") == 1 + len(summary.arms)  # header and one row per arm


def test_html_escapes_user_text_and_embeds_logo_and_chart(tmp_path: Path) -> None:
    evaluation = evaluation_for(
        (0.020, 0.023), arms="SHOP_NOW:<script>alert(1)</script>,SHOP_NOW:city"
    )
    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG_1PX)
    summary = build_summary(evaluation, Branding("A&B <Ads>", logo), "USD", generated_on=TODAY)
    stats = read_arms(evaluation.metric_frame, "proportion")
    html = render_html(summary, stats)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "A&amp;B &lt;Ads&gt;" in html
    assert "data:image/png;base64," + base64.b64encode(PNG_1PX).decode() in html
    svg = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert svg is not None and "<svg" in base64.b64decode(svg.group(1)).decode()


def test_missing_logo_is_an_input_error(tmp_path: Path) -> None:
    evaluation = evaluation_for((0.02, 0.023), arms="SHOP_NOW:a,SHOP_NOW:b")
    summary = build_summary(
        evaluation, Branding("Acme", tmp_path / "nope.png"), "USD", generated_on=TODAY
    )
    with pytest.raises(InputError, match="agency_logo"):
        render_html(summary)
    with pytest.raises(InputError, match="format"):
        render(summary, "docx")


def _pdf_objects(pdf: bytes) -> bytes:
    """The PDF with its deflated streams (pages, outline) inflated, to search in."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"".join(parts)


def test_pdf_has_the_reports_sections_and_the_chart() -> None:
    evaluation = evaluation_for((0.020, 0.0235, 0.020))
    pdf = report(evaluation, "pdf", branding=Branding("Acme"), currency="USD", generated_on=TODAY)
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF-")
    objects = _pdf_objects(pdf)
    assert b"/Type /Page" in objects
    for heading in (
        b"Summer CTA test",
        b"The arms",
        b"What to do next",
        b"Things to keep in mind",
        b"Where each arm",
    ):
        assert b"/Title (" + heading in objects, heading  # the outline follows the headings
    assert b"/XObject" in objects  # the posterior chart is drawn in


def test_posterior_curves_are_the_beta_densities() -> None:
    stats = {"a": ProportionStats(10_000, 200), "b": ProportionStats(10_000, 260)}
    curves = posterior_curves(stats, {"a": "A", "b": "B"}, points=400)
    assert set(curves["arm"]) == {"A", "B"}
    for label, (n, c) in {"A": (10_000, 200), "B": (10_000, 260)}.items():
        one = curves[curves["arm"] == label]
        grid, density = one["value"].to_numpy(), one["density"].to_numpy()
        area = float(((density[1:] + density[:-1]) / 2 * (grid[1:] - grid[:-1])).sum())
        assert area == pytest.approx(1.0, abs=1e-3)  # a density over the grid
        assert grid[density.argmax()] == pytest.approx(c / n, abs=2 * (grid[1] - grid[0]))
    svg = posterior_svg(stats, {"a": "Shop Now", "b": "Learn More"}, title="CTR", percent=True)
    assert svg.startswith("<svg") and "Shop Now" in svg and "Learn More" in svg
