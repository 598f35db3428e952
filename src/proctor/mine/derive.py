"""The derived repository of function synthesis: commits made on top of the original.

For each function, ``base`` (a child of the original commit with the body removed) and
``fix`` (a child of ``base`` holding the original tree) live in one bare repository, with
proctor's fixed identity and date, so deriving again gives the same shas: a suite's
:class:`~proctor.spec.DerivedRepo` record is enough to :func:`rebuild_derived` it.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from proctor.errors import ConfigError, RepoError
from proctor.mine.functions import FunctionInfo, find_functions, remove_body
from proctor.repo import resolve_commit, run_git
from proctor.spec import DERIVED_NAME, DerivedFunction, DerivedRepo, dump_derived, load_derived

__all__ = [
    "commit_date",
    "derive_pair",
    "init_derived",
    "rebuild_derived",
    "recorded_functions",
    "write_record",
]


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


def rebuild_derived(record: DerivedRepo, source: Path, dest: Path) -> dict[str, tuple[str, str]]:
    """Derive ``record``'s pairs from ``source`` into a new bare repository at ``dest``.

    Only git work: each recorded function's body is removed as synthesis removed it, and the
    pair committed with the same identity, date and message, so the shas are those synthesis
    made. The repository is built beside ``dest`` and renamed into place, so a failure never
    leaves half of one.

    Returns:
        stem -> (base sha, fix sha) of every recorded function.

    Raises:
        RepoError: ``dest`` exists, ``source`` lacks the commit, a file or a function, or git
            failed.
    """
    if dest.exists():
        raise RepoError(f"{dest}: exists already; remove it to rebuild it")
    sha = resolve_commit(source, record.commit)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    try:
        init_derived(tmp, source, sha)
        pairs = {}
        for fn in record.functions:
            text = _file_text(tmp, sha, fn.path)
            info = _find(fn, find_functions(fn.path, text), sha)
            pairs[fn.stem] = derive_pair(tmp, sha, fn.path, remove_body(text, info), fn.stem)
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return pairs


def _file_text(derived: Path, sha: str, path: str) -> str:
    """``path`` at ``sha`` as synthesis read it from a checkout (UTF-8, universal newlines)."""
    blob = run_git([f"--git-dir={derived}", "cat-file", "blob", f"{sha}:{path}"]).stdout
    return io.TextIOWrapper(io.BytesIO(blob), encoding="utf-8").read()


def _find(fn: DerivedFunction, found: list[FunctionInfo], sha: str) -> FunctionInfo:
    matches = [f for f in found if f.qualname == fn.qualname and f.first_line == fn.line]
    if not matches:
        raise RepoError(f"{fn.path}:{fn.line}: no function {fn.qualname} at {sha[:12]}")
    return matches[0]


def recorded_functions(suite: Path, path: str, source: str, sha: str) -> dict[str, DerivedFunction]:
    """stem -> function of what ``suite``'s record already holds (synthesis adds to it).

    Raises:
        ConfigError: the record names another derived repository, source or commit.
        SpecError: it is malformed.
    """
    file = suite / DERIVED_NAME
    if not file.is_file():
        return {}
    old = load_derived(file)
    if (old.path, old.source, old.commit) != (path, source, sha):
        raise ConfigError(
            f"{file}: records {old.path} from {old.source} at {old.commit[:12]}; "
            "synthesise into another folder"
        )
    return {f.stem: f for f in old.functions}


def write_record(suite: Path, record: DerivedRepo) -> None:
    """Write ``record`` as ``suite``'s ``derived.yaml``."""
    (suite / DERIVED_NAME).write_text(dump_derived(record), encoding="utf-8")
