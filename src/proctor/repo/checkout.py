"""Sealed checkouts: a fresh repository holding one commit, the tree of a pinned commit.

A sealed checkout is never a clone. Only the objects reachable from the pinned commit's tree
are copied (one pack, ``rev-list --objects | pack-objects | index-pack``) into a new
repository, where a single parentless commit ``base`` with a fixed author and date points at
that tree. No later commit, blob, tag, branch, remote, reflog or alternate of the source can
be read from it, so the model cannot look the fix up in the history.

Submodules are ignored: their gitlink entries are dropped from the base tree, so a
submodule's folder is simply absent.

The base commit is the root of ``HEAD``; commits the model makes later do not move it.
Callers that record it right after sealing (:func:`base_commit`) can pass it as ``base=`` so
nothing done inside the checkout can redirect it.

Before reading a checkout, proctor rewrites its ``.git/config`` and ``.git/info/exclude`` to
the sealed ones, so settings written there since (hooks paths, fsmonitor, filter drivers)
never run on the host and never hide files from a diff.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from proctor.errors import RepoError
from proctor.repo.mirror import first_error, git_dir_args, git_env, resolve_commit, run_git

BRANCH = "main"
BASE_MESSAGE = "base"
_CONFIG = """\
[core]
\trepositoryformatversion = 0
\tfilemode = true
\tbare = false
\tlogallrefupdates = false
[user]
\tname = proctor
\temail = proctor@localhost
[gc]
\tauto = 0
"""
_EXCLUDE = """\
# Written by proctor: Python litter never enters a diff.
__pycache__/
*.py[cod]
.pytest_cache/
.mypy_cache/
.ruff_cache/
.hypothesis/
"""
DIFF_FLAGS = (
    "--binary",
    "--no-renames",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--ignore-submodules=all",
    "--src-prefix=a/",
    "--dst-prefix=b/",
)
"""Flags of every diff proctor makes: binary-safe, no renames, fixed a/ b/ prefixes."""


def _copy_objects(source: Path, tree: str, dest: Path) -> None:
    """Copy exactly the objects reachable from ``tree`` into ``dest``'s object store."""
    env = git_env()
    src = ["git", *git_dir_args(source)]
    with subprocess.Popen(
        [*src, "rev-list", "--objects", "--no-object-names", tree],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    ) as listing:
        assert listing.stdout is not None
        with subprocess.Popen(
            [*src, "pack-objects", "--stdout", "--quiet", "--window=0", "--no-reuse-delta"],
            stdin=listing.stdout,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        ) as packing:
            listing.stdout.close()
            index = subprocess.run(
                ["git", "index-pack", "--stdin"],
                stdin=packing.stdout,
                capture_output=True,
                cwd=dest,
                env=env,
            )
            _, pack_err = packing.communicate()
        _, list_err = listing.communicate()
    for proc, err in ((listing, list_err), (packing, pack_err), (index, index.stderr)):
        if proc.returncode != 0:
            raise RepoError(f"{source}: cannot copy tree {tree}: {first_error(err)}")


def _drop_gitlinks(dest: Path, tree: str) -> str:
    """``tree`` without submodule entries (the same tree when it has none)."""
    listing = run_git(["ls-tree", "-r", "-z", tree], cwd=dest).stdout.split(b"\0")
    links = [e.split(b"\t", 1)[1] for e in listing if e.startswith(b"160000 ")]
    if not links:
        return tree
    with tempfile.TemporaryDirectory() as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        run_git(["read-tree", tree], cwd=dest, env=env)
        stdin = b"".join(link + b"\0" for link in links)
        run_git(["update-index", "--force-remove", "-z", "--stdin"], cwd=dest, env=env, input=stdin)
        return run_git(["write-tree"], cwd=dest, env=env).stdout.decode().strip()


def sealed_checkout(source: Path, commit: str, dest: Path) -> Path:
    """Make a sealed checkout of ``commit`` of ``source`` at ``dest``.

    Args:
        source: a git directory or working repository (see ``ensure_source``).
        commit: any name of the commit to pin.
        dest: a path that must not exist yet.

    Returns:
        ``dest``: a non-bare repository on branch ``main`` whose one commit (``base``,
        parentless) holds the tree of ``commit``, checked out with executable bits and
        symlinks.

    Raises:
        RepoError: ``dest`` exists, or the commit cannot be read from ``source``.
    """
    if dest.exists() or dest.is_symlink():
        raise RepoError(f"{dest}: already exists; a sealed checkout needs a new folder")
    full = resolve_commit(source, commit)
    tree = run_git([*git_dir_args(source), "rev-parse", f"{full}^{{tree}}"])
    tree_sha = tree.stdout.decode().strip()
    try:
        dest.mkdir(parents=True)
    except OSError as exc:
        raise RepoError(f"{dest}: cannot create the checkout: {exc.strerror or exc}") from exc
    try:
        run_git(["init", "--quiet", "--template=", f"--initial-branch={BRANCH}", str(dest)])
        _reseal(dest)
        _copy_objects(source, tree_sha, dest)
        tree_sha = _drop_gitlinks(dest, tree_sha)
        made = run_git(["commit-tree", tree_sha, "-m", BASE_MESSAGE], cwd=dest)
        run_git(["update-ref", f"refs/heads/{BRANCH}", made.stdout.decode().strip()], cwd=dest)
        run_git(["read-tree", "--reset", "-u", "HEAD"], cwd=dest)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return dest


def _reseal(checkout: Path) -> None:
    """Put back the sealed ``.git/config`` and ``.git/info/exclude`` if they were changed."""
    dot_git = checkout / ".git"
    if dot_git.is_symlink() or not dot_git.is_dir():
        raise RepoError(f"{checkout}: not a sealed checkout (no .git folder)")
    for path, text in ((dot_git / "config", _CONFIG), (dot_git / "info" / "exclude", _EXCLUDE)):
        if path.is_symlink() or not path.is_file() or path.read_text("utf-8", "replace") != text:
            if path.is_symlink():
                path.unlink()
            path.parent.mkdir(exist_ok=True)
            path.write_text(text)


def base_commit(checkout: Path, *, base: str | None = None) -> str:
    """The sha of the ``base`` commit of a sealed checkout (the root of ``HEAD``).

    Args:
        checkout: the sealed checkout.
        base: the base sha recorded at sealing time; when given it is checked and returned.

    Raises:
        RepoError: ``checkout`` is not a sealed checkout with a single root commit, or it
            lacks ``base``.
    """
    _reseal(checkout)
    if base is not None:
        return resolve_commit(checkout, base)
    proc = run_git(["rev-list", "--max-parents=0", "HEAD"], cwd=checkout, check=False)
    roots = proc.stdout.decode().split()
    if proc.returncode != 0 or len(roots) != 1:
        raise RepoError(f"{checkout}: not a sealed checkout (no single base commit)")
    return roots[0]


@contextmanager
def _staged(checkout: Path, base: str | None) -> Iterator[tuple[str, dict[str, str]]]:
    """Stage the whole working tree in a throwaway index; yield (base sha, env using it)."""
    base = base_commit(checkout, base=base)
    with tempfile.TemporaryDirectory() as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        # Starting from base keeps tracked files that .gitignore matches.
        run_git(["read-tree", base], cwd=checkout, env=env)
        run_git(["add", "--all", "--", "."], cwd=checkout, env=env)
        yield base, env


def diff_from_base(checkout: Path, *, base: str | None = None) -> str:
    """Every change of the working tree against ``base`` as a diff ``git apply`` accepts.

    Includes new untracked files (not ignored ones), deletions, mode changes and binary
    files; the checkout's own index is never touched. Non-UTF-8 bytes are kept as
    surrogate escapes, so ``patch.encode("utf-8", "surrogateescape")`` gives git's bytes.

    Args:
        checkout: the sealed checkout.
        base: the base sha recorded at sealing; by default the root commit of ``HEAD``.

    Returns:
        The diff, or ``""`` when nothing changed.
    """
    with _staged(checkout, base) as (sha, env):
        proc = run_git(["diff", "--cached", *DIFF_FLAGS, sha], cwd=checkout, env=env)
    return proc.stdout.decode("utf-8", "surrogateescape")


def changed_paths(checkout: Path, *, base: str | None = None) -> list[str]:
    """Sorted paths added, modified or deleted in the working tree against ``base``."""
    with _staged(checkout, base) as (sha, env):
        args = ["diff", "--cached", "--name-only", "-z", "--no-renames", sha]
        proc = run_git(args, cwd=checkout, env=env)
    names = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    return sorted(name for name in names if name)


def _clean(path: str) -> str:
    pure = PurePosixPath(path.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or str(pure) in {"", "."}:
        raise RepoError(f"{path!r}: not a path inside the checkout")
    return str(pure)


def _base_entries(checkout: Path, base: str, paths: list[str]) -> dict[str, tuple[str, str]]:
    """``{path: (mode, blob sha)}`` of the base files at or under ``paths``."""
    args = ["ls-tree", "-r", "-z", "--full-tree", base, "--", *paths]
    proc = run_git(args, cwd=checkout, env={"GIT_LITERAL_PATHSPECS": "1"})
    entries: dict[str, tuple[str, str]] = {}
    for record in proc.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if record:
            meta, name = record.split("\t", 1)
            mode, _, sha = meta.split()
            entries[name] = (mode, sha)
    return entries


def _blobs(checkout: Path, shas: Iterable[str]) -> dict[str, bytes]:
    wanted = sorted(set(shas))
    if not wanted:
        return {}
    out = run_git(
        ["cat-file", "--batch"], cwd=checkout, input="".join(s + "\n" for s in wanted).encode()
    ).stdout
    blobs: dict[str, bytes] = {}
    pos = 0
    for sha in wanted:
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split()[2])
        blobs[sha] = out[header_end + 1 : header_end + 1 + size]
        pos = header_end + 2 + size
    return blobs


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink()
    else:
        shutil.rmtree(path)


def _matches(path: Path, mode: str, data: bytes) -> bool:
    """Whether ``path`` already holds a base entry of ``mode`` with content ``data``."""
    if mode == "120000":
        return path.is_symlink() and os.fsencode(os.readlink(path)) == data
    if path.is_symlink() or not path.is_file():
        return False
    executable = bool(path.stat().st_mode & stat.S_IXUSR)
    return executable == (mode == "100755") and path.read_bytes() == data


def _write(root: Path, name: str, mode: str, data: bytes) -> None:
    target = root / name
    parent = root
    for part in PurePosixPath(name).parts[:-1]:  # a file or symlink where a folder belongs
        parent = parent / part
        if parent.is_symlink() or (parent.exists() and not parent.is_dir()):
            parent.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() or target.is_symlink():
        _remove(target)
    if mode == "120000":
        os.symlink(os.fsdecode(data), target)
    else:
        target.write_bytes(data)
        target.chmod(0o755 if mode == "100755" else 0o644)


def _extras(root: Path, name: str, entries: dict[str, tuple[str, str]]) -> list[str]:
    """Files under folder ``name`` of the working tree that base does not have there."""
    top = root / name
    if top.is_symlink() or not top.is_dir():
        return []
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(top):
        rel = PurePosixPath(Path(dirpath).relative_to(root).as_posix())
        for child in [*filenames, *(d for d in dirnames if (Path(dirpath) / d).is_symlink())]:
            if str(rel / child) not in entries:
                found.append(str(rel / child))
    return found


def restore_paths(checkout: Path, paths: Iterable[str], *, base: str | None = None) -> list[str]:
    """Put each path back as it is in ``base``.

    A file returns to its base content and executable bit; a path that base lacks is
    deleted; a base folder is made equal to base (extra files inside it deleted); a path the
    change turned from a file into a folder, or back, is handled too.

    Args:
        checkout: the sealed checkout.
        paths: paths relative to the checkout's top (files or folders).
        base: the base sha recorded at sealing; by default the root commit of ``HEAD``.

    Returns:
        The given paths (cleaned, in order) whose working-tree state actually changed.

    Raises:
        RepoError: a path points outside the checkout, or the checkout has no base.
    """
    names = list(dict.fromkeys(_clean(p) for p in paths))
    if not names:
        return []
    entries = _base_entries(checkout, base_commit(checkout, base=base), names)
    blobs = _blobs(checkout, (sha for _, sha in entries.values()))
    changed: list[str] = []
    for name in names:
        prefix = name + "/"
        own = {p: e for p, e in entries.items() if p == name or p.startswith(prefix)}
        touched = False
        if not own:
            target = checkout / name
            if target.exists() or target.is_symlink():
                _remove(target)
                touched = True
        for extra in _extras(checkout, name, own) if name not in own else []:
            _remove(checkout / extra)
            touched = True
        for path, (mode, sha) in sorted(own.items()):
            if not _matches(checkout / path, mode, blobs[sha]):
                _write(checkout, path, mode, blobs[sha])
                touched = True
        if touched:
            changed.append(name)
    return changed


def read_base_file(checkout: Path, path: str, *, base: str | None = None) -> bytes | None:
    """The bytes of ``path`` in ``base`` (a symlink's target), or ``None`` if no such file."""
    rev = f"{base_commit(checkout, base=base)}:{_clean(path)}"
    proc = run_git(["cat-file", "blob", rev], cwd=checkout, check=False)
    return proc.stdout if proc.returncode == 0 else None
