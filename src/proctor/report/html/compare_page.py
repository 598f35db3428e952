"""The compare page: ``proctor compare``'s table with intervals, its plots, who solved what."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from proctor.errors import ConfigError
from proctor.report.compare import (
    COMPARISON_FILE,
    ModelComparison,
    load_comparison,
    read_manifests,
)
from proctor.report.html.load import read_run, read_text
from proctor.report.html.render import render_page, svg_data_uri
from proctor.report.html.run_page import write_run
from proctor.report.stats import Estimate

MAX_SVG = 5_000_000
PARTS = ("pairs", "issues")
"""The parts of a comparison that are run folders of tasks (HumanEval has no attempt pages)."""


def is_compare_dir(path: Path) -> bool:
    """Whether ``path`` holds a comparison written by ``proctor compare``."""
    return (path / COMPARISON_FILE).is_file()


def _estimate(est: Estimate | None, *, points: bool = False) -> dict[str, Any] | None:
    if est is None:
        return None
    scale = 100.0
    return {
        "value": scale * est.value,
        "low": scale * est.low,
        "high": scale * est.high,
        "n": est.n,
        "unit": "pts" if points else "%",
        "significant": points and (est.low > 0 or est.high < 0),
    }


def _model_row(row: ModelComparison) -> dict[str, Any]:
    return {
        "model": row.model,
        "cells": [
            _estimate(row.humaneval),
            _estimate(row.isolated),
            _estimate(row.repo_level),
            _estimate(row.context_tax, points=True),
            _estimate(row.issues_resolved),
            _estimate(row.issues_holds_up),
        ],
        "pairs": row.pairs,
        "excluded": row.excluded,
    }


def plots(folder: Path) -> list[dict[str, str]]:
    """Every SVG plot ``proctor compare`` wrote in ``folder``, as ``data:`` URIs for ``<img>``
    (an image never runs script, whatever text the SVG holds)."""
    found = []
    for path in sorted(folder.glob("*.svg")):
        text = read_text(path, limit=MAX_SVG)
        if text:
            found.append({"name": path.name, "src": svg_data_uri(text)})
    return found


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", text).strip("._") or "model"


def write_compare(
    source: Path, dest: Path, *, root: str, here: str, repos_dir: Path | None
) -> Path:
    """Write the compare page of ``source`` to ``dest/index.html``, and a run page (with its
    attempt pages) for each model's pairs and issues run under ``dest/runs/``; ``root`` is
    the way from ``dest`` to the report's top folder, ``here`` the way back.

    Raises:
        ConfigError: ``source`` holds no readable comparison.
    """
    comparison = load_comparison(source / COMPARISON_FILE)
    problems: list[str] = []
    try:
        manifests = read_manifests([source])
    except ConfigError as exc:
        manifests, problems = [], [str(exc)]
    links: list[dict[str, str]] = []
    solved: dict[str, dict[str, str]] = {}
    models = [m.model for m in comparison.models]
    for runs in manifests:
        for part in PARTS:
            folder = getattr(runs, part)
            if folder is None or not folder.is_dir():
                continue
            try:
                run = read_run(folder)
            except ConfigError as exc:
                problems.append(str(exc))
                continue
            problems += [f"{runs.model} {part}: {p}" for p in run.problems]
            sub = Path("runs") / f"{_slug(runs.model)}-{part}"
            nav = [("comparison", f"{here}index.html")]
            write_run(run, dest / sub, root=root + "../../", repos_dir=repos_dir, nav=nav)
            links.append(
                {
                    "model": runs.model,
                    "part": part,
                    "href": f"{sub}/index.html",
                    "n": str(len(run.results)),
                }
            )
            for r in run.results:
                solved.setdefault(f"{part}: {r.task_id}", {})[runs.model] = r.outcome.value
    agreement = [
        {
            "task": task,
            "cells": [by.get(m, "") for m in models],
            "solved": sum(by.get(m) == "resolved" for m in models),
        }
        for task, by in sorted(solved.items())
    ]
    every = sum(a["solved"] == len(models) for a in agreement)
    none = sum(a["solved"] == 0 for a in agreement)
    return render_page(
        "compare.html",
        dest / "index.html",
        root=root,
        title="comparison",
        nav=[],
        comparison=comparison,
        columns=[
            "HumanEval",
            "isolated",
            "repo-level",
            "context tax",
            "issues resolved",
            "issues holds up",
        ],
        rows=[_model_row(m) for m in comparison.models],
        plots=plots(source),
        links=links,
        models=models,
        agreement=agreement,
        solved_by_all=every,
        solved_by_none=none,
        problems=problems,
        source=str(source),
    )
