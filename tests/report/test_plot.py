"""The comparison plot: a well-formed SVG with one bar per known rate and its interval."""

from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path

from proctor.report.compare import Comparison, ModelComparison
from proctor.report.plot import BARS, comparison_svg, write_plot
from proctor.report.stats import paired_bootstrap_ci, rate_ci

NS = "{http://www.w3.org/2000/svg}"


def comparison() -> Comparison:
    strong = ModelComparison(
        model="a<b>&c",
        humaneval=rate_ci([1] * 70 + [0] * 30),
        isolated=rate_ci([1] * 8 + [0] * 4),
        repo_level=rate_ci([1] * 5 + [0] * 7),
        context_tax=paired_bootstrap_ci([1] * 8 + [0] * 4, [1] * 5 + [0] * 7),
        issues_resolved=rate_ci([1] * 3 + [0] * 10),
    )
    empty = ModelComparison(model="empty", humaneval=rate_ci([0] * 10))
    return Comparison(created_at=datetime.now(timezone.utc), models=[strong, empty])


def bars(svg: str) -> list[ET.Element]:
    colours = {colour for _, _, colour in BARS}
    root = ET.fromstring(svg)
    return [
        r
        for r in root.iter(f"{NS}rect")
        if r.get("fill") in colours and r.find(f"{NS}title") is not None
    ]


def test_svg_has_a_bar_per_known_rate() -> None:
    svg = comparison_svg(comparison())
    found = bars(svg)
    assert len(found) == 4 + 1  # the four known rates of the first model, one of the second
    heights = [float(r.get("height", 0)) for r in found]
    assert heights[0] > heights[1] > heights[2] > heights[3]  # 70% > 67% > 42% > 23%
    assert 0 < heights[-1] < 2  # empty: 0% on HumanEval, a sliver
    assert svg.count(">n/a<") == 1 + 4  # holds up of the first; four parts of the second


def test_svg_names_models_safely_and_shows_the_tax() -> None:
    svg = comparison_svg(comparison())
    texts = [t.text for t in ET.fromstring(svg).iter(f"{NS}text")]
    assert "a<b>&c" in texts and "empty" in texts
    assert any(t and t.startswith("context tax +25 pp") for t in texts)
    assert "context tax n/a" in texts
    assert all(label in texts for _, label, _ in BARS)  # the legend


def test_error_bars_span_the_interval() -> None:
    svg = comparison_svg(comparison())
    lines = list(ET.fromstring(svg).iter(f"{NS}line"))
    whiskers = [ln for ln in lines if ln.get("x1") == ln.get("x2")]
    assert len(whiskers) == 5  # intervals with width; 0% of ten on HumanEval included


def test_write_plot(tmp_path: Path) -> None:
    written = write_plot(comparison(), tmp_path / "sub" / "c.svg")
    assert written[0] == tmp_path / "sub" / "c.svg"
    ET.fromstring(written[0].read_text())
    has_matplotlib = importlib.util.find_spec("matplotlib") is not None
    assert (tmp_path / "sub" / "c.png").exists() == has_matplotlib
    assert len(written) == 1 + has_matplotlib


def test_no_models_still_draws() -> None:
    svg = comparison_svg(Comparison(created_at=datetime.now(timezone.utc), models=[]))
    assert ">no models<" in svg
    ET.fromstring(svg)
