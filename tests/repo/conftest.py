"""Small git repositories built at test time (nothing fetched, nothing committed)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from proctor.repo.mirror import git_env

CALC_BASE = "def add(a, b):\n    return a - b\n"
CALC_FIX = "def add(a, b):\n    return a + b\n"
TEST_BASE = "from pkg.calc import add\n\n\ndef test_zero():\n    assert add(0, 0) == 0\n"
TEST_FIX = TEST_BASE + "\n\ndef test_add():\n    assert add(2, 2) == 4\n"
SECRET = "SECRET_ONLY_IN_THE_FIX = 42\n"


def git(cwd: Path, *args: str, input: bytes | None = None) -> str:
    """Run git in ``cwd`` with proctor's clean environment; return stdout."""
    proc = subprocess.run(
        ["git", *args], cwd=cwd, input=input, capture_output=True, env=git_env(), check=False
    )
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout.decode("utf-8", "surrogateescape")


def write(root: Path, files: dict[str, str | bytes]) -> None:
    """Write ``files`` (path -> text or bytes) under ``root``."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        path.write_bytes(data)


def snapshot(root: Path) -> dict[str, tuple[str, bytes]]:
    """Every file of a working tree (no .git): kind ('x', 'f' or 'l') and content."""
    found: dict[str, tuple[str, bytes]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames + [d for d in dirnames if (Path(dirpath) / d).is_symlink()]:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[rel] = ("l", os.readlink(path).encode())
            else:
                kind = "x" if os.access(path, os.X_OK) else "f"
                found[rel] = (kind, path.read_bytes())
    return found


@dataclass(frozen=True)
class Upstream:
    """A built repository: base commit, a later fix commit, and what only the fix has."""

    path: Path
    base: str
    fix: str
    secret_blob: str


def build_upstream(path: Path) -> Upstream:
    """A repo with base and fix commits, a tag, a branch, a remote ref and packed refs."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "--initial-branch=main")
    write(
        path,
        {
            "src/pkg/__init__.py": "",
            "src/pkg/calc.py": CALC_BASE,
            "tests/test_calc.py": TEST_BASE,
            "run.sh": "#!/bin/sh\necho run\n",
            "data.bin": bytes(range(256)) * 4,
            ".gitignore": "*.log\n",
            "keep.log": "tracked although ignored\n",
            "docs/readme.txt": "docs\n",
        },
    )
    (path / "run.sh").chmod(0o755)
    os.symlink("src/pkg/calc.py", path / "link.py")
    git(path, "add", "-A", "-f")
    git(path, "commit", "-q", "-m", "base commit")
    base = git(path, "rev-parse", "HEAD").strip()
    write(
        path,
        {
            "src/pkg/calc.py": CALC_FIX,
            "src/pkg/secret.py": SECRET,
            "tests/test_calc.py": TEST_FIX,
            "tests/test_new.py": "def test_new():\n    assert True\n",
        },
    )
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "fix add")
    fix = git(path, "rev-parse", "HEAD").strip()
    git(path, "tag", "-a", "v1", "-m", "release")
    git(path, "branch", "feature")
    git(path, "update-ref", "refs/remotes/origin/main", fix)
    git(path, "pack-refs", "--all")
    git(path, "reset", "-q", "--hard", base)  # the fix is only in history now
    secret = git(path, "rev-parse", f"{fix}:src/pkg/secret.py").strip()
    return Upstream(path=path, base=base, fix=fix, secret_blob=secret)


@pytest.fixture(scope="session")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Upstream:
    """A shared, read-only upstream repository."""
    return build_upstream(tmp_path_factory.mktemp("upstream") / "widget")
