"""``write_report``: run folders (and compare folders) to a static site in one folder."""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from proctor.errors import ConfigError
from proctor.report.html.compare_page import is_compare_dir, write_compare
from proctor.report.html.load import read_run
from proctor.report.html.render import copy_static, render_page
from proctor.report.html.run_page import SuiteFound, find_suite, write_run
from proctor.report.html.suite_page import write_suite

REPORT_DIR = "report"
"""The report's folder inside a run folder (where ``proctor run`` writes it)."""
INDEX = "index.html"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", text).strip("._") or "run"


def _fresh(out: Path) -> None:
    """Empty ``out`` of an earlier report (only what a report writes there)."""
    for name in ("attempts", "static", "runs"):
        shutil.rmtree(out / name, ignore_errors=True)


def write_report(sources: Sequence[Path], out: Path, *, repos_dir: Path | None = None) -> Path:
    """Write the HTML report of ``sources`` into ``out``; returns its first page.

    One run folder gives its run page as ``out/index.html``, an attempt page per attempt and
    a suite page; a compare folder (``comparison.json``) gives the compare page; several give
    an index linking each.

    Raises:
        ConfigError: a source is neither a run folder nor a compare folder (one line).
    """
    if not sources:
        raise ConfigError("no run folder given")
    for source in sources:
        if not is_compare_dir(source):
            read_run(source)  # one line for a folder that holds no run, before writing
    if any((out / name).exists() for name in ("results.jsonl", "run.json", "comparison.json")):
        raise ConfigError(f"{out}: holds a run; write the report into a folder of its own")
    out.mkdir(parents=True, exist_ok=True)
    _fresh(out)
    copy_static(out)
    if len(sources) == 1:
        source = sources[0]
        if is_compare_dir(source):
            return write_compare(source, out, root="", here="", repos_dir=repos_dir)
        return _one_run(source, out, root="", here="", repos_dir=repos_dir, nav=[])
    entries = []
    for i, source in enumerate(sources):
        here = f"runs/{i + 1}-{_slug(source.resolve().name)}/"
        if is_compare_dir(source):
            write_compare(source, out / here, root="../../", here=here, repos_dir=repos_dir)
            entries.append((str(source), "comparison", here + INDEX))
            continue
        nav = [("all runs", INDEX)]
        _one_run(source, out / here, root="../../", here=here, repos_dir=repos_dir, nav=nav)
        run = read_run(source)
        entries.append((str(source), f"{run.model}: {len(run.results)} attempts", here + INDEX))
    return render_page("index.html", out / INDEX, root="", title="runs", nav=[], entries=entries)


def _one_run(
    source: Path,
    dest: Path,
    *,
    root: str,
    here: str,
    repos_dir: Path | None,
    nav: list[tuple[str, str]],
) -> Path:
    run = read_run(source)
    suite = find_suite(run)
    links = [*nav]
    if suite.tasks:
        tasks = list(suite.tasks.values())
        write_suite(tasks, dest / "suite.html", root=root, suite=run.suite, nav=nav, back=INDEX)
        links.append(("suite", f"{here}suite.html"))
    return write_run(run, dest, root=root, repos_dir=repos_dir, suite=suite, nav=links)


__all__ = ["INDEX", "REPORT_DIR", "SuiteFound", "write_report"]
