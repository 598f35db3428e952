"""Reading history with git: the first-parent log, merge conflicts, a merge's branch."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from proctor.mine.candidates import screen
from proctor.mine.history import branch_messages, existing_paths, merge_conflicts, read_history
from proctor.mine.miner import draft_task, repo_field, repo_name
from proctor.mine.options import MineOptions
from proctor.repo.mirror import git_env


def git(cwd: Path, *args: str, check: bool = True) -> int:
    proc = subprocess.run(["git", *args], cwd=cwd, env=git_env(), capture_output=True)
    assert proc.returncode == 0 or not check, proc.stderr
    return proc.returncode


def test_first_parent_history_with_merges_diffed_against_their_mainline(history: Any) -> None:
    commits = read_history(history.path, MineOptions())
    assert [c.sha for c in commits][:2] == [history.shas["thin"], history.shas["merge"]]
    assert history.shas["branch"] not in {c.sha for c in commits}
    merge = commits[1]
    assert merge.is_merge and merge.base == history.shas["flaky"]
    assert {f.path for f in merge.files} == {"pkg/div.py", "tests/test_div.py"}
    assert commits[-1].sha == history.shas["root"] and commits[-1].base is None
    assert branch_messages(history.path, merge) == "Divide numbers"
    assert not merge_conflicts(history.path, merge)


def test_the_window_is_a_date_range(history: Any) -> None:
    opts = MineOptions(since="2024-01-03T12:00Z", until="2024-01-06T12:00Z")
    shas = [c.sha for c in read_history(history.path, opts)]
    assert shas == [history.shas[n] for n in ("docs_only", "source_only", "test_only")]
    assert [s.reason for s in screen(read_history(history.path, opts), opts)] == [
        "docs or changelog only",
        "no test change",
        "no source change",
    ]


def test_existing_paths_skips_deleted_files(history: Any) -> None:
    sha = history.shas["good"]
    assert existing_paths(history.path, sha, ["tests/test_calc.py", "tests/gone.py"]) == [
        "tests/test_calc.py"
    ]


def test_a_merge_with_conflicts_is_seen(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "--initial-branch=main")
    (repo / "a.py").write_text("x = 1\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "one")
    git(repo, "checkout", "-qb", "side")
    (repo / "a.py").write_text("x = 2\n")
    git(repo, "commit", "-qam", "two")
    git(repo, "checkout", "-q", "main")
    (repo / "a.py").write_text("x = 3\n")
    git(repo, "commit", "-qam", "three")
    assert git(repo, "merge", "-q", "side", check=False) != 0
    (repo / "a.py").write_text("x = 5\n")
    git(repo, "commit", "-qam", "Merge branch 'side'")
    merge = read_history(repo, MineOptions())[0]
    assert merge.is_merge and merge_conflicts(repo, merge)


def test_task_ids_take_the_repo_name_or_the_given_one(history: Any) -> None:
    commit = read_history(history.path, MineOptions())[1]
    assert draft_task("/x/calc.git", commit, ["t.py"], MineOptions()).id == (
        f"calc-{commit.sha[:7]}"
    )
    named = draft_task("/x/calc.git", commit, ["t.py"], MineOptions(name="Calc_2"))
    assert named.id == f"Calc_2-{commit.sha[:7]}" and named.base_commit == commit.parents[0]


def test_repo_names_and_fields(tmp_path: Path) -> None:
    assert repo_name("https://github.com/andialbrecht/sqlparse") == "sqlparse"
    assert repo_name("/srv/mirrors/sqlparse.git/") == "sqlparse"
    assert repo_name("git@host:team/my lib.git") == "my-lib"
    assert repo_field("https://github.com/a/b") == "https://github.com/a/b"
    assert repo_field(str(tmp_path / ".." / tmp_path.name)) == str(tmp_path.resolve())
