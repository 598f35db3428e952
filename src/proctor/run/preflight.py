"""Preflight: what a run needs from the machine, checked before its first attempt.

Without it, a missing sandbox backend, a dead model endpoint or an unreachable repository
turns every attempt into an ``environment-error`` and the run "finishes". Checked here, the
first such failure stops the command with one line naming what failed, before anything is
recorded. Each check raises the error of its layer; all are :class:`~proctor.errors.ProctorError`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from proctor.errors import ConfigError, EnvironmentBuildError
from proctor.model import Solver, SolverFactory
from proctor.repo import ensure_source
from proctor.run.solvers import AgentFactory
from proctor.sandbox import CONTAINER_BACKENDS, ImageProvider, detect_backend, python_found
from proctor.settings import Settings
from proctor.spec import Task

ENDPOINT_TIMEOUT_S = 10.0
"""How long the model endpoint has to answer the preflight request."""


def preflight(
    tasks: Sequence[Task],
    settings: Settings,
    *,
    model: Solver | SolverFactory | None = None,
    run_dir: Path | None = None,
) -> str:
    """Check, cheapest first, the run folder, the sandbox, the model endpoint and every
    repository the tasks need; return the sandbox backend that will be used.

    Raises:
        ConfigError: ``run_dir`` cannot be a run folder.
        SandboxError: the sandbox backend is unknown or does not work here.
        EnvironmentBuildError: a task needs what the backend cannot give it (system packages
            or a Python this machine lacks, under a local backend), or the docker backend's
            base image for a task's Python is not there.
        ModelError: the model's endpoint does not answer or refuses the key.
        RepoError: a repository is neither in the mirror cache nor clonable.
    """
    if run_dir is not None:
        check_run_dir(run_dir)
    backend = detect_backend(settings.sandbox)
    check_environments(tasks, settings, backend)
    if model is not None:
        check_model(model)
    check_repositories(tasks, settings.repos_dir)
    return backend


def check_run_dir(run_dir: Path) -> None:
    """``run_dir`` is a folder proctor can write, or can be made as one.

    Raises:
        ConfigError: it is a file, lies under a file, or its nearest existing folder cannot
            be written.
    """
    probe = run_dir
    while not os.path.lexists(probe) and probe.parent != probe:
        probe = probe.parent
    if probe == run_dir and not probe.is_dir():
        raise ConfigError(f"{run_dir}: is a file, not a run folder")
    if not probe.is_dir():
        raise ConfigError(f"{run_dir}: {probe} is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ConfigError(f"{run_dir}: {probe} is not writable")


def check_environments(tasks: Sequence[Task], settings: Settings, backend: str) -> None:
    """Every task's environment can be made under ``backend``.

    A local backend (a venv on this machine) refuses a task with system packages, or with a
    Python no interpreter here has; the docker backend needs the base image of each Python.

    Raises:
        EnvironmentBuildError: one line naming the first task that cannot run and the fix.
    """
    if backend in CONTAINER_BACKENDS:
        provider = ImageProvider(settings.envs_dir, settings.docker_base_image)
        for task in {t.environment.python: t for t in tasks}.values():
            provider.tag(task.environment, task.repo)  # raises, naming the command to run
        return
    for task in tasks:
        needs = task.environment.system_packages
        if needs:
            raise EnvironmentBuildError(
                f"task {task.id} needs system packages ({' '.join(needs)}), which the "
                f"{backend} sandbox cannot install; run it with --sandbox docker"
            )
    for python, task in {t.environment.python: t for t in tasks}.items():
        if not python_found(python):
            raise EnvironmentBuildError(
                f"task {task.id} needs Python {python}, which this machine has no interpreter "
                f"for; install it, or run with --sandbox docker (its base image has it)"
            )


def check_model(model: Solver | SolverFactory) -> None:
    """A chat model's endpoint answers (baselines, given patches and test doubles need none;
    a local model's server has been started and waited for already).

    Raises:
        ModelError: it does not, or refuses the key.
    """
    if isinstance(model, AgentFactory):
        model.check(ENDPOINT_TIMEOUT_S)


def check_repositories(tasks: Sequence[Task], repos_dir: Path) -> None:
    """Every repository of ``tasks`` is in the mirror cache, or is cloned into it now.

    Raises:
        RepoError: one cannot be had (one line: its URL and git's reason).
    """
    for url in dict.fromkeys(t.repo for t in tasks):
        ensure_source(url, repos_dir)
