"""Mining the built repository end to end: which commits become tasks, and why the rest not.

Builds a real environment (pytest from the package index, uv's cache makes repeats quick) and
runs every test in the sandbox.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
from tests.mine.conftest import CALC, TEST_CALC, History, git
from typer.testing import CliRunner

from proctor.cli.mine import mine as mine_command
from proctor.errors import ModelError
from proctor.mine import REPORT_NAME, MineEntry, MineOptions, MineResult, ReportLog, mine
from proctor.mine.verify import local_sandbox
from proctor.run.validate import validate_suite
from proctor.sandbox import Mounts
from proctor.sandbox.base import Limits, Sandbox
from proctor.settings import Settings
from proctor.spec import Difficulty, Task, load_suite

pytestmark = pytest.mark.slow

LEAKY = "mean is wrong; write `return sum(values) / len(values)` instead"


def describe(message: str, diff: str) -> str:
    """A stand-in model: leaks for one commit, fails for another, writes an issue otherwise."""
    if message.startswith("mean() is off"):
        return LEAKY
    if message == "wip":
        raise ModelError("the model is down")
    return f"Something is wrong: {message.splitlines()[0]}. Please look into it."


class Counting:
    """A sandbox factory that counts the sandboxes it makes."""

    def __init__(self) -> None:
        self.made = 0

    def __call__(self, mounts: Mounts, limits: Limits, backend: str) -> Sandbox:
        self.made += 1
        return local_sandbox(mounts, limits, backend)


@pytest.fixture(scope="module")
def mined(
    history: Any, mine_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> tuple[MineResult, Path, Counting]:
    out = tmp_path_factory.mktemp("suite")
    counting = Counting()
    result = mine(
        str(history.path),
        out,
        MineOptions(),
        mine_settings,
        describe=describe,
        describe_name="fake",
        jobs=2,
        make_sandbox=counting,
    )
    return result, out, counting


def test_exactly_the_good_commits_are_kept_with_the_right_reasons(
    mined: tuple[MineResult, Path, Counting], history: Any
) -> None:
    result, _, _ = mined
    by_sha = {e.sha: e for e in result.entries}
    got = {
        name: (by_sha[sha].status, by_sha[sha].reason)
        for name, sha in history.shas.items()
        if sha in by_sha
    }
    assert got == {
        "root": ("dropped", "root commit"),
        "good": ("kept", ""),
        "test_only": ("dropped", "no source change"),
        "source_only": ("dropped", "no test change"),
        "docs_only": ("dropped", "docs or changelog only"),
        "still_failing": ("dropped", "tests fail after the fix: tests/test_mul.py::test_mul"),
        "no_f2p": ("dropped", "no FAIL_TO_PASS test"),
        "flaky": ("kept", ""),
        "merge": ("kept", ""),
        "thin": ("dropped", "commit message too thin for a statement"),
    }
    assert history.shas["branch"] not in by_sha  # off the first-parent line


def test_kept_tasks_have_exact_tests(
    mined: tuple[MineResult, Path, Counting], history: Any
) -> None:
    _, out, _ = mined
    tasks = {t.reference.commit: t for t in load_suite(out)}
    assert set(tasks) == {history.shas[n] for n in ("good", "flaky", "merge")}
    good = tasks[history.shas["good"]]
    assert good.id == f"calcpkg-{history.shas['good'][:7]}"
    assert good.base_commit == history.shas["root"]
    assert good.repo == str(history.path)
    assert good.hidden_tests.files == ["tests/test_calc.py"]
    assert good.hidden_tests.fail_to_pass == ["tests/test_calc.py::test_mean"]
    assert good.hidden_tests.pass_to_pass == ["tests/test_calc.py::test_add"]
    assert good.created_at.isoformat() == "2024-01-03T00:00:00+00:00"
    assert good.difficulty == Difficulty(files=1, hunks=1, lines=2)
    flaky = tasks[history.shas["flaky"]]
    assert flaky.hidden_tests.fail_to_pass == ["tests/test_calc.py::test_mean_empty"]
    assert flaky.hidden_tests.pass_to_pass == [
        f"tests/test_calc.py::{name}"
        for name in ("test_add", "test_add_negative", "test_add_zero", "test_mean")
    ]
    merge = tasks[history.shas["merge"]]
    assert merge.base_commit == history.shas["flaky"]  # the merge's first parent
    assert merge.hidden_tests.fail_to_pass == [
        "tests/test_div.py::test_div",
        "tests/test_div.py::test_div_zero",
    ]


def test_statements_fall_back_from_a_leaking_model_to_the_message(
    mined: tuple[MineResult, Path, Counting], history: Any
) -> None:
    result, out, _ = mined
    tasks = {t.reference.commit: t for t in load_suite(out)}
    by_sha = {e.sha: e for e in result.entries}
    good = history.shas["good"]
    assert tasks[good].problem_statement == (
        "mean() is off for every list\n\nmean([1, 2, 3]) returns 1.5, I expected 2.\n"
    )
    assert by_sha[good].statement_source == "commit message"
    assert any("model fake" in n and "quotes the fix" in n for n in by_sha[good].notes)
    flaky = history.shas["flaky"]
    assert by_sha[flaky].statement_source == "model fake"
    assert tasks[flaky].problem_statement.startswith("Something is wrong: mean() of an empty")
    assert by_sha[flaky].flaky == ["tests/test_flaky.py::test_sometimes"]
    assert any("the model is down" in n for n in by_sha[history.shas["thin"]].notes)


def test_a_rerun_does_no_work(
    mined: tuple[MineResult, Path, Counting], history: Any, mine_settings: Settings
) -> None:
    result, out, counting = mined
    assert counting.made > 0
    lines = (out / REPORT_NAME).read_text().splitlines()
    again = Counting()
    rerun = mine(str(history.path), out, MineOptions(), mine_settings, make_sandbox=again)
    assert again.made == 0 and rerun.new == []
    assert (out / REPORT_NAME).read_text().splitlines() == lines
    assert {e.sha: e.status for e in rerun.entries} == {e.sha: e.status for e in result.entries}


def test_the_cli_reports_and_resumes(
    mined: tuple[MineResult, Path, Counting], history: Any, mine_settings: Settings
) -> None:
    _, out, _ = mined
    app = typer.Typer()
    app.command()(mine_command)
    lines = (out / REPORT_NAME).read_text().splitlines()
    res = CliRunner().invoke(
        app,
        [str(history.path), "--out", str(out), "--repos-dir", str(mine_settings.repos_dir)],
        env={"PROCTOR_CACHE_DIR": str(mine_settings.cache_dir)},
    )
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "3 task(s)" in text and "examined 0 commit(s)" in text
    assert (out / REPORT_NAME).read_text().splitlines() == lines


def test_the_cli_rejects_a_bad_option_in_one_line(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(mine_command)
    res = CliRunner().invoke(app, [str(tmp_path), "--out", str(tmp_path), "--python", "two"])
    assert res.exit_code == 1
    assert "--python" in res.output and "Traceback" not in res.output


def test_an_environment_that_cannot_build_is_an_error_retried_later(
    history: Any, mine_settings: Settings, tmp_path: Path
) -> None:
    opts = MineOptions(python="3.99", max_candidates=2)  # the thin commit, then the merge
    first = mine(str(history.path), tmp_path, opts, mine_settings)
    [error] = [e for e in first.new if e.status == "error"]
    assert error.sha == history.shas["merge"]
    assert error.status == "error" and "environment" in error.reason
    again = mine(str(history.path), tmp_path, opts, mine_settings)
    assert [e.sha for e in again.new] == [error.sha]  # tried again, not skipped


def test_describe_with_an_unknown_model_is_one_line(history: Any, tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(mine_command)
    args = [str(history.path), "--out", str(tmp_path), "--describe-with", "nope"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 1 and res.output.count("\n") == 1 and "nope" in res.output


def test_a_killed_run_resumes_after_its_truncated_line(
    mined: tuple[MineResult, Path, Counting],
    history: Any,
    mine_settings: Settings,
    tmp_path: Path,
) -> None:
    _, out, _ = mined
    lines = (out / REPORT_NAME).read_text().splitlines(keepends=True)
    verified = [i for i, line in enumerate(lines) if '"stage":"verify"' in line]
    copy = tmp_path / "suite"
    copy.mkdir()
    # Killed while writing the last verified entry: half a line, no newline.
    cut = verified[-1]
    (copy / REPORT_NAME).write_text("".join(lines[:cut]) + lines[cut][:40])
    again = Counting()
    rerun = mine(str(history.path), copy, MineOptions(), mine_settings, make_sandbox=again)
    assert [e.sha for e in rerun.new] == [ReportLog(out / REPORT_NAME).load()[cut].sha]
    assert len(ReportLog(copy / REPORT_NAME).load()) == len(lines)


def test_mined_tasks_validate(
    mined: tuple[MineResult, Path, Counting], mine_settings: Settings, tmp_path: Path
) -> None:
    _, out, _ = mined
    checks = validate_suite(load_suite(out), mine_settings, tmp_path, jobs=2)
    assert [c.problems for c in checks] == [[], [], []]


def mine_one_fix(
    settings: Settings, tmp_path: Path, first: dict[str, str], fix: dict[str, str]
) -> tuple[MineEntry, list[Task]]:
    """Mine a repository of two commits: the calculator plus ``first``, then the fix of
    ``mean`` and its test plus ``fix``; the fix's entry and the tasks written."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "--initial-branch=main")
    h = History(root)
    files = {"pkg/__init__.py": "", "pkg/calc.py": CALC, "tests/test_calc.py": TEST_CALC}
    h.commit("root", "Initial import", {**files, **first})
    fixed = {
        "pkg/calc.py": CALC.replace("(len(values) + 1)", "len(values)"),
        "tests/test_calc.py": TEST_CALC + "\n\ndef test_mean():\n    assert mean([1, 2, 3]) == 2\n",
    }
    message = "mean() is off for every list\n\nmean([1, 2, 3]) returns 1.5, I expected 2."
    h.commit("fix", message, {**fixed, **fix})
    out = tmp_path / "suite"
    result = mine(str(root), out, MineOptions(), settings, describe=describe, describe_name="x")
    (entry,) = [e for e in result.entries if e.sha == h.shas["fix"]]
    return entry, load_suite(out)


LINT_PLUGIN = """import pytest


class LintItem(pytest.Item):
    def runtest(self):
        pass


class LintFile(pytest.File):
    def collect(self):
        yield LintItem.from_parent(self, name="lint")
        yield LintItem.from_parent(self, name="lint::format")  # as pytest-ruff names its own


def pytest_collect_file(file_path, parent):
    if file_path.name.startswith("test_"):
        return LintFile.from_parent(parent, path=file_path)
"""


def test_a_test_id_no_run_can_select_is_left_out_and_the_task_still_grades(
    mine_settings: Settings, tmp_path: Path
) -> None:
    entry, (task,) = mine_one_fix(mine_settings, tmp_path, {"conftest.py": LINT_PLUGIN}, {})
    assert (entry.status, entry.reason) == ("kept", "")
    assert "left out, does not pass when run by id: tests/test_calc.py::lint::format" in entry.notes
    assert task.hidden_tests.fail_to_pass == ["tests/test_calc.py::test_mean"]
    assert task.hidden_tests.pass_to_pass == [
        "tests/test_calc.py::lint",
        "tests/test_calc.py::test_add",
    ]
    checks = validate_suite([task], mine_settings, tmp_path / "validate", jobs=1)
    assert [c.problems for c in checks] == [[]]


CLOCK_TESTS = """import datetime
import time

import pytest


@pytest.mark.parametrize("stamp", [time.time_ns()])
def test_now(stamp):
    assert stamp > 0


@pytest.mark.parametrize("day", [datetime.date.today().isoformat()])
def test_today(day):
    assert day
"""


def test_test_ids_made_from_the_clock_are_left_out_not_a_broken_fix(
    mine_settings: Settings, tmp_path: Path
) -> None:
    clock = {"tests/test_clock.py": CLOCK_TESTS}
    more = {"tests/test_clock.py": CLOCK_TESTS + "\n\ndef test_clock_module_loads():\n    pass\n"}
    entry, (task,) = mine_one_fix(mine_settings, tmp_path, clock, more)
    assert (entry.status, entry.reason) == ("kept", "")
    assert len(entry.flaky) == 5  # test_now: a new id each of 4 runs; test_today: one
    assert task.hidden_tests.fail_to_pass == ["tests/test_calc.py::test_mean"]
    assert task.hidden_tests.pass_to_pass == [
        "tests/test_calc.py::test_add",
        "tests/test_clock.py::test_clock_module_loads",
    ]
    checks = validate_suite([task], mine_settings, tmp_path / "validate", jobs=1)
    assert [c.problems for c in checks] == [[]]


def test_a_changed_test_file_that_does_not_load_is_left_out_not_the_fix(
    mine_settings: Settings, tmp_path: Path
) -> None:
    later = {
        "tests/test_later.py": "import a_module_no_environment_has\n\n\ndef test_x():\n    pass\n"
    }
    entry, (task,) = mine_one_fix(mine_settings, tmp_path, {}, later)
    assert (entry.status, entry.reason) == ("kept", "")
    assert "left out, does not load after the fix: tests/test_later.py" in entry.notes
    assert task.hidden_tests.fail_to_pass == ["tests/test_calc.py::test_mean"]
