"""One vocabulary across commands: ``--suite PATH``, ``--out DIR``, ``-j/--jobs N``; global
``--version``, ``-q`` and ``-v``; help with examples and no Python types; and today's old
spellings still working, hidden, each with a one-line note."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import typer
from tests.cli.test_grade_cli import FIX
from tests.cli.test_run_cli import write_suite
from typer.core import TyperGroup
from typer.testing import CliRunner, Result

from proctor.cli import common
from proctor.cli import humaneval as humaneval_cli
from proctor.cli.app import app
from proctor.settings import Settings
from proctor.spec import Task

OLD_SPELLINGS = ("--run-dir", "--work-dir", "--workers", "--pairs", "--issues")
PYTHON_TYPES = re.compile(
    r"<class|Optional\[|Union\[|NoneType|typing\.|pathlib|\w\[\w+\]"
    r"|<(str|int|float|bool|path|file|directory|list|tuple|dict)\b"
)


@pytest.fixture(autouse=True)
def _output_restored() -> Iterator[None]:
    """-q and -v set process-wide state; put it back for the tests that follow."""
    level = common.log.level
    yield
    common.chatter.quiet = False
    common.log.setLevel(level)


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROCTOR_CACHE_DIR", str(settings.cache_dir))
    monkeypatch.setenv("PROCTOR_REPOS_DIR", str(settings.repos_dir))
    monkeypatch.setenv("COLUMNS", "200")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def commands(group: TyperGroup, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in group.commands.items():
        if isinstance(command, TyperGroup):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name)


EVERY_COMMAND = sorted(commands(typer.main.get_group(app)))


def test_every_command_is_covered() -> None:
    assert len(EVERY_COMMAND) == 24, EVERY_COMMAND
    assert ("run",) in EVERY_COMMAND and ("tasks", "import-swebench") in EVERY_COMMAND
    assert ("tasks", "strength") in EVERY_COMMAND
    assert ("repos", "fetch") in EVERY_COMMAND


@pytest.mark.parametrize("command", [(), *EVERY_COMMAND], ids=" ".join)
def test_help_has_examples_and_no_python_types_or_old_spellings(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    text = result.output
    assert PYTHON_TYPES.search(text) is None, text
    assert not [old for old in OLD_SPELLINGS if old in text], text
    if command:  # the top level lists the commands instead
        assert "\n  Examples:\n\n      proctor " in text, text


def test_top_level_help_lists_the_global_options() -> None:
    text = invoke("--help").output
    for option in ("-q, --quiet", "-v, --verbose", "--version"):
        assert option in text


def test_version_is_the_installed_package() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output == f"proctor {version('proctor')}\n"


def test_quiet_keeps_only_the_final_tables(
    calc: tuple[Task, Path], tmp_path: Path, env: None
) -> None:
    suite = write_suite(calc[0], tmp_path / "suite", 1)
    args = ("run", "--suite", str(suite), "--model", "gold", "--out")
    loud = invoke(*args, str(tmp_path / "loud"))
    assert loud.exit_code == 0, loud.output
    assert "calc-0: resolved" in loud.stdout  # the line printed as the attempt ends
    quiet = invoke("-q", *args, str(tmp_path / "quiet"))
    assert quiet.exit_code == 0, quiet.output
    assert "calc-0: resolved" not in quiet.stdout
    assert "1 (100%)" in quiet.stdout and "results: " in quiet.stdout  # table and summary
    assert (tmp_path / "quiet" / "results.jsonl").exists()


def test_verbose_logs_proctor_at_info_on_stderr() -> None:
    args = ("humaneval", "--model", "nope", "--sandbox", "none")
    plain = invoke(*args)
    assert plain.exit_code == 1
    assert "INFO" not in plain.stderr
    verbose = invoke("-v", *args)
    assert verbose.exit_code == 1
    assert "INFO proctor: sandbox none, repositories " in verbose.stderr, verbose.output
    assert "error: unknown model 'nope'" in verbose.stderr


def test_quiet_and_verbose_together_is_one_line() -> None:
    result = invoke("-q", "-v", "tasks", "schema")
    assert result.exit_code == 1
    assert result.output == "error: give -q or -v, not both\n"


# --- the old spellings: each works, says its new spelling in one line, and is hidden -----


def note_of(result: Result) -> str:
    """The note line on stderr (exactly one)."""
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1, result.output
    return notes[0]


def test_run_dir_is_out(calc: tuple[Task, Path], tmp_path: Path, env: None) -> None:
    suite = write_suite(calc[0], tmp_path / "suite", 1)
    out = tmp_path / "old"
    result = invoke("run", "--suite", str(suite), "--model", "gold", "--run-dir", str(out))
    assert result.exit_code == 0, result.output
    assert note_of(result) == "note: --run-dir is now --out"
    assert json.loads((out / "results.jsonl").read_text())["outcome"] == "resolved"


def test_run_dir_and_out_together_is_one_line(tmp_path: Path) -> None:
    result = invoke("run", "--out", str(tmp_path / "a"), "--run-dir", str(tmp_path / "b"))
    assert result.exit_code == 1
    assert result.output == "error: give --out or --run-dir, not both\n"
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_grade_run_dir_is_out(calc: tuple[Task, Path], tmp_path: Path, env: None) -> None:
    suite = write_suite(calc[0], tmp_path / "suite", 1)
    patch, out = tmp_path / "fix.patch", tmp_path / "old"
    patch.write_text(FIX)
    args = ("grade", "--suite", str(suite), "--task", "calc-0", "--patch", str(patch))
    result = invoke(*args, "--run-dir", str(out))
    assert result.exit_code == 0, result.output
    assert note_of(result) == "note: --run-dir is now --out"
    assert json.loads((out / "results.jsonl").read_text())["outcome"] == "resolved"


def test_validate_work_dir_is_out(calc: tuple[Task, Path], tmp_path: Path, env: None) -> None:
    suite = write_suite(calc[0], tmp_path / "suite", 1)
    out = tmp_path / "old"
    result = invoke("validate", "--suite", str(suite), "--work-dir", str(out))
    assert result.exit_code == 0, result.output
    assert note_of(result) == "note: --work-dir is now --out"
    assert (out / "gold-0" / "calc-0" / "junit.xml").exists()  # the attempts, kept where asked
    assert (out / "empty" / "calc-0" / "junit.xml").exists()


def test_validate_takes_the_suite_as_an_argument(tmp_path: Path, env: None) -> None:
    (tmp_path / "suite").mkdir()
    (tmp_path / "suite" / "bad.yaml").write_text("id: x\n")
    result = invoke("validate", str(tmp_path / "suite"))
    assert result.exit_code == 1
    assert note_of(result) == f"note: give the suite as --suite {tmp_path / 'suite'}"
    assert "bad.yaml: repo: Field required" in result.stderr  # that suite was read


@pytest.mark.parametrize(
    "command", [("validate",), ("tasks", "validate"), ("env", "build"), ("env", "lock")]
)
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("SUITE", "--suite", "SUITE"), "give the suite once, as --suite PATH (not also as "),
        (("SUITE", "other"), "unexpected arguments: "),
    ],
    ids=["argument and option", "two arguments"],
)
def test_a_suite_given_twice_is_one_line(
    command: tuple[str, ...], args: tuple[str, ...], message: str, tmp_path: Path
) -> None:
    given = [str(tmp_path) if a == "SUITE" else a for a in args]
    result = invoke(*command, *given)
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {message}"), result.output
    assert result.output.count("\n") == 1


def test_tasks_validate_takes_the_suite_as_an_argument() -> None:
    shipped = Path(__file__).parents[2] / "tasks" / "core"
    result = CliRunner().invoke(app, ["tasks", "validate", str(shipped)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert note_of(result) == f"note: give the suite as --suite {shipped}"
    assert "13 task file(s) valid" in result.stdout


def test_env_build_takes_the_suite_as_an_argument(
    calc: tuple[Task, Path], tmp_path: Path, env: None
) -> None:
    suite = write_suite(calc[0], tmp_path / "suite", 2)
    result = invoke("env", "build", str(suite))
    assert result.exit_code == 0, result.output
    assert note_of(result) == f"note: give the suite as --suite {suite}"
    assert result.stdout.endswith("1 environment(s) ready\n")


def test_humaneval_workers_is_jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sizes: list[int | None] = []
    real = humaneval_cli.Executor

    def spy(workers: int | None, **kwargs: Any) -> Any:
        sizes.append(workers)
        return real(workers, **kwargs)

    monkeypatch.setattr(humaneval_cli, "Executor", spy)
    out = tmp_path / "he"
    args = ("humaneval", "--model", "canonical", "--subset", "1", "--out", str(out))
    result = invoke(*args, "--workers", "2")
    assert result.exit_code == 0, result.output
    assert note_of(result) == "note: --workers is now --jobs"
    assert json.loads((out / "result.json").read_text())["pass_at_k"] == {"pass@1": 1.0}
    assert invoke(*args, "-j", "3").exit_code == 0
    assert sizes == [2, 3]


def test_compare_pairs_and_issues_are_suites(
    suites: tuple[Path, Path], tmp_path: Path, env: None
) -> None:
    pairs, issues = suites
    out = tmp_path / "cmp"
    args = ("compare", "--model", "gold", "--humaneval-subset", "0", "--out", str(out))
    result = invoke(*args, "--issues", str(issues), "--pairs", str(pairs))
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
    assert notes == ["note: --pairs is now --suite", "note: --issues is now --suite"]
    manifest = json.loads((out / "gold" / "runs.json").read_text())
    assert (manifest["pairs"], manifest["issues"]) == ("pairs-calc", "issues")


def test_quiet_silences_the_notes(tmp_path: Path) -> None:
    result = invoke("-q", "tasks", "validate", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr == f"error: {tmp_path}: no task files (*.yaml) found\n"


def test_the_note_helper_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert common.renamed(None, Path("x"), "--out", "--run-dir") == Path("x")
    assert common.renamed(Path("y"), None, "--out", "--run-dir") == Path("y")
    assert capsys.readouterr().err == "note: --run-dir is now --out\n"
    with pytest.raises(typer.Exit):
        common.renamed(Path("y"), Path("x"), "--out", "--run-dir")
