"""A repository up to one commit, as a git bundle: what a remote node receives instead of the
mirror, so that no history after the task's base ever reaches it."""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import tempfile
from pathlib import Path

from proctor.repo.mirror import git_dir_args, resolve_commit, run_git

BUNDLE_REF = "refs/heads/base"
"""The one ref a base bundle carries: the task's base commit."""


def _objects_dir(source: Path) -> Path:
    dot_git = source / ".git"
    return (dot_git if dot_git.exists() else source).resolve() / "objects"


def base_bundle(source: Path, commit: str, dest: Path) -> Path:
    """Write a bundle of ``commit`` and its ancestors (nothing else) from ``source`` to ``dest``.

    ``source`` is left untouched: the one ref is made in a scratch repository that borrows its
    objects. A bundle already at ``dest`` is reused (its name should carry the commit).

    Raises:
        RepoError: ``source`` has no such commit, or git cannot write the bundle.
    """
    if dest.is_file():
        return dest
    full = resolve_commit(source, commit)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="proctor-bundle-") as tmp:
        scratch = Path(tmp) / "scratch.git"
        run_git(["init", "--quiet", "--bare", "--template=", str(scratch)])
        (scratch / "objects" / "info").mkdir(parents=True, exist_ok=True)
        (scratch / "objects" / "info" / "alternates").write_text(f"{_objects_dir(source)}\n")
        run_git([f"--git-dir={scratch}", "update-ref", BUNDLE_REF, full])
        partial = Path(tmp) / "base.bundle"
        run_git([f"--git-dir={scratch}", "bundle", "create", "--quiet", str(partial), BUNDLE_REF])
        shutil.move(str(partial), dest)
    return dest


def open_bundle(bundle: bytes, commit: str, cache: Path) -> Path:
    """A bare repository holding the bundle's commits, made once per node under ``cache``.

    Several processes of a node may ask at once: one unpacks under a lock, the others wait
    and reuse it.

    Raises:
        RepoError: the bundle is not one, or does not hold ``commit``.
    """
    digest = hashlib.sha256(bundle).hexdigest()[:16]
    repo = cache / f"{digest}.git"
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / f"{digest}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (repo / "HEAD").is_file():
                _unbundle(bundle, repo)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    resolve_commit(repo, commit)
    return repo


def _unbundle(bundle: bytes, repo: Path) -> None:
    shutil.rmtree(repo, ignore_errors=True)  # a half-made one of a killed process
    with tempfile.TemporaryDirectory(prefix="proctor-unbundle-", dir=repo.parent) as tmp:
        made = Path(tmp) / "repo.git"
        path = Path(tmp) / "base.bundle"
        path.write_bytes(bundle)
        run_git(["init", "--quiet", "--bare", "--template=", str(made)])
        run_git([*git_dir_args(made), "fetch", "--quiet", str(path), f"{BUNDLE_REF}:{BUNDLE_REF}"])
        made.rename(repo)


def bundle_commits(bundle: Path) -> list[str]:
    """Every commit a bundle holds (to check what it would reveal)."""
    with tempfile.TemporaryDirectory(prefix="proctor-bundle-") as tmp:
        repo = Path(tmp) / "check.git"
        _unbundle(bundle.read_bytes(), repo)
        out = run_git([*git_dir_args(repo), "rev-list", BUNDLE_REF])
    return out.stdout.decode().split()
