"""The derived repository of function synthesis: commits made on top of the original.

For each function, ``base`` (a child of the original commit with the body removed) and
``fix`` (a child of ``base`` holding the original tree) live in one bare repository, with
proctor's fixed identity and date, so deriving again gives the same shas.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from proctor.errors import RepoError
from proctor.repo import run_git

__all__ = ["commit_date", "derive_pair", "init_derived"]


def commit_date(source: Path, sha: str) -> datetime:
    """When ``sha`` of ``source`` was committed."""
    out = run_git([f"--git-dir={_git_dir(source)}", "show", "-s", "--format=%cI", sha])
    return datetime.fromisoformat(out.stdout.decode().strip())


def _git_dir(path: Path) -> Path:
    return path / ".git" if (path / ".git").exists() else path


def init_derived(derived: Path, source: Path, sha: str) -> None:
    """Create the derived bare repository (once) and fetch ``sha`` into it."""
    if not (derived / "HEAD").is_file():
        derived.parent.mkdir(parents=True, exist_ok=True)
        run_git(["init", "--quiet", "--bare", "--template=", str(derived)])
    has = run_git([f"--git-dir={derived}", "cat-file", "-e", f"{sha}^{{commit}}"], check=False)
    if has.returncode != 0:
        run_git(
            [
                "-c",
                "uploadpack.allowAnySHA1InWant=true",
                f"--git-dir={derived}",
                "fetch",
                "--quiet",
                "--no-tags",
                str(_git_dir(source).resolve()),
                sha,
            ]
        )
    run_git([f"--git-dir={derived}", "update-ref", f"refs/synth/source/{sha}", sha])


def derive_pair(derived: Path, sha: str, path: str, new_text: str, stem: str) -> tuple[str, str]:
    """Commit ``base`` (``path`` replaced by ``new_text``, parent ``sha``) and ``fix``.

    ``fix`` (parent ``base``) holds ``sha``'s tree; both are kept by refs under
    ``refs/synth/<stem>/``. Returns (base sha, fix sha).

    Raises:
        RepoError: ``path`` is not a file of ``sha``, or git failed.
    """
    git = [f"--git-dir={derived}"]
    listing = run_git([*git, "ls-tree", sha, "--", path]).stdout.decode().split()
    if len(listing) < 4:
        raise RepoError(f"{path} is not a file of {sha}")
    mode = listing[0]
    blob = run_git([*git, "hash-object", "-w", "--stdin"], input=new_text.encode()).stdout
    with tempfile.TemporaryDirectory() as tmp:
        index = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        run_git([*git, "read-tree", sha], env=index)
        cacheinfo = f"{mode},{blob.decode().strip()},{path}"
        run_git([*git, "update-index", "--cacheinfo", cacheinfo], env=index)
        tree = run_git([*git, "write-tree"], env=index).stdout.decode().strip()
    message = f"synth: remove the body of {stem}"
    base = run_git([*git, "commit-tree", tree, "-p", sha, "-m", message]).stdout.decode().strip()
    fix_message = f"synth: restore the body of {stem}"
    fix = run_git([*git, "commit-tree", f"{sha}^{{tree}}", "-p", base, "-m", fix_message])
    fix_sha = fix.stdout.decode().strip()
    run_git([*git, "update-ref", f"refs/synth/{stem}/base", base])
    run_git([*git, "update-ref", f"refs/synth/{stem}/fix", fix_sha])
    return base, fix_sha
