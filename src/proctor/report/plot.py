"""Pictures of a comparison, drawn with matplotlib as standalone SVG text (pure: data in, text
out; the HTML report embeds the same text).

* :func:`context_tax_svg` (also :func:`comparison_svg`): per model, a group of bars with their
  intervals -- HumanEval pass@1, isolated pairs, repo-level pairs, real issues resolved, real
  issues that hold up -- and the context tax written under the model's name;
* :func:`reliability_svg`: the reliability diagram, accuracy against stated confidence per
  confidence bin (the diagonal is perfect calibration; a point's area is its bin's answers);
* :func:`risk_coverage_svg`: accuracy against coverage when only answers stated at or above
  each confidence are accepted;
* :func:`cutoff_split_svg`: each score after vs before the model's training cutoff.

The output is deterministic: matplotlib's SVG backend with a fixed ``svg.hashsalt``, no date
in the metadata, and text kept as text (``svg.fonttype`` none). The XML prologue is dropped,
so each picture starts with ``<svg`` and can be written to a file or inlined in HTML as it is.
An artist that stands for one datum carries an ``id`` (``bar-MODEL_INDEX-FIELD`` and the
like), so tests and the HTML report can find it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from proctor.files import write_atomic
from proctor.report.calibration import ReliabilityBin, RiskPoint
from proctor.report.compare import Comparison, ModelComparison
from proctor.report.fairness import CutoffSplit
from proctor.report.stats import Estimate

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

# matplotlib is imported where a picture is drawn, not with this module: it costs about 0.27 s,
# which every `proctor` command would pay at start-up for pictures only `compare` draws.

__all__ = [
    "BARS",
    "PLOT_FILES",
    "comparison_plots",
    "comparison_svg",
    "context_tax_svg",
    "cutoff_split_svg",
    "reliability_svg",
    "risk_coverage_svg",
    "write_plot",
]

BARS: tuple[tuple[str, str, str], ...] = (
    ("humaneval", "HumanEval pass@1", "#4c78a8"),
    ("isolated", "isolated pairs", "#72b7b2"),
    ("repo_level", "repo-level pairs", "#f58518"),
    ("issues_resolved", "real issues resolved", "#e45756"),
    ("issues_holds_up", "real issues, holds up", "#54a24b"),
)
"""(field of ModelComparison, legend label, colour) of each bar, in order."""

PLOT_FILES = ("reliability", "risk-coverage", "cutoff-split")
"""The pictures :func:`write_plot` writes beside the main one (``<name>.svg``)."""

SCORES = {
    "issues_resolved": "real issues resolved",
    "issues_holds_up": "real issues, holds up",
    "isolated": "isolated pairs",
    "repo_level": "repo-level pairs",
}
_COLOURS = ("#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#b279a2", "#9d755d")


def _patch(*, color: str, label: str) -> Patch:
    """A legend handle: a swatch of ``color`` named ``label``."""
    from matplotlib.patches import Patch

    return Patch(color=color, label=label)


@contextmanager
def _style() -> Iterator[None]:
    """Deterministic SVG (fixed hash salt for ids), text kept as text."""
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "proctor", "svg.fonttype": "none", "font.size": 9}):
        yield


@contextmanager
def _figure(width: float, height: float) -> Iterator[tuple[Figure, Axes]]:
    from matplotlib.figure import Figure

    with _style():
        fig = Figure(figsize=(width, height))
        yield fig, fig.subplots()


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    with _style():
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _pct(ax: Axes, label: str) -> None:
    ax.set_ylim(0, 105)
    ax.set_yticks([0, 25, 50, 75, 100])
    ax.set_ylabel(label)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def _no_data(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", color="#999999", transform=ax.transAxes)


def _interval(est: Estimate) -> list[list[float]]:
    return [[100 * (est.value - est.low)], [100 * (est.high - est.value)]]


def _tax_label(row: ModelComparison) -> str:
    tax = row.context_tax
    if tax is None:
        return "context tax n/a"
    return f"context tax {100 * tax.value:+.0f} pp [{100 * tax.low:+.0f}, {100 * tax.high:+.0f}]"


def context_tax_svg(comparison: Comparison) -> str:
    """The comparison's rates, a group of bars per model with 95% intervals; an unknown rate
    is written "n/a" in its place, a known 0 drawn as a sliver."""
    with _figure(2.4 + 2.6 * max(1, len(comparison.models)), 4.6) as (fig, ax):
        _context_tax(ax, comparison)
        fig.tight_layout()
        return _svg(fig)


def _context_tax(ax: Axes, comparison: Comparison) -> None:
    models = comparison.models
    width = 0.16
    for g, row in enumerate(models):
        for i, (field, _, colour) in enumerate(BARS):
            x = g + (i - (len(BARS) - 1) / 2) * width
            est: Estimate | None = getattr(row, field)
            if est is None:
                ax.text(x, 1, "n/a", ha="center", va="bottom", fontsize=7, color="#999999")
                continue
            bars = ax.bar(
                x,
                max(100 * est.value, 0.6),
                width,
                color=colour,
                yerr=_interval(est) if est.high > est.low else None,
                capsize=3,
                ecolor="#222222",
            )
            bars.patches[0].set_gid(f"bar-{g}-{field}")
            top = 100 * max(est.value, est.high)
            ax.text(x, top + 1.5, f"{100 * est.value:.0f}", ha="center", fontsize=7)
    ax.set_xticks(range(len(models)), [f"{r.model}\n{_tax_label(r)}" for r in models], fontsize=8)
    ax.set_xlim(-0.6, max(1, len(models)) - 0.4)
    _pct(ax, "share solved (95% CI)")
    if not models:
        _no_data(ax, "no models")
    handles = [_patch(color=colour, label=label) for _, label, colour in BARS]
    ax.legend(handles=handles, fontsize=7, ncol=3, loc="upper center", frameon=False)
    ax.set_ylim(0, 125)
    ax.set_title("How much of a HumanEval score survives in real code", loc="left")


comparison_svg = context_tax_svg
"""The main picture of a comparison (the name it had before the other pictures came)."""


def reliability_svg(series: Mapping[str, Sequence[ReliabilityBin]], missing: str = "") -> str:
    """Reliability diagram: per model (name -> its non-empty bins), accuracy against mean
    stated confidence; ``missing`` names what has no stated confidence (shown, not drawn)."""
    with _figure(5.2, 4.6) as (fig, ax):
        ax.plot([0, 100], [0, 100], color="#999999", linestyle="--", linewidth=0.8)
        drawn = 0
        for m, (model, bins) in enumerate(series.items()):
            if not bins:
                continue
            drawn += 1
            xs = [100 * b.confidence for b in bins]
            ys = [100 * b.accuracy for b in bins]
            colour = _COLOURS[m % len(_COLOURS)]
            ax.plot(xs, ys, color=colour, linewidth=1, label=model)
            points = ax.scatter(xs, ys, s=[12 + 8 * b.n for b in bins], color=colour, alpha=0.8)
            points.set_gid(f"reliability-{m}")
        ax.set_xlim(0, 100)
        ax.set_xlabel("stated confidence (%)")
        _pct(ax, "resolved (%)")
        if drawn:
            ax.legend(fontsize=7, loc="upper left", frameon=False)
        else:
            _no_data(ax, "no stated confidence")
        if missing:
            ax.text(0.99, 0.01, missing, ha="right", va="bottom", fontsize=7, color="#666666",
                    transform=ax.transAxes)  # fmt: skip
        ax.set_title("Reliability: does stated confidence match the outcome?", loc="left")
        fig.tight_layout()
        return _svg(fig)


def risk_coverage_svg(series: Mapping[str, Sequence[RiskPoint]], missing: str = "") -> str:
    """Risk-coverage: per model (name -> its points, highest threshold first), the accuracy
    of the answers accepted against the share accepted, one point per threshold."""
    with _figure(5.2, 4.6) as (fig, ax):
        drawn = 0
        for m, (model, points) in enumerate(series.items()):
            if not points:
                continue
            drawn += 1
            xs = [100 * p.coverage for p in points]
            ys = [100 * p.accuracy for p in points]
            line = ax.plot(xs, ys, marker="o", color=_COLOURS[m % len(_COLOURS)], label=model)
            line[0].set_gid(f"risk-coverage-{m}")
        ax.set_xlim(0, 100)
        ax.set_xlabel("answers accepted (coverage, %)")
        _pct(ax, "accepted answers resolved (%)")
        if drawn:
            ax.legend(fontsize=7, loc="upper right", frameon=False)
        else:
            _no_data(ax, "no stated confidence")
        if missing:
            ax.text(0.99, 0.01, missing, ha="right", va="bottom", fontsize=7, color="#666666",
                    transform=ax.transAxes)  # fmt: skip
        ax.set_title("Risk-coverage: accept only the confident answers", loc="left")
        fig.tight_layout()
        return _svg(fig)


def cutoff_split_svg(series: Mapping[str, Mapping[str, CutoffSplit]]) -> str:
    """Per model and score (model -> score -> split), the rate after and before the model's
    training cutoff with intervals; an unknown cutoff is written, not drawn."""
    groups = [(model, score) for model, splits in series.items() for score in splits]
    with _figure(2.4 + 1.5 * max(1, len(groups)), 4.6) as (fig, ax):
        width = 0.36
        for g, (model, score) in enumerate(groups):
            split = series[model][score]
            if split.cutoff is None:
                ax.text(g, 2, "cutoff\nunknown", ha="center", fontsize=7, color="#999999")
                continue
            for side, offset, colour in (("after", -0.5, "#4c78a8"), ("before", 0.5, "#bab0ac")):
                est: Estimate | None = getattr(split, side)
                x = g + offset * width
                if est is None:
                    ax.text(x, 1, "n/a", ha="center", fontsize=7, color="#999999")
                    continue
                bars = ax.bar(
                    x,
                    max(100 * est.value, 0.6),
                    width,
                    color=colour,
                    yerr=_interval(est) if est.high > est.low else None,
                    capsize=3,
                    ecolor="#222222",
                )
                bars.patches[0].set_gid(f"split-{g}-{side}")
        labels = [f"{model}\n{SCORES.get(score, score)}" for model, score in groups]
        ax.set_xticks(range(len(groups)), labels, fontsize=7)
        ax.set_xlim(-0.6, max(1, len(groups)) - 0.4)
        _pct(ax, "share (95% CI)")
        if not groups:
            _no_data(ax, "no dated tasks")
        handles = [
            _patch(color="#4c78a8", label="created after the cutoff"),
            _patch(color="#bab0ac", label="created on or before it"),
        ]
        ax.legend(handles=handles, fontsize=7, ncol=2, loc="upper center", frameon=False)
        ax.set_ylim(0, 125)
        ax.set_title("Scores split at each model's training cutoff", loc="left")
        fig.tight_layout()
        return _svg(fig)


def comparison_plots(comparison: Comparison) -> dict[str, str]:
    """The pictures of :data:`PLOT_FILES`, by name, from a comparison's figures."""
    cal = {m.model: m.calibration for m in comparison.models}
    missing = [m for m, c in cal.items() if c is None or not c.stated]
    note = f"n/a (no stated confidence): {', '.join(missing)}" if missing else ""
    return {
        "reliability": reliability_svg(
            {m: c.reliability for m, c in cal.items() if c is not None}, note
        ),
        "risk-coverage": risk_coverage_svg(
            {m: c.risk_coverage for m, c in cal.items() if c is not None}, note
        ),
        "cutoff-split": cutoff_split_svg({m.model: m.by_cutoff for m in comparison.models}),
    }


def write_plot(comparison: Comparison, path: Path) -> list[Path]:
    """Write the main picture to ``path`` (SVG) and as PNG beside it, and every picture of
    :func:`comparison_plots` as ``<name>.svg`` in the same folder. Returns the files written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, context_tax_svg(comparison))
    png = path.with_suffix(".png")
    _main_png(comparison, png)
    written = [path, png]
    for name, svg in comparison_plots(comparison).items():
        target = path.with_name(f"{name}.svg")
        write_atomic(target, svg)
        written.append(target)
    return written


def _main_png(comparison: Comparison, path: Path) -> None:
    """The main picture as PNG, for viewers without SVG."""
    with _figure(2.4 + 2.6 * max(1, len(comparison.models)), 4.6) as (fig, ax):
        _context_tax(ax, comparison)
        fig.tight_layout()
        fig.savefig(path, dpi=120, metadata={"Software": None})
