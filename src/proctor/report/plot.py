"""One picture of a comparison: per model, a group of bars with their 95% intervals.

The bars are HumanEval pass@1, isolated pairs, repo-level pairs, real issues resolved and
real issues that hold up; the context tax is written under each model's name.
:func:`comparison_svg` writes the SVG by hand (no plotting dependency);
:func:`write_plot` also draws a PNG when matplotlib happens to be installed.
"""

from __future__ import annotations

import importlib
import importlib.util
from html import escape
from pathlib import Path
from typing import Any

from proctor.report.compare import Comparison, ModelComparison
from proctor.report.stats import Estimate

__all__ = ["BARS", "comparison_svg", "write_plot"]

BARS: tuple[tuple[str, str, str], ...] = (
    ("humaneval", "HumanEval pass@1", "#4c78a8"),
    ("isolated", "isolated pairs", "#72b7b2"),
    ("repo_level", "repo-level pairs", "#f58518"),
    ("issues_resolved", "real issues resolved", "#e45756"),
    ("issues_holds_up", "real issues, holds up", "#54a24b"),
)
"""(field of ModelComparison, legend label, colour) of each bar, in order."""

_BAR, _GAP, _GROUP_GAP = 30, 4, 48
_LEFT, _RIGHT, _TOP, _PLOT_H, _BOTTOM = 64, 24, 92, 280, 70
_FONT = "font-family='DejaVu Sans, Helvetica, Arial, sans-serif'"


def _group_width() -> int:
    return len(BARS) * _BAR + (len(BARS) - 1) * _GAP


def _y(value: float) -> float:
    """The SVG y of a rate in 0..1 (clamped)."""
    return _TOP + _PLOT_H * (1 - min(1.0, max(0.0, value)))


def _text(
    x: float, y: float, text: str, *, size: int = 11, anchor: str = "middle", **kw: str
) -> str:
    extra = "".join(f" {k.replace('_', '-')}='{v}'" for k, v in kw.items())
    return (
        f"<text x='{x:.1f}' y='{y:.1f}' font-size='{size}' text-anchor='{anchor}' "
        f"{_FONT}{extra}>{escape(text)}</text>"
    )


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, width: float) -> str:
    return (
        f"<line x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' "
        f"stroke='{colour}' stroke-width='{width}'/>"
    )


def _axes(width: int) -> list[str]:
    parts = []
    for tick in (0, 25, 50, 75, 100):
        y = _y(tick / 100)
        colour = "#333" if tick == 0 else "#ddd"
        parts.append(_line(_LEFT, y, width - _RIGHT, y, colour, 1.0))
        parts.append(_text(_LEFT - 6, y + 4, f"{tick}%", size=10, anchor="end", fill="#555"))
    mid = _TOP + _PLOT_H / 2
    parts.append(
        f"<text x='16' y='{mid:.1f}' font-size='11' text-anchor='middle' {_FONT} "
        f"transform='rotate(-90 16 {mid:.1f})' fill='#333'>share solved (95% CI)</text>"
    )
    return parts


def _legend(width: int) -> list[str]:
    parts, x, y = [], float(_LEFT), 56.0
    for _, label, colour in BARS:
        step = 16 + 6.8 * len(label) + 14  # about DejaVu Sans' width at 11 px
        if x + step > width - _RIGHT:
            x, y = float(_LEFT), y + 18
        parts.append(f"<rect x='{x:.1f}' y='{y - 10:.1f}' width='12' height='12' fill='{colour}'/>")
        parts.append(_text(x + 16, y, label, size=11, anchor="start", fill="#333"))
        x += step
    return parts


def _bar(x: float, est: Estimate | None, colour: str) -> list[str]:
    centre = x + _BAR / 2
    if est is None:
        return [_text(centre, _y(0) - 4, "n/a", size=9, fill="#999")]
    top = min(_y(est.value), _y(0) - 1.5)  # a sliver shows a 0 that is known
    parts = [
        f"<rect x='{x:.1f}' y='{top:.1f}' width='{_BAR}' height='{_y(0) - top:.1f}' "
        f"fill='{colour}'><title>{escape(_describe(est))}</title></rect>"
    ]
    low, high = _y(est.low), _y(est.high)
    if high < low:  # an interval with width: whisker and caps
        parts.append(_line(centre, low, centre, high, "#222", 1.2))
        for y in (low, high):
            parts.append(_line(centre - 5, y, centre + 5, y, "#222", 1.2))
    parts.append(_text(centre, min(top, high) - 5, f"{100 * est.value:.0f}", size=10, fill="#222"))
    return parts


def _describe(est: Estimate) -> str:
    return f"{100 * est.value:.1f}% [{100 * est.low:.1f}, {100 * est.high:.1f}], n={est.n}"


def _group(x: float, row: ModelComparison) -> list[str]:
    parts: list[str] = []
    for i, (field, _, colour) in enumerate(BARS):
        parts += _bar(x + i * (_BAR + _GAP), getattr(row, field), colour)
    centre = x + _group_width() / 2
    base = _y(0)
    parts.append(_text(centre, base + 20, row.model, size=12, font_weight="bold", fill="#111"))
    tax = row.context_tax
    label = (
        "context tax n/a"
        if tax is None
        else (
            f"context tax {100 * tax.value:+.0f} pp [{100 * tax.low:+.0f}, {100 * tax.high:+.0f}]"
        )
    )
    parts.append(_text(centre, base + 38, label, size=10, fill="#555"))
    return parts


def comparison_svg(comparison: Comparison) -> str:
    """The comparison as a standalone SVG document."""
    groups = max(1, len(comparison.models))
    width = _LEFT + _RIGHT + groups * _group_width() + (groups + 1) * _GROUP_GAP
    width = max(width, 560)
    height = _TOP + _PLOT_H + _BOTTOM
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}'>",
        f"<rect width='{width}' height='{height}' fill='white'/>",
        _text(
            _LEFT,
            26,
            "How much of a HumanEval score survives in real code",
            size=15,
            anchor="start",
            font_weight="bold",
            fill="#111",
        ),
        *_legend(width),
        *_axes(width),
    ]
    for i, row in enumerate(comparison.models):
        parts += _group(_LEFT + _GROUP_GAP + i * (_group_width() + _GROUP_GAP), row)
    if not comparison.models:
        parts.append(_text(width / 2, _TOP + _PLOT_H / 2, "no models", size=12, fill="#999"))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_plot(comparison: Comparison, path: Path) -> list[Path]:
    """Write ``path`` (SVG) and, when matplotlib is installed, the same plot as PNG next to it.

    Returns the files written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(comparison_svg(comparison), encoding="utf-8")
    written = [path]
    if importlib.util.find_spec("matplotlib") is not None:
        png = path.with_suffix(".png")
        _matplotlib_png(comparison, png)
        written.append(png)
    return written


def _matplotlib_png(comparison: Comparison, path: Path) -> None:
    """The same bars drawn by matplotlib (an optional dependency, imported only here)."""
    matplotlib: Any = importlib.import_module("matplotlib")
    matplotlib.use("Agg")
    plt: Any = importlib.import_module("matplotlib.pyplot")
    fig, ax = plt.subplots(figsize=(2 + 2.4 * max(1, len(comparison.models)), 4.5))
    width = 0.16
    for i, (field, label, colour) in enumerate(BARS):
        xs: list[float] = []
        values: list[float] = []
        errors: list[list[float]] = [[], []]
        for g, row in enumerate(comparison.models):
            est: Estimate | None = getattr(row, field)
            if est is None:
                continue
            xs.append(g + (i - (len(BARS) - 1) / 2) * width)
            values.append(100 * est.value)
            errors[0].append(100 * (est.value - est.low))
            errors[1].append(100 * (est.high - est.value))
        ax.bar(xs, values, width, yerr=errors, capsize=3, color=colour, label=label)
    ax.set_xticks(range(len(comparison.models)), [r.model for r in comparison.models])
    ax.set_ylim(0, 105)
    ax.set_ylabel("share solved (95% CI)")
    ax.legend(fontsize=8, ncol=3, loc="upper center", bbox_to_anchor=(0.5, 1.18))
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
