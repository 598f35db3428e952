"""`proctor tasks strength`: mutants of the reference graded in the sandbox, shares printed,
recorded with --write, and the weak task flagged by `tasks stats`.

Two tasks share one repository and fix; their hidden tests differ. The strong task's tests
catch every mutant; the weak task's test only checks ``clamp``, so the mutants of ``window``
survive. A third task (calc) has nothing to mutate.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tests.conftest import calc_task, git, make_calc_repo
from typer.testing import CliRunner

from proctor.cli.app import app
from proctor.spec import Task, dump_task, load_task

WIN_BASE = '''"""Windows and clamps."""


def window(items, size):
    """Consecutive runs of ``size`` items."""
    return [items[i : i + size] for i in range(len(items) - size + 1)]


def first(items):
    return items[0]


def last(items):
    return items[-1]


def clamp(value, low, high):
    """``value`` limited to [low, high]."""
    return value
'''
WIN_FIXED = WIN_BASE.replace(
    '    """Consecutive runs of ``size`` items."""\n',
    '    """Consecutive runs of ``size`` items."""\n'
    "    if size < 1:\n"
    '        raise ValueError("size must be at least 1")\n',
).replace("    return value\n", "    return min(max(value, low), high)\n")
TESTS = """import pytest

from win import clamp, window


def test_window_pairs():
    assert window([1, 2, 3], 2) == [[1, 2], [2, 3]]


def test_window_one():
    assert window([1, 2, 3], 1) == [[1], [2], [3]]


def test_window_zero_raises():
    with pytest.raises(ValueError):
        window([1, 2, 3], 0)


def test_clamp():
    assert [clamp(v, 0, 10) for v in (-5, 5, 15)] == [0, 5, 10]
"""
T = "tests/test_win.py::"


def make_win_repo(root: Path) -> tuple[Path, str, str]:
    """The repository: base, then the fix of window and clamp with its tests."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "win.py").write_text(WIN_BASE)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    base = git(root, "rev-parse", "HEAD")
    (root / "win.py").write_text(WIN_FIXED)
    (root / "tests").mkdir()
    (root / "tests" / "test_win.py").write_text(TESTS)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "fix window and clamp")
    return root, base, git(root, "rev-parse", "HEAD")


def win_task(repo: Path, base: str, fix: str, task_id: str, f2p: list[str], p2p: list[str]) -> Task:
    return Task.model_validate(
        {
            "id": task_id,
            "repo": str(repo),
            "base_commit": base,
            "created_at": "2024-01-01T00:00:00Z",
            "problem_statement": "window(items, 0) loops on nothing; clamp does not clamp.",
            "reference": {"commit": fix},
            "hidden_tests": {
                "files": ["tests/test_win.py"],
                "fail_to_pass": [T + name for name in f2p],
                "pass_to_pass": [T + name for name in p2p],
            },
        }
    )


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    repo, base, fix = make_win_repo(tmp_path / "win")
    strong = win_task(
        repo,
        base,
        fix,
        "win-strong",
        ["test_window_zero_raises", "test_clamp"],
        ["test_window_pairs", "test_window_one"],
    )
    weak = win_task(repo, base, fix, "win-weak", ["test_clamp"], [])
    folder = tmp_path / "suite"
    folder.mkdir()
    for task in (strong, weak, calc_task(*make_calc_repo(tmp_path / "calc"))):
        (folder / f"{task.id}.yaml").write_text("# kept\n" + dump_task(task))
    return folder


@pytest.fixture
def env(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        **os.environ,
        "PROCTOR_CACHE_DIR": str(settings.cache_dir),
        "PROCTOR_REPOS_DIR": str(settings.repos_dir),
        "COLUMNS": "300",
    }


def test_strength_is_measured_written_and_flagged(
    suite: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    out = tmp_path / "out"
    args = ["tasks", "strength", "--suite", str(suite), "--write", "-j", "2", "--out", str(out)]
    res = CliRunner().invoke(app, args, env=env)
    assert res.exit_code == 0, res.output
    cells = [
        [cell.strip() for cell in line.strip().strip("│").split("│")]
        for line in res.output.splitlines()
        if line.startswith("│")
    ]
    rows = {row[0]: row[1:] for row in cells}
    assert rows["win-strong"] == ["6", "6", "1.00", "0", "ok"]
    assert rows["win-weak"] == ["6", "1", "0.17", "0", "weak"]
    assert rows["calc-1"] == ["0", "0", "-", "0", "no mutants"]
    survived = [line for line in res.output.splitlines() if ": survived: " in line]
    assert len(survived) == 5 and all(line.startswith("win-weak: survived: ") for line in survived)
    assert "win-weak: survived: negate-condition win.py:6: `size < 1` negated" in survived
    assert "3 of 3 task(s) measured; 1 weak: win-weak" in res.output
    assert (out / "gold" / "win-strong" / "junit.xml").exists()
    assert (out / "mutant-1-drop-hunk" / "win-weak" / "model.patch").exists()

    weak = load_task(suite / "win-weak.yaml")
    assert weak.strength is not None and (weak.strength.mutants, weak.strength.caught) == (6, 1)
    assert "drop-hunk win.py:6: hunk 1 of 2 left out" in weak.strength.survived
    assert (suite / "win-weak.yaml").read_text().startswith("# kept\n")
    calc = load_task(suite / "calc-1.yaml")
    assert calc.strength is not None and calc.strength.mutants == 0

    stats = CliRunner().invoke(app, ["tasks", "stats", "--suite", str(suite), "--json"])
    assert stats.exit_code == 0, stats.output
    assert json.loads(stats.output)["strength"] == {
        "measured": 3,
        "mean": pytest.approx((1 + 1 / 6) / 2),
        "no_mutants": 1,
        "weak": ["win-weak"],
    }


def test_a_negative_max_per_kind_is_one_line(suite: Path, env: dict[str, str]) -> None:
    args = ["tasks", "strength", "--suite", str(suite), "--max-per-kind", "-1"]
    res = CliRunner().invoke(app, args, env=env)
    assert res.exit_code == 1
    assert res.output == "error: --max-per-kind: -1 is below 0\n"


def test_a_task_whose_gold_does_not_resolve_is_not_measured(
    tmp_path: Path, env: dict[str, str]
) -> None:
    repo, base, fix = make_win_repo(tmp_path / "win")
    task = win_task(repo, base, fix, "win-broken", ["test_clamp", "test_nope"], [])
    folder = tmp_path / "suite"
    folder.mkdir()
    (folder / "win-broken.yaml").write_text(dump_task(task))
    res = CliRunner().invoke(app, ["tasks", "strength", "--suite", str(folder), "--write"], env=env)
    assert res.exit_code == 0, res.output
    assert "win-broken: not measured: gold environment-error: F2P test id not found: " in res.output
    assert "0 of 1 task(s) measured; 0 weak" in res.output
    assert "win-broken: drop-hunk" not in res.output  # no mutant graded after a broken gold
    assert load_task(folder / "win-broken.yaml").strength is None
