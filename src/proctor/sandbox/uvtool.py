"""uv as proctor runs it: the executable, a scrubbed environment, one recorded step, the
resolve date's options, and the resolution of a spec into its pinned closure (for the lock).

The resolve date (``--exclude-newer``) caps every requirement except :data:`UNDATED`: proctor's
test tools and the packages only they need. Those are proctor's runner rather than the task's
code, and the releases of a task's day may not run on its Python at all (pytest 8, which the
shipped suites ask for, needs pluggy 1.3 from 2023); so they resolve as of the build, within
whatever specifier the spec gives them (a spec that wants an era's pytest pins it).
Local ``--find-links`` wheels carry no upload date, and uv keeps them whatever the date: only
a lock keeps those from drifting.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

from uv import find_uv_bin

from proctor.errors import EnvironmentBuildError
from proctor.sandbox import env_probe
from proctor.spec import Environment, sort_pins, utc_stamp

ALWAYS_INSTALLED = ("pytest", "pytest-timeout")
"""Requirements added to every environment unless its spec already names them."""

UNDATED = (*ALWAYS_INSTALLED, "pluggy", "iniconfig")
"""Exempt from the resolve date: the test tools and the packages only pytest needs."""

TIMEOUT_S = {"uv version": 60.0, "venv": 300.0, "install": 1800.0, "check": 120.0, "lock": 600.0}
"""Seconds each step may take."""

_SECRET = re.compile(r"KEY|TOKEN|SECRET|PASSWORD", re.IGNORECASE)
# Variables that would make uv pick or run an interpreter other than the one asked for.
_UNSET_FOR_UV = ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP")
_DECORATION = " \t\u00d7\u2502\u2570\u2500\u25b6"  # uv's fancy-report box drawing
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def with_test_tools(packages: Sequence[str]) -> list[str]:
    """``packages`` plus those of :data:`ALWAYS_INSTALLED` it does not name (any specifier)."""
    named = {req_name(p) for p in packages}
    return [*packages, *(t for t in ALWAYS_INSTALLED if req_name(t) not in named)]


def req_name(requirement: str) -> str:
    """The normalised project name of a requirement string ('' for URLs and paths)."""
    parsed = env_probe.parse(requirement)
    return parsed[0] if parsed else ""


def date_options(as_of: datetime) -> list[str]:
    """uv options that resolve as published before ``as_of``, :data:`UNDATED` as of now."""
    now = utc_stamp(datetime.now(timezone.utc))
    exempt = [arg for name in UNDATED for arg in ("--exclude-newer-package", f"{name}={now}")]
    return ["--exclude-newer", utc_stamp(as_of), *exempt]


def resolve_pins(env: Environment, label: str, as_of: datetime) -> list[str]:
    """The full closure of ``env``'s packages plus the test tools, resolved with ``uv pip
    compile`` for ``env.python`` as published before ``as_of``: ``name==version`` lines, sorted.

    Raises:
        EnvironmentBuildError: one line, ``environment LABEL: step 'lock' failed: <uv's error>``.
    """
    refuse_options(env, label)
    uv = uv_bin(label)
    with tempfile.TemporaryDirectory(prefix="proctor-lock-") as tmp:
        requirements = Path(tmp) / "requirements.in"
        requirements.write_text("\n".join(with_test_tools(env.packages)) + "\n", encoding="utf-8")
        argv = [uv, "pip", "compile", str(requirements), "--python-version", env.python]
        argv += [*date_options(as_of), "--no-header", "--no-annotate", "--quiet"]
        out = run_step(label, "lock", argv, uv_environ(), Path(tmp), [], None)
    pins = [ln.strip() for ln in out.splitlines() if ln.strip() and not ln.startswith("#")]
    return sort_pins(pins)


def refuse_options(env: Environment, label: str) -> None:
    """Raise for a package entry that starts with '-' (uv would take it for an option).

    Raises:
        EnvironmentBuildError: naming the entry.
    """
    for package in env.packages:
        if package.lstrip().startswith("-"):
            raise EnvironmentBuildError(
                f"environment {label}: package {package!r} is an option, not a requirement"
            )


def run_step(
    label: str,
    step: str,
    argv: list[str],
    environ: Mapping[str, str],
    cwd: Path,
    transcript: list[str],
    log: Path | None,
) -> str:
    """Run one step (limit :data:`TIMEOUT_S`), record it in ``transcript``, return its stdout.

    Raises:
        EnvironmentBuildError: it failed, timed out or could not start; one line naming
            ``label``, the step and uv's last meaningful error line (and ``log``, if given).
    """
    timeout = TIMEOUT_S[step]
    transcript.append(f"$ {' '.join(argv)}\n")
    try:
        proc = subprocess.run(
            argv, cwd=cwd, env=dict(environ), capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        transcript.append(f"[timed out after {timeout:g}s]\n")
        detail = f"timed out after {timeout:g}s"
    except OSError as exc:
        transcript.append(f"[could not start: {exc}]\n")
        detail = f"could not start {argv[0]}: {exc.strerror or exc}"
    else:
        transcript.append(f"{proc.stdout}{proc.stderr}[exit {proc.returncode}]\n")
        if proc.returncode == 0:
            return proc.stdout
        detail = last_error(proc.stderr or proc.stdout) or f"exit status {proc.returncode}"
    where = f" (log: {log})" if log is not None else ""
    raise EnvironmentBuildError(f"environment {label}: step '{step}' failed: {detail}{where}")


def last_error(output: str) -> str:
    """uv's last meaningful error line, joined with its deepest cause, on one line."""
    lines = [_ANSI.sub("", ln).strip(_DECORATION) for ln in output.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("hint:") and set(ln) != {"^"}]
    errors = [i for i, ln in enumerate(lines) if ln.startswith("error:")]
    if not errors:
        return lines[-1] if lines else ""
    first = errors[-1]
    message = lines[first].removeprefix("error:").strip()
    causes = [ln for ln in lines[first + 1 :] if ln.startswith("cause:")]
    if causes:
        message = f"{message}: {causes[-1].removeprefix('cause:').strip()}"
    return message


def uv_bin(label: str) -> str:
    """uv's executable: the one shipped with the ``uv`` package, else the one on PATH.

    Raises:
        EnvironmentBuildError: there is none.
    """
    try:
        return str(find_uv_bin())
    except FileNotFoundError:
        found = shutil.which("uv")
        if found is None:
            raise EnvironmentBuildError(
                f"environment {label}: step 'uv' failed: uv not found"
            ) from None
        return found


def python_found(version: str) -> bool:
    """Whether an interpreter of ``version`` is on this machine (uv finds it, never downloads)."""
    try:
        uv = uv_bin(version)
    except EnvironmentBuildError:
        return shutil.which(f"python{version}") is not None
    argv = [uv, "python", "find", "--python-preference", "only-system", version]
    try:
        done = subprocess.run(argv, env=uv_environ(), capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def uv_environ() -> dict[str, str]:
    """The caller's environment minus secrets, told never to download an interpreter.

    pyenv's Python 3 folders are appended to PATH so its interpreters are found even where
    pyenv is not on PATH (Python 2 ones would make uv's search fail).
    """
    environ = {
        k: v for k, v in os.environ.items() if not _SECRET.search(k) and k not in _UNSET_FOR_UV
    }
    pyenv = Path(environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    extra = sorted(str(p / "bin") for p in pyenv.glob("3.*") if (p / "bin").is_dir())
    environ["PATH"] = os.pathsep.join([p for p in [environ.get("PATH", "")] if p] + extra)
    environ.update(UV_PYTHON_DOWNLOADS="never", UV_NO_PROGRESS="1", NO_COLOR="1")
    return environ
