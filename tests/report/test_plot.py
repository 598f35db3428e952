"""The pictures: well-formed, deterministic SVG text with one artist per known datum."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timezone
from pathlib import Path

from proctor.report.calibration import Answer, calibration
from proctor.report.compare import Comparison, ModelComparison
from proctor.report.fairness import cutoff_split
from proctor.report.plot import (
    BARS,
    comparison_plots,
    comparison_svg,
    context_tax_svg,
    cutoff_split_svg,
    reliability_svg,
    risk_coverage_svg,
    write_plot,
)
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
        cutoff=date(2024, 6, 30),
        calibration=calibration(
            [Answer(True, 0.9), Answer(False, 0.9), Answer(False, 0.2), Answer(False)]
        ),
        by_cutoff={
            "issues_resolved": cutoff_split(
                [(date(2024, 1, 1), 1.0), (date(2024, 9, 1), 0.0)], date(2024, 6, 30)
            )
        },
    )
    empty = ModelComparison(model="empty", humaneval=rate_ci([0] * 10))
    return Comparison(created_at=datetime.now(timezone.utc), models=[strong, empty])


def ids(svg: str, prefix: str) -> list[str]:
    return re.findall(rf'<g id="({prefix}[^"]*)"', svg)


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{NS}text")]


def test_the_main_picture_has_a_bar_per_known_rate() -> None:
    svg = context_tax_svg(comparison())
    assert svg.startswith("<svg") and svg == comparison_svg(comparison())  # no XML prologue
    assert ids(svg, "bar-") == [
        "bar-0-humaneval",
        "bar-0-isolated",
        "bar-0-repo_level",
        "bar-0-issues_resolved",
        "bar-1-humaneval",
    ]
    found = texts(svg)
    assert found.count("n/a") == 1 + 4  # holds up of the first; four parts of the second
    assert {"70", "67", "42", "23", "0"} <= set(found)  # each known rate, written on its bar


def test_the_main_picture_names_models_safely_and_shows_the_tax() -> None:
    found = texts(context_tax_svg(comparison()))
    assert "a<b>&c" in found and "empty" in found
    assert any(t.startswith("context tax +25 pp") for t in found)
    assert "context tax n/a" in found
    assert all(label in found for _, label, _ in BARS)  # the legend


def test_pictures_are_deterministic() -> None:
    assert context_tax_svg(comparison()) == context_tax_svg(comparison())
    assert comparison_plots(comparison()) == comparison_plots(comparison())
    assert "<dc:date>" not in context_tax_svg(comparison())


def test_reliability_and_risk_coverage_draw_the_models_with_confidence() -> None:
    plots = comparison_plots(comparison())
    assert set(plots) == {"reliability", "risk-coverage", "cutoff-split"}
    assert ids(plots["reliability"], "reliability-") == ["reliability-0"]
    assert ids(plots["risk-coverage"], "risk-coverage-") == ["risk-coverage-0"]
    for name in ("reliability", "risk-coverage"):
        assert "n/a (no stated confidence): empty" in texts(plots[name])
    assert ids(plots["cutoff-split"], "split-") == ["split-0-after", "split-0-before"]


def test_nothing_to_draw_says_so() -> None:
    assert "no stated confidence" in texts(reliability_svg({}))
    assert "no stated confidence" in texts(risk_coverage_svg({"m": []}))
    assert "no dated tasks" in texts(cutoff_split_svg({}))
    unknown = cutoff_split_svg({"m": {"issues_resolved": cutoff_split([], None)}})
    assert "cutoff" in " ".join(texts(unknown)) and ids(unknown, "split-") == []
    empty = context_tax_svg(Comparison(created_at=datetime.now(timezone.utc), models=[]))
    assert "no models" in texts(empty)


def test_write_plot(tmp_path: Path) -> None:
    written = write_plot(comparison(), tmp_path / "sub" / "c.svg")
    folder = tmp_path / "sub"
    assert written == [
        folder / "c.svg",
        folder / "c.png",
        folder / "reliability.svg",
        folder / "risk-coverage.svg",
        folder / "cutoff-split.svg",
    ]
    for path in written:
        if path.suffix == ".svg":
            ET.fromstring(path.read_text())
    assert (folder / "c.png").read_bytes().startswith(b"\x89PNG")
