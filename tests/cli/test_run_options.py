"""`proctor run` options: --task, -k, --limit; the per-run SWE-bench report; the HTML report
written at the end, its path the last line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from proctor.cli.select import select_in_suites, select_tasks
from proctor.errors import ConfigError
from proctor.spec import Task, dump_task


def _suite(task: Task, folder: Path, ids: list[str]) -> Path:
    folder.mkdir()
    for i in ids:
        (folder / f"{i}.yaml").write_text(dump_task(task.model_copy(update={"id": i})))
    return folder


@pytest.fixture
def cli_env(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        **os.environ,
        "PROCTOR_CACHE_DIR": str(settings.cache_dir),
        "PROCTOR_REPOS_DIR": str(settings.repos_dir),
        "COLUMNS": "80",
    }


def _run(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "proctor", "run", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _done(run_dir: Path) -> list[str]:
    lines = (run_dir / "results.jsonl").read_text().splitlines()
    return sorted(json.loads(x)["task_id"] for x in lines)


def test_select_tasks_by_id_pattern_and_limit(calc) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    tasks = [task.model_copy(update={"id": i}) for i in ("a-1", "a-2", "b-1", "b-2")]
    assert [t.id for t in select_tasks(tasks, ["b-2", "a-1"])] == ["a-1", "b-2"]
    assert [t.id for t in select_tasks(tasks, pattern="b-")] == ["b-1", "b-2"]
    assert [t.id for t in select_tasks(tasks, pattern="*-2")] == ["a-2", "b-2"]
    assert [t.id for t in select_tasks(tasks, pattern="-", limit=3)] == ["a-1", "a-2", "b-1"]
    with pytest.raises(ConfigError, match=r"unknown task id 'a-3'.*did you mean .*a-1"):
        select_tasks(tasks, ["a-3"])
    with pytest.raises(ConfigError, match="matches no task"):
        select_tasks(tasks, pattern="zzz")


def test_select_in_suites_chooses_from_all_and_limits_each(calc) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    one, two = Path("one"), Path("two")
    suites = {
        one: [task.model_copy(update={"id": i}) for i in ("a-1", "a-2", "a-3")],
        two: [task.model_copy(update={"id": i}) for i in ("b-1", "b-2")],
    }

    def ids(chosen: dict[Path, list[Task]]) -> dict[Path, list[str]]:
        return {path: [t.id for t in tasks] for path, tasks in chosen.items()}

    assert ids(select_in_suites(suites, ["b-2", "a-1"])) == {one: ["a-1"], two: ["b-2"]}
    assert ids(select_in_suites(suites, limit=2)) == {one: ["a-1", "a-2"], two: ["b-1", "b-2"]}
    assert ids(select_in_suites(suites, pattern="b-", limit=1)) == {two: ["b-1"]}  # one left out
    with pytest.raises(ConfigError, match="unknown task id 'c-1'"):
        select_in_suites(suites, ["a-1", "c-1"])
    with pytest.raises(ConfigError, match="matches no task"):
        select_in_suites(suites, pattern="zzz")


def test_run_only_the_chosen_tasks(calc, tmp_path, cli_env) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    suite = _suite(task, tmp_path / "suite", ["calc-a1", "calc-a2", "calc-b1"])
    base = ("--suite", str(suite), "--model", "gold")
    got = _run(*base, "--out", "one", "--task", "calc-b1", cwd=tmp_path, env=cli_env)
    assert got.returncode == 0, got.stdout + got.stderr
    assert _done(tmp_path / "one") == ["calc-b1"]
    report = tmp_path / "one" / "report" / "index.html"
    assert got.stdout.strip().splitlines()[-1] == f"report: {Path('one') / 'report' / 'index.html'}"
    assert (
        report.is_file() and (tmp_path / "one" / "report" / "attempts" / "calc-b1.html").is_file()
    )
    swe = json.loads((tmp_path / "one" / "gold.one.json").read_text())
    assert swe["resolved_ids"] == ["calc-b1"] and swe["total_instances"] == 1

    got = _run(*base, "--out", "two", "-k", "calc-a*", "--limit", "1", cwd=tmp_path, env=cli_env)
    assert got.returncode == 0, got.stdout + got.stderr
    assert _done(tmp_path / "two") == ["calc-a1"]


def test_unknown_task_id_is_one_line(calc, tmp_path, cli_env) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    suite = _suite(task, tmp_path / "suite", ["calc-a1"])
    got = _run(
        "--suite", str(suite), "--model", "gold", "--task", "calc-zz", cwd=tmp_path, env=cli_env
    )
    assert got.returncode != 0
    assert got.stderr.strip().count("\n") == 0, got.stderr
    assert "unknown task id 'calc-zz'" in got.stderr
    assert "Traceback" not in got.stdout + got.stderr
    assert not (tmp_path / "runs").exists()


def test_empty_model_fills_the_empty_patch_ids(calc, tmp_path, cli_env) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    suite = _suite(task, tmp_path / "suite", ["calc-a1"])
    got = _run("--suite", str(suite), "--model", "empty", "--out", "e", cwd=tmp_path, env=cli_env)
    assert got.returncode == 0, got.stdout + got.stderr
    swe = json.loads((tmp_path / "e" / "empty.e.json").read_text())
    assert swe["empty_patch_ids"] == ["calc-a1"] and swe["unresolved_ids"] == []
    assert swe["proctor_outcomes"] == {"calc-a1": "unresolved"}


def test_ctrl_c_says_what_was_kept_in_one_line(calc, tmp_path, cli_env) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    suite = _suite(task, tmp_path / "suite", [f"calc-{i}" for i in range(6)])
    run = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "proctor",
            "run",
            "--suite",
            str(suite),
            "--model",
            "gold",
            "--out",
            "out",
        ],
        cwd=tmp_path,
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert run.stdout is not None
    for line in run.stdout:
        if line.startswith("calc-0: "):
            break
    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 130, err
    kept = len((tmp_path / "out" / "results.jsonl").read_text().splitlines())
    assert err.strip().count("\n") == 0, err
    assert f"interrupted: {kept} finished attempt(s) kept in out/results.jsonl" in err
    assert "--out out` resumes" in err
