"""Sealed checkouts: history sealed, tree exact, diffs and restores against base."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from tests.repo.conftest import CALC_BASE, Upstream, git, snapshot, write

from proctor.errors import RepoError
from proctor.repo.checkout import (
    base_commit,
    changed_paths,
    diff_from_base,
    read_base_file,
    restore_paths,
    sealed_checkout,
)
from proctor.repo.mirror import git_env
from proctor.repo.patch import apply_patch


@pytest.fixture
def checkout(upstream: Upstream, tmp_path: Path) -> Path:
    return sealed_checkout(upstream.path, upstream.base, tmp_path / "co")


def _fails(cwd: Path, *args: str) -> bool:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, env=git_env())
    return proc.returncode != 0


def test_history_is_sealed(upstream: Upstream, checkout: Path) -> None:
    log = git(checkout, "log", "--all", "--format=%H %P|%an|%ad|%s", "--date=raw").splitlines()
    assert len(log) == 1
    _, rest = log[0].split(" ", 1)
    assert rest == "|proctor|946684800 +0000|base"  # no parents, fixed identity and date
    assert git(checkout, "for-each-ref", "--format=%(refname)").split() == ["refs/heads/main"]
    assert git(checkout, "tag").strip() == ""
    assert git(checkout, "remote").strip() == ""
    assert git(checkout, "reflog", "--all").strip() == ""
    for sha_only_in_history in (upstream.fix, upstream.secret_blob, upstream.base):
        assert _fails(checkout, "cat-file", "-e", sha_only_in_history)
    assert _fails(checkout, "cat-file", "-p", upstream.secret_blob)
    fsck = subprocess.run(
        ["git", "fsck", "--full", "--lost-found", "--dangling", "--unreachable"],
        cwd=checkout,
        capture_output=True,
        env=git_env(),
    )
    assert fsck.returncode == 0 and fsck.stdout == b""
    dot_git = checkout / ".git"
    assert not (dot_git / "packed-refs").exists()
    assert not (dot_git / "logs").exists()
    assert not (dot_git / "objects" / "info" / "alternates").exists()
    assert not (dot_git / "hooks").exists()
    everything = git(checkout, "cat-file", "--batch-all-objects", "--batch")
    assert "SECRET" not in everything and "a + b" not in everything
    reachable = git(checkout, "rev-list", "--all", "--objects").split()
    counted = git(checkout, "count-objects", "-v")
    packed = int(next(line for line in counted.splitlines() if line.startswith("in-pack:"))[8:])
    loose = int(counted.splitlines()[0].split()[1])
    assert packed + loose == len({s for s in reachable if len(s) == 40})


def test_working_tree_is_the_base_tree(upstream: Upstream, checkout: Path) -> None:
    expected = git(upstream.path, "ls-tree", "-r", upstream.base)
    assert git(checkout, "ls-tree", "-r", "HEAD") == expected
    assert git(checkout, "status", "--porcelain", "--ignored") == ""
    files = snapshot(checkout)
    assert files["run.sh"][0] == "x"
    assert files["src/pkg/calc.py"] == ("f", CALC_BASE.encode())
    assert files["link.py"] == ("l", b"src/pkg/calc.py")
    assert "keep.log" in files  # tracked although .gitignore matches it
    assert "src/pkg/secret.py" not in files
    config = git(checkout, "config", "--list", "--local")
    assert "gc.auto=0" in config and "user.name=proctor" in config


def test_same_commit_gives_the_same_base(upstream: Upstream, tmp_path: Path) -> None:
    one = sealed_checkout(upstream.path, upstream.base, tmp_path / "one")
    two = sealed_checkout(upstream.path / ".git", upstream.base[:12], tmp_path / "two")
    assert base_commit(one) == base_commit(two)


def test_existing_dest_or_unknown_commit_is_an_error(upstream: Upstream, tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    with pytest.raises(RepoError, match="already exists"):
        sealed_checkout(upstream.path, upstream.base, tmp_path / "taken")
    with pytest.raises(RepoError, match="no commit"):
        sealed_checkout(upstream.path, "f" * 40, tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_submodules_are_dropped(tmp_path: Path) -> None:
    repo = tmp_path / "with-sub"
    repo.mkdir()
    git(repo, "init", "-q")
    write(repo, {"a.txt": "a\n"})
    git(repo, "add", "a.txt")
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{'1' * 40},vendor/lib")
    git(repo, "commit", "-q", "-m", "with submodule")
    checkout = sealed_checkout(repo, "HEAD", tmp_path / "co")
    assert git(checkout, "ls-tree", "-r", "--name-only", "HEAD").split() == ["a.txt"]
    assert diff_from_base(checkout) == ""


def test_diff_from_base_round_trip(upstream: Upstream, checkout: Path, tmp_path: Path) -> None:
    assert diff_from_base(checkout) == ""
    assert changed_paths(checkout) == []
    index_before = (checkout / ".git" / "index").read_bytes()
    write(
        checkout,
        {
            "src/pkg/calc.py": "def add(a, b):\n    return a + b\n",
            "src/pkg/new.py": "NEW = 1\n",
            "data.bin": bytes(range(255, -1, -1)) * 3 + b"\0",
            "assets/blob.bin": b"\0\x01\x02\xff" * 50,
            "latin1.txt": "caf\xe9\n".encode("latin-1"),
            "debug.log": "ignored, never part of the change\n",
        },
    )
    (checkout / "docs" / "readme.txt").unlink()
    (checkout / "run.sh").chmod(0o644)
    (checkout / "link.py").unlink()
    os.symlink("src/pkg/new.py", checkout / "link.py")

    patch = diff_from_base(checkout)
    assert "GIT binary patch" in patch
    assert changed_paths(checkout) == sorted(
        [
            "assets/blob.bin",
            "data.bin",
            "docs/readme.txt",
            "latin1.txt",
            "link.py",
            "run.sh",
            "src/pkg/calc.py",
            "src/pkg/new.py",
        ]
    )
    assert (checkout / ".git" / "index").read_bytes() == index_before

    fresh = sealed_checkout(upstream.path, upstream.base, tmp_path / "fresh")
    apply_patch(fresh, patch)
    expected = snapshot(checkout)
    del expected["debug.log"]
    assert snapshot(fresh) == expected


def test_diff_from_base_ignores_commits_the_model_makes(checkout: Path) -> None:
    base = base_commit(checkout)
    write(checkout, {"src/pkg/calc.py": "changed\n"})
    git(checkout, "commit", "-q", "-am", "model commit")
    assert base_commit(checkout) == base
    assert changed_paths(checkout) == ["src/pkg/calc.py"]


def test_restore_paths(checkout: Path, tmp_path: Path) -> None:
    original = snapshot(checkout)
    outside = tmp_path / "outside"
    outside.mkdir()
    write(checkout, {"src/pkg/calc.py": "broken\n", "src/pkg/extra.py": "x\n"})
    (checkout / "run.sh").chmod(0o644)
    (checkout / "docs" / "readme.txt").unlink()
    (checkout / "keep.log").unlink()
    (checkout / "keep.log").mkdir()  # a file turned into a folder
    write(checkout, {"keep.log/inner.txt": "x\n"})
    (checkout / "tests" / "test_calc.py").unlink()
    (checkout / "tests").rmdir()
    os.symlink(outside, checkout / "tests")  # a folder turned into a symlink out of the tree
    write(checkout, {"docs/new.md": "n\n"})

    changed = restore_paths(
        checkout,
        [
            "src/pkg/calc.py",
            "./src/pkg/extra.py",
            "run.sh",
            "docs",
            "keep.log",
            "tests/test_calc.py",
            "src/pkg/__init__.py",
            "never/existed.py",
        ],
    )
    assert changed == [
        "src/pkg/calc.py",
        "src/pkg/extra.py",
        "run.sh",
        "docs",
        "keep.log",
        "tests/test_calc.py",
    ]
    assert snapshot(checkout) == original
    assert list(outside.iterdir()) == []
    assert changed_paths(checkout) == []
    assert restore_paths(checkout, ["src/pkg/calc.py"]) == []


def test_restore_paths_rejects_paths_outside(checkout: Path) -> None:
    for bad in ["../x", "/etc/passwd", "."]:
        with pytest.raises(RepoError, match="not a path inside"):
            restore_paths(checkout, [bad])


def test_read_base_file(checkout: Path) -> None:
    write(checkout, {"src/pkg/calc.py": "changed\n"})
    assert read_base_file(checkout, "src/pkg/calc.py") == CALC_BASE.encode()
    assert read_base_file(checkout, "link.py") == b"src/pkg/calc.py"
    assert read_base_file(checkout, "src/pkg/secret.py") is None
    assert read_base_file(checkout, "src") is None


def test_python_litter_never_enters_the_diff(checkout: Path) -> None:
    write(
        checkout,
        {
            "src/pkg/__pycache__/calc.cpython-311.pyc": b"\0pyc",
            ".pytest_cache/v/cache/lastfailed": "{}",
            "src/pkg/new.py": "N = 1\n",
        },
    )
    assert changed_paths(checkout) == ["src/pkg/new.py"]


def test_settings_written_into_the_checkout_never_run(checkout: Path, tmp_path: Path) -> None:
    ran = tmp_path / "ran"
    config = checkout / ".git" / "config"
    config.write_text(
        config.read_text()
        + f'[filter "evil"]\n\tclean = touch {ran}; cat\n\trequired = true\n'
        + f"[core]\n\tfsmonitor = touch {ran}\n"
    )
    (checkout / ".git" / "info" / "exclude").write_text("*.py\n")
    write(checkout, {".gitattributes": "* filter=evil\n", "src/pkg/new.py": "N = 1\n"})
    assert changed_paths(checkout) == [".gitattributes", "src/pkg/new.py"]
    assert "+N = 1" in diff_from_base(checkout)
    assert not ran.exists()
    assert "evil" not in config.read_text()


def test_a_pinned_base_cannot_be_redirected(checkout: Path) -> None:
    base = base_commit(checkout)
    git(checkout, "checkout", "-q", "--orphan", "fake")
    write(checkout, {"tests/test_calc.py": "def test_zero():\n    pass\n"})
    git(checkout, "add", "-A")
    git(checkout, "commit", "-q", "-m", "a fake base")
    assert base_commit(checkout) != base  # the root of HEAD moved
    assert changed_paths(checkout, base=base) == ["tests/test_calc.py"]
    assert restore_paths(checkout, ["tests/test_calc.py"], base=base) == ["tests/test_calc.py"]
    assert (
        read_base_file(checkout, "tests/test_calc.py", base=base)
        == (checkout / "tests/test_calc.py").read_bytes()
    )
    with pytest.raises(RepoError, match="no commit"):
        changed_paths(checkout, base="0" * 40)
