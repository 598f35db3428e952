"""Per-repository Python environments: one venv per :meth:`Environment.key`, built with uv.

A venv holds a task's dependencies only (the checkout goes on ``PYTHONPATH``), so it is
shared by every task, attempt and run with the same key. It lives at ``envs_dir/<key>`` and
counts as built only once its marker file, :data:`MARKER`, is there: the marker is written
last, so a folder without one is a half-built venv and is deleted and built again.

A venv embeds its absolute path (script shebangs, ``activate``), so it is built in place at
its final path rather than in a temporary folder renamed afterwards; a ``fcntl.flock`` on
``envs_dir/<key>.lock`` keeps two processes from building the same key at once (the second
waits, then reuses the first one's venv). Since venvs are read-only in the sandbox, the build
byte-compiles what test runs load (``env_probe.py``: the runner, the spec's packages and their
dependencies); anything else is compiled in memory if a test ever imports it. Builds run
outside the sandbox, since they need the package index; the interpreter is never downloaded
(``--python-preference only-system``).

What gets installed depends on whether the suite is locked. A suite folder may hold
``environments.lock`` (written only by ``proctor env lock``; see :mod:`proctor.spec.lock`):
each task's full closure, pinned. A locked environment installs exactly those pins with
``--no-deps`` (no resolution at all) and is keyed by them, so the same suite builds the same
venv on any day. An unlocked one resolves its requirements as published before ``as_of``
(``--exclude-newer``; callers with a task pass :attr:`Task.resolve_date`, mining and synthesis
build as of now), except proctor's test tools (:data:`proctor.sandbox.uvtool.UNDATED`). An
unlocked key does not include the date, so a venv built earlier under the same key is reused.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from proctor.errors import EnvironmentBuildError
from proctor.sandbox import env_probe
from proctor.sandbox.uvtool import (
    date_options,
    refuse_options,
    run_step,
    uv_bin,
    uv_environ,
    with_test_tools,
)
from proctor.spec import Environment, utc_stamp

__all__ = ["MARKER", "PythonEnv", "build_env", "env_status", "with_test_tools"]

MARKER = "proctor-env.json"
"""File written into a venv once it is complete; a venv without it is never used."""

_SYSTEM_ROOTS = tuple(Path(p) for p in ("/usr", "/lib", "/lib64", "/etc", "/bin", "/sbin"))
# Run by the new venv's interpreter: byte-compiles what test runs load, proves pytest
# imports, and says where the base lives (see its docstring).
_PROBE = Path(env_probe.__file__)


@dataclass(frozen=True)
class PythonEnv:
    """A built venv, ready to run a checkout's tests."""

    key: str
    """The environment's content hash (:meth:`Environment.key`)."""
    path: Path
    """The venv folder, ``envs_dir/<key>``, symlinks resolved."""
    python: Path
    """The venv's interpreter; run it as ``python -m ...``, never through bin/ scripts."""
    bin_dir: Path
    """The venv's ``bin`` folder."""
    base_prefix: Path
    """Prefix of the base interpreter (parent of pyvenv.cfg's ``home``, symlinks resolved)."""
    extra_paths: tuple[Path, ...] = ()
    """Other folders the interpreter needs to start (stdlib or shared libraries elsewhere)."""
    image: str = ""
    """The container image holding the venv ('' for a venv on this machine). Then
    :attr:`python` and :attr:`bin_dir` are paths inside the image, and :attr:`path` is a folder
    on this machine holding the venv's marker and package metadata (what proctor reads)."""
    image_id: str = ""
    """The image's content digest (``sha256:...``), recorded by each attempt that ran in it."""

    def readonly_paths(self) -> tuple[Path, ...]:
        """Folders a sandbox must show (read-only) besides /usr, /lib and /etc.

        These are the venv, the base interpreter's prefix and any other folder found at build
        time that the interpreter loads from; nested duplicates are dropped. None for a venv
        inside a container image, which the image itself provides.
        """
        if self.image:
            return ()
        return _outermost((self.path, self.base_prefix, *self.extra_paths))

    def env_vars(self, checkout: Path, pythonpath: Sequence[str]) -> dict[str, str]:
        """Environment variables that run ``checkout``'s code with this venv.

        Args:
            checkout: the checkout's folder, as the sandboxed command will see it.
            pythonpath: checkout-relative folders put on ``PYTHONPATH`` ('.' is the checkout).

        Returns:
            ``PATH`` (venv bin first), ``VIRTUAL_ENV``, ``PYTHONPATH`` (omitted when
            ``pythonpath`` is empty), ``PYTHONDONTWRITEBYTECODE=1`` and ``PYTHONHASHSEED=0``.

        Raises:
            ValueError: an entry of ``pythonpath`` is absolute or leads out of the checkout.
        """
        root = os.path.normpath(checkout.absolute())
        entries = []
        for rel in pythonpath:
            full = os.path.normpath(os.path.join(root, rel))
            if os.path.isabs(rel) or not (full == root or full.startswith(root + os.sep)):
                raise ValueError(f"pythonpath entry {rel!r} is not a folder inside the checkout")
            entries.append(full)
        env = {
            "PATH": os.pathsep.join([str(self.bin_dir), "/usr/local/bin", "/usr/bin", "/bin"]),
            "VIRTUAL_ENV": str(self.bin_dir.parent),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
        }
        if entries:
            env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(entries))
        return env


def env_status(
    env: Environment, repo: str, envs_dir: Path, *, as_of: datetime | None = None
) -> PythonEnv | None:
    """The environment's venv if it is completely built, else None; changes nothing.

    ``as_of`` is taken for symmetry with :func:`build_env`; the key does not depend on it.
    """
    del as_of
    key = env.key(repo)
    return _load(envs_dir.expanduser().resolve() / key, key)


def build_env(
    env: Environment,
    repo: str,
    envs_dir: Path,
    *,
    as_of: datetime | None = None,
    log: Path | None = None,
) -> PythonEnv:
    """Build (or reuse) the venv for ``env`` at ``envs_dir/<key>``.

    Installs ``env.packages`` plus pytest and pytest-timeout (unless named already) with uv,
    into an interpreter found on this machine (never downloaded); a locked ``env``
    (:attr:`Environment.lock`) installs exactly its pins instead, without resolving. Safe to
    call from several processes at once: one builds, the others wait and reuse its venv.

    Args:
        env: the task's environment spec.
        repo: the task's repository (part of the key).
        envs_dir: folder holding one venv per key (``Settings.envs_dir``).
        as_of: resolve an unlocked ``env`` as published before this date (the task's
            :attr:`~proctor.spec.Task.resolve_date`); None resolves as of now. Ignored when
            locked.
        log: file to append every build command and its full output to; untouched when the
            venv is reused.

    Returns:
        The built venv.

    Raises:
        EnvironmentBuildError: uv is missing, the Python version is not installed, a package
            cannot be resolved or fetched, or the new venv cannot import pytest. The message is
            one line naming the key, the step and uv's last meaningful error line; the
            half-built folder has been removed. Also raised, before building, for a package
            entry that starts with '-' (uv would take it for an option).
    """
    envs_dir = envs_dir.expanduser().resolve()
    key = env.key(repo)
    venv = envs_dir / key
    refuse_options(env, key)
    ready = _load(venv, key)
    if ready is not None:
        return ready
    envs_dir.mkdir(parents=True, exist_ok=True)
    with _locked(envs_dir / f"{key}.lock"):
        ready = _load(venv, key)
        if ready is not None:
            return ready
        _build(env, repo, key, venv, as_of, log)
    built = _load(venv, key)
    if built is None:  # the marker was just written; only a concurrent deletion gets here
        raise EnvironmentBuildError(f"environment {key}: built venv vanished from {venv}")
    return built


def _build(
    env: Environment, repo: str, key: str, venv: Path, as_of: datetime | None, log: Path | None
) -> None:
    """Build the venv in place and write its marker last; remove it again on any failure."""
    transcript: list[str] = []
    started = time.monotonic()
    shutil.rmtree(venv, ignore_errors=True)  # a half-built venv from a crashed build
    try:
        uv = uv_bin(key)
        environ = uv_environ()

        def run(step: str, argv: list[str]) -> str:
            return run_step(key, step, argv, environ, venv.parent, transcript, log)

        uv_version = run("uv version", [uv, "--version"]).strip()
        run(
            "venv",
            [uv, "venv", "--python", env.python, "--python-preference", "only-system", str(venv)],
        )
        python = venv / "bin" / "python"
        packages = with_test_tools(env.packages)
        run("install", [uv, "pip", "install", "--python", str(python), *_install_args(env, as_of)])
        probe = _report(key, run("check", [str(python), "-I", str(_PROBE), *packages]))
        extra = _extra_paths(venv, python, [Path(p) for p in probe["prefixes"]])
        _write_marker(
            venv,
            {
                "key": key,
                "spec": {"repo": repo, "python": env.python, "packages": list(env.packages)},
                "locked": env.lock is not None,
                "resolved": list(env.lock.resolved) if env.lock is not None else None,
                "exclude_newer": _date_used(env, as_of),
                "python_version": probe["version"],
                "compiled_files": probe["compiled"],
                "uv_version": uv_version,
                "build_seconds": round(time.monotonic() - started, 3),
                "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "extra_paths": [str(p) for p in extra],
            },
        )
    except BaseException:
        shutil.rmtree(venv, ignore_errors=True)
        raise
    finally:
        if log is not None:
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("a", encoding="utf-8") as fh:
                fh.write("".join(transcript))


def _install_args(env: Environment, as_of: datetime | None) -> list[str]:
    """What ``uv pip install`` gets: the lock's pins as they are, or requirements to resolve."""
    if env.lock is not None:
        return ["--no-deps", *env.lock.resolved]
    dated = date_options(as_of) if as_of is not None else []
    return [*dated, *with_test_tools(env.packages)]


def _date_used(env: Environment, as_of: datetime | None) -> str | None:
    """The resolve date the venv's closure comes from (None: as of the build)."""
    when = env.lock.exclude_newer if env.lock is not None else as_of
    return utc_stamp(when) if when is not None else None


def _report(key: str, stdout: str) -> dict[str, Any]:
    """The JSON object on the probe's last line of output."""
    lines = stdout.strip().splitlines()
    try:
        report = json.loads(lines[-1]) if lines else None
    except ValueError:
        report = None
    if not isinstance(report, dict) or not {"version", "prefixes", "compiled"} <= set(report):
        raise EnvironmentBuildError(f"environment {key}: step 'check' printed no report")
    return report


def _load(venv: Path, key: str) -> PythonEnv | None:
    """The venv at ``venv`` if its marker says it is complete and its interpreter exists."""
    try:
        marker = json.loads((venv / MARKER).read_text(encoding="utf-8"))
        cfg = (venv / "pyvenv.cfg").read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None
    base_prefix = _base_prefix(cfg)
    python = venv / "bin" / "python"
    if not isinstance(marker, dict) or marker.get("key") != key or base_prefix is None:
        return None
    if not python.exists():  # the base interpreter has gone: the venv is stale
        return None
    return PythonEnv(
        key=key,
        path=venv,
        python=python,
        bin_dir=venv / "bin",
        base_prefix=base_prefix,
        extra_paths=tuple(Path(p) for p in marker.get("extra_paths", [])),
    )


def _base_prefix(pyvenv_cfg: str) -> Path | None:
    """The parent of pyvenv.cfg's ``home`` (the base interpreter's bin), symlinks resolved."""
    for line in pyvenv_cfg.splitlines():
        name, _, value = line.partition("=")
        if name.strip() == "home" and value.strip():
            return Path(value.strip()).resolve().parent
    return None


def _extra_paths(venv: Path, python: Path, prefixes: list[Path]) -> tuple[Path, ...]:
    """Folders outside the system roots, the venv and its base that the interpreter needs."""
    base = _base_prefix((venv / "pyvenv.cfg").read_text(encoding="utf-8"))
    candidates = [p.resolve() for p in prefixes] + _shared_library_dirs(python.resolve())
    covered = [venv, *([base] if base else []), *_SYSTEM_ROOTS]
    return tuple(p for p in _outermost(candidates) if not _under(p, covered))


def _shared_library_dirs(binary: Path) -> list[Path]:
    """Folders of the shared libraries ``binary`` loads, as ldd reports them."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    try:
        out = subprocess.run([ldd, str(binary)], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    found = re.findall(r"(?:=>\s*|^\s*)(/\S+)\s+\(0x", out, flags=re.MULTILINE)
    return [Path(p).resolve().parent for p in found]


def _outermost(paths: Sequence[Path]) -> tuple[Path, ...]:
    """``paths`` in order, without duplicates and without those inside another one."""
    unique = list(dict.fromkeys(paths))
    return tuple(p for p in unique if not _under(p, [q for q in unique if q != p]))


def _under(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == r or r in path.parents for r in roots)


def _write_marker(venv: Path, data: dict[str, object]) -> None:
    tmp = venv / f".{MARKER}.tmp"
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, venv / MARKER)


@contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive flock on ``lock_path`` (kept on disk: unlinking it would race)."""
    with lock_path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
