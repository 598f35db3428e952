"""The one registry of runners: built-ins, a toy runner from an entry point, clear errors.

Also the conformance every runner owes the seam, and the README's "How to add a test runner",
which this toy registration follows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from proctor import testrun
from proctor.agent.toolset import Toolbox
from proctor.errors import ConfigError, GradingError
from proctor.grade.notfound import not_found_ids
from proctor.model import Problem
from proctor.model.llm import ToolCall
from proctor.sandbox.base import ExecResult
from proctor.spec import Environment
from proctor.testrun import RunnerFiles, RunOptions, Status, TestReport

README = Path(__file__).parents[2] / "README.md"


class ToyRunner:
    """A runner of one line per test: ``ok NAME`` / ``not ok NAME``."""

    name = "toy"
    default_command = ("toy-test",)
    files = RunnerFiles(
        hooks=frozenset({"toy.cfg"}),
        hook_suffixes=frozenset(),
        local_plugins=frozenset(),
        modules=frozenset({"toy"}),
        internals=r"__toy__",
        report="toy.txt",
    )

    def argv(
        self, command: Sequence[str], test_ids: Sequence[str], options: RunOptions = testrun.PLAIN
    ) -> list[str]:
        out = [f"--out={options.report}"] if options.report else []
        return [*command, *out, *options.extra, *test_ids]

    def parse(self, text: str) -> TestReport:
        cases = {}
        for line in text.splitlines():
            status, _, name = line.rpartition(" ")
            cases[name] = {"ok": Status.PASSED, "not ok": Status.FAILED}[status]
        return TestReport(cases=cases, ids={k: k for k in cases})

    def not_found(self, output: str, test_ids: Sequence[str]) -> list[str]:
        return [t for t in test_ids if f"no test {t}" in output]


@dataclass
class FakeEntryPoint:
    name: str
    value: str
    load: Callable[[], Any]
    group: str = testrun.ENTRY_POINT_GROUP


def _broken() -> Any:
    raise ImportError("no module named proctor_broken")


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Installs a package that registers ``toy`` (and a broken ``nope``); returns the groups
    the registry asked for."""
    asked: list[str] = []
    points = [
        FakeEntryPoint("toy", "tests.testrun.test_registry:ToyRunner", lambda: ToyRunner),
        FakeEntryPoint("nope", "proctor_broken:Runner", _broken),
        FakeEntryPoint("odd", "proctor_odd:RUNNER", lambda: object),
    ]

    def entry_points(*, group: str) -> list[FakeEntryPoint]:
        asked.append(group)
        return [p for p in points if p.group == group]

    monkeypatch.setattr("importlib.metadata.entry_points", entry_points)
    return asked


def test_built_ins_need_no_entry_point(toy: list[str]) -> None:
    assert isinstance(testrun.get_runner("pytest"), testrun.PytestRunner)
    assert isinstance(testrun.get_runner("vitest"), testrun.VitestRunner)
    assert toy == []


def test_a_toy_runner_registers_through_the_entry_point_group(toy: list[str]) -> None:
    runner = testrun.get_runner("toy")
    assert isinstance(runner, ToyRunner) and isinstance(runner, testrun.TestRunner)
    assert toy == ["proctor.runners"]
    assert testrun.available_runners() == ["nope", "odd", "pytest", "toy", "vitest"]


def test_unknown_and_broken_runners_say_so_in_one_line(toy: list[str]) -> None:
    with pytest.raises(ConfigError, match=re.escape("unknown runner 'nose' (available: nope,")):
        testrun.get_runner("nose")
    with pytest.raises(ConfigError, match="runner nope: cannot load proctor_broken:Runner"):
        testrun.get_runner("nope")
    with pytest.raises(ConfigError, match="does not implement proctor's TestRunner"):
        testrun.get_runner("odd")


def test_the_task_names_the_runner(toy: list[str]) -> None:
    env = Environment.model_validate({"runner": "toy"})
    assert env.test_cmd == [] and testrun.command_for(env) == ["toy-test"]
    assert testrun.command_for(Environment()) == ["python", "-m", "pytest"]
    given = Environment.model_validate({"runner": "toy", "test_cmd": ["toy-test", "-v"]})
    assert testrun.command_for(given) == ["toy-test", "-v"]
    with pytest.raises(ValueError, match="runner"):
        Environment.model_validate({"runner": "no runner"})


def test_the_toy_runner_serves_the_seam(toy: list[str], tmp_path: Path) -> None:
    assert not_found_ids("no test b\n", ["a", "b"], "toy") == ["b"]
    ran: list[list[str]] = []

    def exec_(argv: Sequence[str], timeout: float) -> ExecResult:
        ran.append(list(argv))
        return ExecResult(tuple(argv), 0, "ok a\n", "", 0.1)

    problem = Problem("t", "r", "s", tmp_path, tmp_path, exec_, runner="toy")
    Toolbox(problem).run(ToolCall("1", "run_tests", '{"args": ["a"]}'))
    Toolbox(replace(problem, test_cmd=("toy-test", "-x"))).run(ToolCall("2", "run_tests", "{}"))
    assert ran == [["toy-test", "a"], ["toy-test", "-x"]]
    out = Toolbox(replace(problem, runner="nose")).run(ToolCall("3", "run_tests", "{}"))
    assert out.startswith("error: unknown runner 'nose'")


@pytest.mark.parametrize("name", sorted(testrun.BUILT_IN))
def test_every_built_in_runner_keeps_the_contract(name: str, tmp_path: Path) -> None:
    runner = testrun.get_runner(name)
    assert isinstance(runner, testrun.TestRunner) and runner.name == name
    assert runner.files.report and re.compile(runner.files.internals)
    command = list(runner.default_command)
    assert runner.argv(command, [])[: len(command)] == command
    report = tmp_path / runner.files.report
    argv = runner.argv(command, [], RunOptions(report=report, per_test_timeout_s=3))
    assert any(str(report) in a for a in argv), "the report is written where asked"
    for garbage in ("", "not a report", "<html/>"):
        with pytest.raises(GradingError):
            runner.parse(garbage)
    assert runner.not_found("", ["x"]) == []


def test_the_readme_says_how_to_add_a_runner() -> None:
    text = README.read_text().split("**How to add a test runner.**", 1)[1]
    section = text.split("**How to add a sandbox backend.**")[0]
    assert "`proctor.testrun.TestRunner`" in section
    assert f'[project.entry-points."{testrun.ENTRY_POINT_GROUP}"]' in section
    assert "src/proctor/testrun/registry.py" in section
    members = {"name", "default_command", "files", "argv", "parse", "not_found"}
    assert {m for m in vars(testrun.TestRunner) if not m.startswith("_")} == members
    assert all(f"`{m}" in section for m in members)
