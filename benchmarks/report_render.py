"""Time the HTML report's run page for a 1,000-attempt run in headless Chromium.

A run folder of ``--attempts`` synthesised results (every outcome, notes, quality findings, a
patch, a test log and, for a third of them, a conversation) is written to a temporary folder;
``proctor.report.write_report`` turns it into the site (timed apart); then Debian's chromium
(``/usr/bin/chromium``, driven by Playwright, a fresh profile, network off) opens the run page
from ``file://`` ``--repeat`` times, each in a new browser context.

Measured per open: from ``page.goto`` to the page's script having drawn the table (the
``report-ready`` performance mark, in ms from navigation start, and the wall time seen from
Python), then the time to sort by a column and to filter by text. The table is paged (100 rows
in the DOM), so it stays usable however many attempts there are.

Run from the repository root:

    PYTHONPATH=. .venv/bin/python benchmarks/report_render.py [--attempts 1000] [--repeat 5]

Prints the medians and the ratio to the 2 s limit.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.report.browser import browser as chromium

from proctor.grade import CheckResult, Finding, QualityReport
from proctor.report import write_report
from proctor.run import AttemptResult, Outcome

LIMIT_S = 2.0
PATCH = "".join(
    f"diff --git a/pkg/mod{i}.py b/pkg/mod{i}.py\n--- a/pkg/mod{i}.py\n+++ b/pkg/mod{i}.py\n"
    f"@@ -10,6 +10,7 @@ def f{i}(x):\n     a = 1\n     b = 2\n-    return x\n+    if x is None:\n"
    f"+        return a\n+    return x + b\n     # end\n"
    for i in range(4)
)
LOG = "tests/test_mod.py::test_case PASSED\n" * 150


def _quality(rng: random.Random) -> QualityReport:
    findings = [
        Finding(check="lint", kind="new", path="pkg/mod0.py", line=13, message="E501 line too long")
        for _ in range(rng.randint(0, 2))
    ]
    checks = {n: CheckResult(name=n, ok=True) for n in ("format", "conventions", "hygiene")}
    return QualityReport(
        lint=CheckResult(name="lint", ok=not findings, findings=findings),
        security=CheckResult(name="security", ok=True),
        **checks,
    )


def synthesise(run_dir: Path, attempts: int, seed: int = 0) -> None:
    """A run folder of ``attempts`` results with their attempt folders."""
    rng = random.Random(seed)
    outcomes = list(Outcome)
    weights = [40, 35, 10, 8, 5, 2]
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    lines = []
    run_dir.mkdir(parents=True)
    for i in range(attempts):
        outcome = rng.choices(outcomes, weights)[0]
        seconds = round(rng.uniform(2, 90), 2)
        result = AttemptResult(
            task_id=f"repo{i % 15}-{i:05x}{rng.randrange(16**6):06x}",
            model="synthetic",
            outcome=outcome,
            resolved=outcome is Outcome.RESOLVED,
            holds_up=outcome is Outcome.RESOLVED and rng.random() < 0.7,
            f2p_passed=rng.randint(0, 3),
            f2p_total=3,
            p2p_passed=rng.randint(30, 60),
            p2p_total=60,
            message="" if outcome is Outcome.RESOLVED else f"note {i}: " + "why " * 20,
            durations={"total": seconds},
            started_at=start + timedelta(seconds=i * 10),
            finished_at=start + timedelta(seconds=i * 10 + seconds),
            sandbox="bwrap",
            model_status="submitted",
            confidence=round(rng.random(), 2),
            quality=_quality(rng),
        )
        folder = run_dir / result.key.folder
        (folder / "model").mkdir(parents=True)
        (folder / "model.patch").write_text(PATCH)
        (folder / "tests.log").write_text(LOG)
        if i % 3 == 0:
            usage = {"calls": 1, "prompt_tokens": 5000, "completion_tokens": 400, "cost_usd": 0.01}
            messages = [
                {"role": "user", "content": "fix it"},
                {"role": "assistant", "content": "ok"},
            ]
            (folder / "model" / "conversation.json").write_text(
                json.dumps({"agent": "oneshot", "usage": usage, "steps": [], "messages": messages})
            )
        lines.append(result.model_dump_json())
    (run_dir / "results.jsonl").write_text("\n".join(lines) + "\n")
    (run_dir / "run.json").write_text(json.dumps({"model": "synthetic", "suite": "synthetic"}))


def measure(index: Path, repeat: int) -> dict[str, list[float]]:
    """Open the run page ``repeat`` times; seconds to ready, to sort, to filter."""
    got: dict[str, list[float]] = {"mark": [], "wall": [], "sort": [], "filter": [], "rows": []}
    with chromium() as browser:
        for _ in range(repeat):
            context = browser.new_context(offline=True, viewport={"width": 1300, "height": 900})
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            t0 = time.perf_counter()
            page.goto(index.as_uri())
            page.wait_for_selector("html[data-ready='1']", state="attached")
            got["wall"].append(time.perf_counter() - t0)
            mark = page.evaluate("performance.getEntriesByName('report-ready')[0].startTime")
            got["mark"].append(mark / 1000)
            got["rows"].append(page.locator("#tasks tbody tr").count())
            t0 = time.perf_counter()
            page.locator("#tasks th[data-key='seconds']").click()
            page.locator("#tasks tbody tr").first.wait_for()
            got["sort"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            page.fill("#filter", "repo3-")
            page.wait_for_function(
                "!document.getElementById('shown').textContent.startsWith('1000 ')"
            )
            got["filter"].append(time.perf_counter() - t0)
            assert not errors, errors
            context.close()
    return got


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp) / "run"
        synthesise(run_dir, args.attempts)
        t0 = time.perf_counter()
        index = write_report([run_dir], run_dir / "report")
        build = time.perf_counter() - t0
        size = (index.stat().st_size) / 1e6
        got = measure(index, args.repeat)
    median = {k: statistics.median(v) for k, v in got.items()}
    print(
        f"attempts: {args.attempts}; run page {size:.2f} MB; write_report {build:.1f} s "
        f"({args.attempts} attempt pages)"
    )
    print(f"rows in the DOM: {median['rows']:.0f} (paged)")
    print(
        f"ready (performance mark, from navigation start): {median['mark']:.3f} s median "
        f"of {args.repeat}; {median['mark'] / LIMIT_S:.2f} of the {LIMIT_S:.0f} s limit"
    )
    print(
        f"ready (wall, from page.goto): {median['wall']:.3f} s; "
        f"{median['wall'] / LIMIT_S:.2f} of the limit"
    )
    print(f"sort by seconds: {median['sort']:.3f} s; filter by text: {median['filter']:.3f} s")


if __name__ == "__main__":
    main()
