"""RepoTree implementations: a folder, and a git repository at a commit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.mine.infer.conftest import PYTHONS, write_files

from proctor.errors import RepoError
from proctor.mine.infer import DirTree, GitTree, infer_environment


def git(cwd: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": "/nonexistent",
        "PATH": "/usr/bin:/bin",
    }
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)
    return proc.stdout.decode().strip()


def test_dir_tree_lists_and_reads_text_only(tmp_path: Path) -> None:
    write_files(tmp_path, {"a.txt": "hi\n", "sub/b.py": "x = 1\n", ".git/config": "[core]\n"})
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01")
    (tmp_path / "latin.txt").write_bytes(b"caf\xe9")
    tree = DirTree(tmp_path)
    assert list(tree.files()) == ["a.txt", "blob.bin", "latin.txt", "sub/b.py"]
    assert tree.read("sub/b.py") == "x = 1\n"
    assert tree.read("blob.bin") is None
    assert tree.read("latin.txt") is None
    assert tree.read("missing.txt") is None


def test_git_tree_reads_the_commit_not_the_work_tree(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write_files(
        repo,
        {
            "pyproject.toml": """
                [build-system]
                requires = ["hatchling"]
                build-backend = "hatchling.build"
                [project]
                name = "demo"
                dependencies = ["attrs>=22"]
            """,
            "src/demo/__init__.py": "",
        },
    )
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "first")
    first = git(repo, "rev-parse", "HEAD")
    (repo / "pyproject.toml").write_text("not toml [")
    (repo / "untracked.py").write_text("")

    tree = GitTree(repo, first)
    assert list(tree.files()) == ["pyproject.toml", "src/demo/__init__.py"]
    assert tree.read("untracked.py") is None
    assert "attrs>=22" in (tree.read("pyproject.toml") or "")
    proposal = infer_environment(tree, pythons=PYTHONS)
    assert proposal.environment.packages == ["attrs>=22"]
    assert proposal.environment.pythonpath == ["src"]
    assert proposal.build_system == "hatch"


def test_git_tree_of_an_unknown_commit_raises(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    with pytest.raises(RepoError):
        GitTree(tmp_path, "f" * 40).files()


def test_dir_tree_over_a_missing_folder_is_empty(tmp_path: Path) -> None:
    assert list(DirTree(tmp_path / "nope").files()) == []


def test_stand_in_version_files_say_the_newest_release_tag(tmp_path: Path) -> None:
    """A runner that imports the checkout (pytest itself) checks its own version: not 0.0.0."""
    repo = tmp_path / "r"
    (repo / "src" / "pkg").mkdir(parents=True)
    (repo / "src" / "pkg" / "__init__.py").write_text("from ._version import version\n")
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "pkg"\n[tool.setuptools_scm]\nversion_file = "src/pkg/_version.py"\n'
    )
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "first")
    assert "0.0.0" in str(infer_environment(GitTree(repo, "HEAD"), pythons=["3.11"]).guessed)
    git(repo, "tag", "v8.4.1")
    git(repo, "commit", "-qm", "after the release", "--allow-empty")
    proposal = infer_environment(GitTree(repo, "HEAD"), pythons=["3.11"])
    assert proposal.environment.env["SETUPTOOLS_SCM_PRETEND_VERSION"] == "8.4.1"
    script = proposal.environment.setup[0]
    subprocess.run([sys.executable, *script[1:]], cwd=repo, check=True)
    stub = (repo / "src" / "pkg" / "_version.py").read_text()
    assert 'version = "8.4.1"' in stub and "(8, 4, 1)" in stub


def test_prefetch_reads_many_files_in_one_batch_as_read_would(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    write_files(repo, {"a.py": "x = 1\n", "b/c.py": "y = 2\n\n"})
    (repo / "bin.dat").write_bytes(b"\x00\x01")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "first")
    batch = GitTree(repo, "HEAD")
    batch.prefetch(["a.py", "b/c.py", "bin.dat", "nope.py"])
    one = GitTree(repo, "HEAD")
    for path in ["a.py", "b/c.py", "bin.dat", "nope.py"]:
        assert batch.read(path) == one.read(path)
    assert batch.read("b/c.py") == "y = 2\n\n"
