"""One session of a checkout under test: what a command in it sees, and its setup commands.

Grading, mining, synthesis and the agent's test tool all run commands on a checkout with a
task's environment; they get their mounts and variables here, and run the environment's setup
commands through :func:`run_setup`, which has one failure policy: the first command that fails
raises :class:`~proctor.errors.SetupError` carrying its output. Each caller maps that error
once: grading to ``environment-error``, mining to a dropped candidate with the reason,
synthesis to a skipped function with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from proctor.errors import SetupError
from proctor.sandbox import ExecResult, Mounts, PythonEnv, Sandbox
from proctor.spec import Environment

SETUP_TIMEOUT_S = 600.0


def session_mounts(
    env: PythonEnv, checkout: Path, scratch: Path, readonly: Sequence[Path] = ()
) -> Mounts:
    """The checkout and scratch writable; the environment and ``readonly`` read-only (an
    environment in a container image is named in ``extra["image"]``)."""
    extra = {"image": env.image} if env.image else {}
    readonly = (*env.readonly_paths(), *readonly)
    return Mounts(writable=(checkout, scratch), readonly=readonly, extra=extra)


def session_env(
    env: PythonEnv,
    environment: Environment,
    checkout: Path,
    scratch: Path,
    *,
    on_path: bool = True,
) -> dict[str, str]:
    """The variables of a command on ``checkout``: the venv's, the task's, HOME in scratch.

    Args:
        on_path: put the checkout's folders on ``PYTHONPATH`` (a graded session leaves them off:
            its boot script adds them once the interpreter has started).
    """
    if on_path:
        run_env = {**env.env_vars(checkout, environment.pythonpath), **environment.env}
    else:
        run_env = {**env.env_vars(scratch, []), **environment.env}
        run_env.pop("PYTHONPATH", None)
    return run_env | {"HOME": str(scratch), "TMPDIR": "/tmp"}


def run_setup(
    sandbox: Sandbox,
    environment: Environment,
    checkout: Path,
    env: dict[str, str],
    *,
    timeout: float = SETUP_TIMEOUT_S,
    log: Callable[[int, ExecResult], None] | None = None,
) -> None:
    """Run the environment's setup commands in ``checkout``, in order.

    Raises:
        SetupError: a command failed or timed out; it carries the command's output.
        SandboxError: the sandbox cannot run at all.
    """
    for i, argv in enumerate(environment.setup):
        res = sandbox.exec(argv, cwd=checkout, timeout=timeout, env=env)
        if log is not None:
            log(i, res)
        if not res.ok:
            why = "timed out" if res.timed_out else f"exit {res.returncode}"
            raise SetupError(f"setup command {argv} failed ({why})", f"{res.stdout}\n{res.stderr}")
