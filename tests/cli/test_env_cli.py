"""`proctor env lock`: one resolution per distinct input, a sorted lock, failures named."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from proctor.cli import env as env_cli
from proctor.cli.app import app
from proctor.errors import EnvironmentBuildError
from proctor.spec import LOCK_FILE, Environment, load_suite, read_lock

runner = CliRunner()
TASK: dict[str, object] = {
    "repo": "https://github.com/example/demo",
    "base_commit": "a" * 40,
    "created_at": "2024-05-01T12:00:00Z",
    "problem_statement": "f(2) is 5.",
    "reference": {"commit": "b" * 40},
    "hidden_tests": {"files": ["t.py"], "fail_to_pass": ["t.py::test_f"]},
}


def make_suite(tmp_path: Path, packages: dict[str, list[str]]) -> Path:
    folder = tmp_path / "suite"
    folder.mkdir(exist_ok=True)
    for tid, pkgs in packages.items():
        data = {**TASK, "id": tid, "environment": {"packages": pkgs}}
        (folder / f"{tid}.yaml").write_text(yaml.safe_dump(data))
    return folder


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every resolution asked for; a package named 'broken' fails like uv does."""
    seen: list[str] = []

    def fake(env: Environment, label: str, as_of: datetime) -> list[str]:
        seen.append(label)
        if "broken" in env.packages:
            raise EnvironmentBuildError(f"environment {label}: step 'lock' failed: No solution")
        return sorted([*(f"{p}==1.0" for p in env.packages), "pytest==8.0"])

    monkeypatch.setattr(env_cli, "resolve_pins", fake)
    return seen


def test_lock_writes_one_entry_per_task_resolving_each_input_once(
    tmp_path: Path, calls: list[str]
) -> None:
    folder = make_suite(tmp_path, {"b-task": ["six"], "a-task": ["six"], "c-task": ["attrs"]})
    res = runner.invoke(app, ["env", "lock", "--suite", str(folder)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert calls == ["a-task", "c-task"]  # b-task has a-task's inputs
    text = (folder / LOCK_FILE).read_text()
    assert text.index("a-task") < text.index("b-task") < text.index("c-task")
    lock = read_lock(folder / LOCK_FILE)
    assert lock.tasks["c-task"].resolved == ["attrs==1.0", "pytest==8.0"]
    assert "a-task: 2 pins as of 2024-05-01T12:00:00Z" in res.output
    tasks = {t.id: t for t in load_suite(folder)}
    assert tasks["a-task"].env_key == tasks["b-task"].env_key != tasks["c-task"].env_key
    # Stale after a change, until locked again.
    make_suite(tmp_path, {"c-task": ["attrs", "six"]})
    res = runner.invoke(app, ["env", "build", "--suite", str(folder)], env={"COLUMNS": "300"})
    assert res.exit_code == 1
    assert f"{folder / LOCK_FILE}: c-task: stale: run `proctor env lock --suite" in res.output
    assert runner.invoke(app, ["env", "lock", "--suite", str(folder)]).exit_code == 0
    assert load_suite(folder)[2].environment.lock is not None


def test_a_failure_names_the_task_and_the_rest_are_locked(tmp_path: Path, calls: list[str]) -> None:
    folder = make_suite(tmp_path, {"bad": ["broken"], "good": ["six"]})
    res = runner.invoke(app, ["env", "lock", "--suite", str(folder)], env={"COLUMNS": "300"})
    assert res.exit_code == 1
    assert "bad: environment bad: step 'lock' failed: No solution" in res.output
    assert "1 of 2 task(s) could not be locked" in res.output
    assert list(read_lock(folder / LOCK_FILE).tasks) == ["good"]


def test_locking_one_task_file_keeps_its_neighbours(tmp_path: Path, calls: list[str]) -> None:
    folder = make_suite(tmp_path, {"one": ["six"], "two": ["attrs"]})
    assert runner.invoke(app, ["env", "lock", "--suite", str(folder)]).exit_code == 0
    make_suite(tmp_path, {"one": ["six", "attrs"]})
    res = runner.invoke(app, ["env", "lock", "--suite", str(folder / "one.yaml")])
    assert res.exit_code == 0, res.output
    lock = read_lock(folder / LOCK_FILE)
    assert list(lock.tasks) == ["one", "two"]
    assert "attrs==1.0" in lock.tasks["one"].resolved


def test_a_suite_of_subfolders_is_locked_folder_by_folder(tmp_path: Path, calls: list[str]) -> None:
    root = tmp_path / "root"
    root.mkdir()
    for name, packages in (
        ("a", {"a-one": ["six"]}),
        ("b", {"b-one": ["six"], "b-two": ["attrs"]}),
    ):
        (tmp_path / name).mkdir()
        make_suite(tmp_path / name, packages).rename(root / name)
    res = runner.invoke(app, ["env", "lock", "--suite", str(root)], env={"COLUMNS": "300"})
    assert res.exit_code == 0, res.output
    assert f"3 task(s) locked in 2 locks under {root}" in res.output
    assert calls == ["a-one", "b-two"]  # b-one has a-one's inputs: resolved once
    assert list(read_lock(root / "a" / LOCK_FILE).tasks) == ["a-one"]
    assert list(read_lock(root / "b" / LOCK_FILE).tasks) == ["b-one", "b-two"]
    assert not (root / LOCK_FILE).exists()
    assert all(t.environment.lock is not None for t in load_suite(root))
    # One subfolder again: only its lock is written.
    args = ["env", "lock", "--suite", str(root / "b")]
    res = runner.invoke(app, args, env={"COLUMNS": "300"})
    assert res.exit_code == 0 and f"2 task(s) locked in {root / 'b' / LOCK_FILE}" in res.output
