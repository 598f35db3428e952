"""The HTML report in real headless Chromium, on a run made at test time by a scripted model
whose patch, test output and task statements carry ``<script>`` and ``onerror=``.

One browser for the module; pages opened from ``file://`` (network off) and from ``proctor
view``."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import calc_task, make_calc_repo
from tests.fake_chat import ScriptedLLM
from tests.report.browser import browser, why_no_browser
from tests.report.conftest import write_results

from proctor.agent import OneShotAgent
from proctor.model import Problem, Submission
from proctor.report import (
    COMPARISON_FILE,
    ModelRuns,
    build_comparison,
    save_comparison,
    write_manifest,
    write_plot,
    write_report,
)
from proctor.run import AttemptContext, AttemptOptions, References, run_suite
from proctor.settings import Settings
from proctor.spec import Task, dump_task

NO_BROWSER = why_no_browser()
pytestmark = pytest.mark.skipif(NO_BROWSER is not None, reason=str(NO_BROWSER))

XSS = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
"""Markup that would run script if a page put it into the document as HTML."""
FIXED = "return sum(values) / len(values)"

ANSWER = f"""calc.py
<<<<<<< SEARCH
    return sum(values) / (len(values) + 1)
=======
    {FIXED}
>>>>>>> REPLACE

CONFIDENCE: 0.8
"""


def _edit(checkout: Path, new: str) -> None:
    path = checkout / "calc.py"
    path.write_text(path.read_text().replace("return sum(values) / (len(values) + 1)", new))


class Mixed:
    """A scripted model that does something different per task: fix, fix with markup in the
    patch, break with markup in the test output, nothing, and a one-shot conversation."""

    name = "scripted"

    def __init__(self) -> None:
        self.oneshot = OneShotAgent(ScriptedLLM([ANSWER]), None)

    def solve(self, problem: Problem) -> Submission:
        kind = problem.task_id.split("-", 1)[1]
        if kind == "fix":
            _edit(problem.checkout, FIXED)
        elif kind == "xss-patch":
            _edit(problem.checkout, f"{FIXED}  # {XSS}")
        elif kind == "xss-output":
            _edit(problem.checkout, f"return {XSS!r}")
        elif kind == "oneshot":
            return self.oneshot.solve(problem)
        return Submission()


KINDS = ("fix", "xss-patch", "xss-output", "empty", "oneshot")
EXPECTED = {
    "calc-fix": "resolved",
    "calc-xss-patch": "resolved",
    "calc-xss-output": "unresolved",
    "calc-empty": "unresolved",
    "calc-oneshot": "resolved",
}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, envs_dir: Path) -> Path:
    """A run folder of the scripted model on five tasks, and its report in ``report/``."""
    root = tmp_path_factory.mktemp("html")
    repo, base, fix = make_calc_repo(root / "calc")
    suite = root / "suite"
    suite.mkdir()
    tasks: list[Task] = []
    for kind in KINDS:
        task = calc_task(repo, base, fix, f"calc-{kind}")
        task = task.model_copy(update={"problem_statement": f"mean() is off by one. {XSS}"})
        (suite / f"{task.id}.yaml").write_text(dump_task(task))
        tasks.append(task)
    settings = Settings(
        repos_dir=root / "repos",
        cache_dir=envs_dir.parent / "cache",
        test_timeout_s=60,
        per_test_timeout_s=20,
    )
    refs = References(tasks, settings.repos_dir)
    ctx = AttemptContext(Mixed(), refs, AttemptOptions(settings))  # type: ignore[arg-type]
    run_dir = root / "run"
    results = run_suite(tasks, ctx, run_dir, suite=str(suite), jobs=2)
    assert {r.task_id: r.outcome.value for r in results} == EXPECTED
    write_report([run_dir], run_dir / "report", repos_dir=settings.repos_dir)
    return run_dir


@pytest.fixture(scope="module")
def launched() -> Iterator[Any]:
    manager = browser()
    try:
        chromium = manager.__enter__()
    except Exception as exc:  # the browser itself, not the report: say why and skip
        pytest.skip(f"chromium cannot start here: {str(exc).splitlines()[0]}")
    try:
        yield chromium
    finally:
        manager.__exit__(None, None, None)


@pytest.fixture
def chromium(launched: Any) -> Iterator[Any]:
    """A fresh context with the network off."""
    context = launched.new_context(offline=True, viewport={"width": 1300, "height": 900})
    yield context
    context.close()


class Opened:
    """A page and everything it logged or asked the network for."""

    def __init__(self, context: Any, allowed: str = "file://") -> None:
        self.page = context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("request", self._request)
        self.allowed = allowed

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(f"{message.type}: {message.text}")

    def _request(self, request: Any) -> None:
        if not request.url.startswith(self.allowed) and not request.url.startswith("data:"):
            self.requests.append(request.url)

    def goto(self, url: str) -> Any:
        self.page.goto(url)
        self.page.wait_for_selector("html[data-ready='1']", state="attached")
        return self.page

    def clean(self) -> None:
        """Nothing ran from the data, nothing was logged, nothing went to the network."""
        assert self.page.evaluate("window.__pwned") is None
        assert self.errors == []
        assert self.requests == []


def _ids(page: Any) -> list[str]:
    return page.locator("#tasks tbody tr").evaluate_all("rows => rows.map(r => r.dataset.id)")


def test_run_page_rows_counts_sort_and_filter(made: Path, chromium: Any) -> None:
    opened = Opened(chromium)
    page = opened.goto((made / "report" / "index.html").as_uri())
    assert sorted(_ids(page)) == sorted(EXPECTED)
    count = page.locator("#counts tr[data-outcome='resolved'] .count").inner_text()
    assert count == "3"
    assert page.locator("#counts tr[data-outcome='unresolved'] .count").inner_text() == "2"
    page.locator("#tasks th[data-key='id']").click()
    assert _ids(page) == sorted(EXPECTED)
    page.locator("#tasks th[data-key='id']").click()
    assert _ids(page) == sorted(EXPECTED, reverse=True)
    page.locator("#tasks th[data-key='f2p']").click()  # ascending: 0/2 before 2/2
    assert set(_ids(page)[:2]) == {"calc-xss-output", "calc-empty"}
    page.select_option("#outcome-filter", "unresolved")
    assert sorted(_ids(page)) == ["calc-empty", "calc-xss-output"]
    page.select_option("#outcome-filter", "")
    page.fill("#filter", "xss")
    assert sorted(_ids(page)) == ["calc-xss-output", "calc-xss-patch"]
    assert page.locator("#shown").inner_text() == "2 of 5 tasks"
    opened.clean()


def test_attempt_pages_show_markup_as_text(made: Path, chromium: Any) -> None:
    opened = Opened(chromium)
    attempts = made / "report" / "attempts"
    page = opened.goto((attempts / "calc-xss-patch.html").as_uri())
    assert XSS in page.locator("#statement").inner_text()
    model_diff = page.locator("div.diff[data-label='model']").inner_text()
    assert XSS in model_diff and "len(values)" in model_diff
    assert "len(values)" in page.locator("div.diff[data-label='reference']").inner_text()
    assert page.locator("img").count() == 0  # the <img onerror> stayed text
    opened.clean()

    page = opened.goto((attempts / "calc-xss-output.html").as_uri())
    failing = page.locator("#tests tr.fail details[open] pre").first.inner_text()
    assert "__pwned = 1" in failing
    assert page.locator("#tests tr.fail").count() == 2  # both F2P tests fail
    assert page.locator("script").count() == 1  # only the report's own script
    opened.clean()

    page = opened.goto((attempts / "calc-oneshot.html").as_uri())
    answers = page.locator("ol.messages li.m-assistant")
    assert answers.count() == 2  # the edit format's worked example (an earlier turn), the answer
    assert "CONFIDENCE: 0.8" in answers.last.inner_text()
    assert page.locator("table.steps").first.locator("tbody tr").count() == 1
    opened.clean()


def test_suite_page_lists_the_tasks(made: Path, chromium: Any) -> None:
    opened = Opened(chromium)
    page = opened.goto((made / "report" / "suite.html").as_uri())
    assert page.locator("#suite-tasks tbody tr").count() == len(KINDS)
    opened.clean()


def test_served_by_proctor_view(made: Path, launched: Any) -> None:
    online = launched.new_context()  # this one needs the loopback network
    try:
        view = subprocess.Popen(
            [sys.executable, "-m", "proctor", "view", str(made)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            assert view.stdout is not None
            url = view.stdout.readline().strip()
            assert re.fullmatch(r"http://127\.0\.0\.1:\d+/index\.html", url), url
            origin = url.rsplit("/", 1)[0]
            opened = Opened(online, allowed=origin)
            page = opened.goto(url)
            assert sorted(_ids(page)) == sorted(EXPECTED)
            page.locator("#tasks a", has_text="calc-xss-patch").click()
            page.wait_for_selector("html[data-ready='1']", state="attached")
            assert XSS in page.locator("#statement").inner_text()
            opened.clean()
        finally:
            view.terminate()
            view.wait(timeout=30)
    finally:
        online.close()


def _compare_dir(root: Path) -> Path:
    """A compare folder of two models (one named with markup), as ``proctor compare`` leaves
    it: model folders with ``runs.json``, ``comparison.json`` and the plot."""
    out = root / "compare"
    runs = []
    for name, issues in (("plain", ["resolved", "unresolved"]), (XSS, ["resolved", "resolved"])):
        folder = out / f"m{len(runs)}"
        model = ModelRuns(
            name,
            pairs=write_results(
                folder / "pairs", [("f-iso", "resolved"), ("f-repo", "unresolved")]
            ),
            issues=write_results(folder / "issues", list(zip(["i1", "i2"], issues, strict=True))),
        )
        write_manifest(folder, model)
        runs.append(model)
    comparison = build_comparison(runs)
    save_comparison(comparison, out / COMPARISON_FILE)
    write_plot(comparison, out / "comparison.svg")
    return out


def test_compare_page(tmp_path: Path, chromium: Any) -> None:
    source = _compare_dir(tmp_path)
    index = write_report([source], tmp_path / "site")
    opened = Opened(chromium)
    page = opened.goto(index.as_uri())
    assert page.locator("#comparison tbody tr").count() == 2
    assert XSS in page.locator("#comparison tbody tr").nth(1).inner_text()
    assert page.locator("img.plot").count() >= 1
    assert page.locator("img.plot").first.evaluate("img => img.naturalWidth") > 0
    agreement = page.locator("#agreement tbody tr")
    assert agreement.count() == 4  # two pairs tasks and two issues
    assert "issues: i2" in agreement.nth(1).inner_text()
    page.locator("a", has_text="plain · issues").click()
    page.wait_for_selector("html[data-ready='1']", state="attached")
    assert sorted(_ids(page)) == ["i1", "i2"]
    opened.clean()
