"""Where repositories come from: bare mirrors in ``repos/``, or local repositories in place.

Every git command proctor runs goes through :func:`run_git`, which gives git a clean
environment (no system or global config, no inherited ``GIT_*`` variables, no prompts, a
fixed identity and date) so the same inputs always give the same objects and the same text.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from proctor.errors import RepoError

IDENTITY = {
    "GIT_AUTHOR_NAME": "proctor",
    "GIT_AUTHOR_EMAIL": "proctor@localhost",
    "GIT_AUTHOR_DATE": "946684800 +0000",
    "GIT_COMMITTER_NAME": "proctor",
    "GIT_COMMITTER_EMAIL": "proctor@localhost",
    "GIT_COMMITTER_DATE": "946684800 +0000",
}
"""The fixed author, committer and date (2000-01-01) of every commit proctor makes."""

_GITHUB = re.compile(
    r"^https?://(?:www\.)?github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$"
)
_SCP = re.compile(r"^(?:[\w.+-]+@)?([\w.-]+):(?!//)(.+)$")
_REMOTE_SCHEMES = {"http", "https", "ssh", "git", "git+ssh", "ssh+git"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_CACHE = "repos"  # first part of a relative task ``repo`` path that lives in the cache


def git_env(
    extra: Mapping[str, str] | None = None, *, global_config: bool = False
) -> dict[str, str]:
    """The environment every git subprocess runs with.

    Args:
        extra: variables to add on top (e.g. ``GIT_INDEX_FILE``).
        global_config: keep the user's ``~/.gitconfig`` (credentials, proxies); only the
            network clone wants it, local commands stay deterministic without it.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(IDENTITY)
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_TERMINAL_PROMPT="0",
        GIT_SSH_COMMAND="ssh -o BatchMode=yes",
        LC_ALL="C",
        LANGUAGE="C",
    )
    if not global_config:
        env["GIT_CONFIG_GLOBAL"] = os.devnull
    if extra:
        env.update(extra)
    return env


def git_dir_args(source: Path) -> list[str]:
    """``--git-dir`` for ``source``, a git directory or a working repository's top level."""
    dot_git = source / ".git"
    return [f"--git-dir={dot_git if dot_git.exists() else source}"]


def first_error(stderr: bytes | str) -> str:
    """The first meaningful line of git's stderr, without its ``fatal:``/``error:`` prefix."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for prefix in ("fatal:", "error:"):
        for line in lines:
            if line.startswith(prefix):
                return line[len(prefix) :].strip()
    return lines[0] if lines else "no error message"


def run_git(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git ARGS`` with the clean environment of :func:`git_env`.

    Raises:
        RepoError: git is not installed, or (with ``check``) the command failed; the message
            is one line naming the git subcommand and git's own first error line.
    """
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, input=input, capture_output=True, env=git_env(env)
        )
    except FileNotFoundError as exc:
        raise RepoError("git is not installed (no 'git' on PATH)") from exc
    if check and proc.returncode != 0:
        sub = next((a for a in args if not a.startswith("-")), "git")
        raise RepoError(f"git {sub} failed: {first_error(proc.stderr)}")
    return proc


def github_slug(url: str) -> tuple[str, str] | None:
    """``(OWNER, NAME)`` of ``https://github.com/OWNER/NAME`` (``.git`` and ``/`` optional)."""
    match = _GITHUB.match(url.strip())
    if match is None or match.group(1) in {".", ".."} or match.group(2) in {".", ".."}:
        return None
    return match.group(1), match.group(2)


def is_remote(url: str) -> bool:
    """Whether ``url`` names a remote repository (cloned once into the cache), not a local one."""
    scheme = urlsplit(url).scheme.lower()
    if scheme in _REMOTE_SCHEMES:
        return True
    return scheme == "" and _SCP.match(url) is not None and not Path(url).exists()


def _local_path(url: str) -> Path:
    if url.startswith("file:"):
        parts = urlsplit(url)
        return Path(url2pathname(unquote(parts.path))).expanduser()
    return Path(url).expanduser()


def _safe(part: str) -> str:
    cleaned = _UNSAFE.sub("_", part).strip("._") or "_"
    return cleaned


def mirror_path(url: str, repos_dir: Path) -> Path:
    """Where the bare mirror of a remote ``url`` lives in the cache.

    ``repos_dir/OWNER/NAME.git`` for GitHub; ``repos_dir/HOST/PATH.git`` for other remote
    (or ``file://``) URLs, each part reduced to ``[A-Za-z0-9._-]`` so it stays inside
    ``repos_dir``.

    Raises:
        RepoError: ``url`` is a plain local path, which is used in place and has no mirror.
    """
    slug = github_slug(url)
    if slug is not None:
        return repos_dir / slug[0] / f"{slug[1]}.git"
    parts = urlsplit(url)
    if parts.scheme and parts.scheme.lower() in {*_REMOTE_SCHEMES, "file"}:
        host = parts.hostname or "local"
        if parts.port:
            host = f"{host}_{parts.port}"
        path = parts.path
    elif (scp := _SCP.match(url)) is not None:
        host, path = scp.group(1), scp.group(2)
    else:
        raise RepoError(f"{url}: a local path has no mirror; it is used in place")
    names = [_safe(p) for p in unquote(path).split("/") if p not in {"", ".", ".."}]
    if not names:
        raise RepoError(f"{url}: the URL names no repository")
    last = names.pop()
    last = last[: -len(".git")] if last.endswith(".git") and len(last) > 4 else last
    return repos_dir.joinpath(_safe(host), *names, f"{last}.git")


def _git_dir(path: Path, url: str) -> Path:
    if not path.exists():
        raise RepoError(f"{url}: no such file or directory")
    proc = run_git([*git_dir_args(path), "rev-parse", "--absolute-git-dir"], check=False)
    if proc.returncode != 0:
        raise RepoError(f"{url}: not a git repository ({first_error(proc.stderr)})")
    return Path(proc.stdout.decode().strip())


def _is_mirror(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _clone(url: str, dest: Path) -> None:
    """``git clone --mirror URL DEST`` (a seam: tests swap it to stay off the network)."""
    proc = subprocess.run(
        [
            "git",
            "-c",
            "http.lowSpeedLimit=1000",
            "-c",
            "http.lowSpeedTime=60",
            "clone",
            "--mirror",
            "--quiet",
            "--",
            url,
            str(dest),
        ],
        capture_output=True,
        env=git_env(global_config=True),
    )
    if proc.returncode != 0:
        raise RepoError(f"cannot clone {url}: {first_error(proc.stderr)}")


def clone_mirror(url: str, dest: Path) -> Path:
    """Clone ``url`` once as a bare mirror at ``dest``; return ``dest``.

    The clone goes to a temporary folder beside ``dest`` and is renamed into place, so a
    crash never leaves half a mirror; ``DEST.lock`` keeps two processes from cloning at
    once (the second waits, then finds the mirror made). An existing mirror is reused as is.

    Raises:
        RepoError: the clone failed (one line: URL and git's reason), or ``dest`` holds
            something that is not a mirror.
    """
    if _is_mirror(dest):
        return dest
    try:
        with _locked(dest.with_name(dest.name + ".lock")):
            if _is_mirror(dest):
                return dest
            if dest.exists():
                raise RepoError(f"{dest}: exists but is not a git mirror of {url}; remove it")
            prefix = f".{dest.name}.tmp-"
            for stale in dest.parent.glob(prefix + "*"):  # left by a crashed clone
                shutil.rmtree(stale, ignore_errors=True)
            tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=dest.parent))
            try:
                _clone(url, tmp)
                if not _is_mirror(tmp):
                    raise RepoError(f"cannot clone {url}: the clone is not a git repository")
                os.replace(tmp, dest)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        raise RepoError(f"cannot clone {url} into {dest}: {exc.strerror or exc}") from exc
    return dest


def cache_repo(*parts: str) -> str:
    """How a task names the repository at ``repos_dir/PARTS``: ``repos/PARTS``, which
    :func:`repo_location` finds wherever the cache is."""
    return "/".join([_CACHE, *parts])


def repo_location(url: str, repos_dir: Path) -> Path:
    """Where ``url``'s repository is on this machine.

    A remote URL's mirror (see :func:`mirror_path`); a local path or ``file://`` URL as it
    is, except a relative path whose first part is ``repos``: that names a place in the
    cache, so ``repos/synth/NAME.git`` is ``repos_dir/synth/NAME.git`` wherever
    ``PROCTOR_REPOS_DIR`` points.
    """
    if is_remote(url):
        return mirror_path(url, repos_dir)
    path = _local_path(url)
    if not path.is_absolute() and path.parts[:1] == (_CACHE,):
        return repos_dir.joinpath(*path.parts[1:])
    return path


def ensure_source(url: str, repos_dir: Path) -> Path:
    """A git directory proctor can read ``url``'s objects from.

    Local paths (working or bare repositories) and ``file://`` URLs are used in place (a
    relative ``repos/...`` path under ``repos_dir``, see :func:`repo_location`). Remote URLs
    use their mirror in ``repos_dir`` when it exists (no network), else clone it once (see
    :func:`clone_mirror`). The mirror is never updated here.

    Raises:
        RepoError: the repository cannot be had (one line: URL and reason).
    """
    if is_remote(url):
        return clone_mirror(url, mirror_path(url, repos_dir)).resolve()
    path = repo_location(url, repos_dir)
    if path != _local_path(url) and not path.exists():
        raise RepoError(f"{url}: not in the cache ({path}); `proctor repos fetch` makes it")
    return _git_dir(path, url)


def _check_rev(rev: str) -> None:
    if not rev or rev.startswith("-") or any(c.isspace() for c in rev):
        raise RepoError(f"{rev!r} is not a commit name")


def resolve_commit(source: Path, sha: str) -> str:
    """The full sha of commit ``sha`` (any name git understands) in ``source``.

    Raises:
        RepoError: ``source`` has no such commit, or the name is ambiguous.
    """
    _check_rev(sha)
    proc = run_git(
        [*git_dir_args(source), "rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}"],
        check=False,
    )
    if proc.returncode != 0:
        raise RepoError(f"{source}: no commit {sha}")
    return proc.stdout.decode().strip()


def has_commit(source: Path, sha: str) -> bool:
    """Whether ``source`` holds commit ``sha``."""
    try:
        resolve_commit(source, sha)
    except RepoError:
        return False
    return True
