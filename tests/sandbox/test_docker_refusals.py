"""What the docker backend's neighbours refuse, each in one line: system packages and missing
Pythons under a local backend, docker where only a local process will do, and an engine or a
base image that is not there. Most need no engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import calc_task, make_calc_repo
from tests.sandbox.docker_support import needs_docker

from proctor.errors import EnvironmentBuildError, SandboxError
from proctor.run.preflight import check_environments
from proctor.sandbox import LocalSandbox, Mounts, VenvProvider, detect_backend, engine_problem
from proctor.sandbox.backends import _probe
from proctor.sandbox.docker_engine import _client_for
from proctor.settings import Settings
from proctor.spec import Environment, Task


def _task(tmp_path: Path, **environment: object) -> Task:
    repo, base, fix = make_calc_repo(tmp_path / "calc")
    task = calc_task(repo, base, fix)
    env = task.environment.model_copy(update=environment)
    return task.model_copy(update={"environment": env})


def test_system_packages_are_debian_names_and_join_the_key_only_when_given() -> None:
    plain = Environment()
    assert Environment(system_packages=[]).key("r") == plain.key("r")
    with_magic = Environment(system_packages=["libmagic1"])
    assert with_magic.key("r") != plain.key("r")
    assert Environment(system_packages=["libmagic1", "libmagic1"]).key("r") == with_magic.key("r")
    with pytest.raises(ValueError, match="not a Debian package name"):
        Environment(system_packages=["libmagic1; rm -rf /"])


def test_a_local_backend_refuses_system_packages(tmp_path: Path, settings: Settings) -> None:
    task = _task(tmp_path, system_packages=["libmagic1"])
    with pytest.raises(EnvironmentBuildError) as err:
        check_environments([task], settings, "bwrap")
    assert str(err.value) == (
        "task calc-1 needs system packages (libmagic1), which the bwrap sandbox cannot "
        "install; run it with --sandbox docker"
    )
    with pytest.raises(EnvironmentBuildError, match="run it with --sandbox docker"):
        VenvProvider(settings.envs_dir).build(task.environment, task.repo)


def test_a_local_backend_refuses_a_python_this_machine_lacks(
    tmp_path: Path, settings: Settings
) -> None:
    task = _task(tmp_path, python="3.99")
    with pytest.raises(EnvironmentBuildError) as err:
        check_environments([task], settings, "unshare")
    assert str(err.value) == (
        "task calc-1 needs Python 3.99, which this machine has no interpreter for; install it, "
        "or run with --sandbox docker (its base image has it)"
    )


def test_docker_is_never_a_local_process(tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="runs whole test sessions only"):
        detect_backend("docker", local=True)
    with pytest.raises(SandboxError, match="runs whole test sessions only"):
        LocalSandbox(Mounts(), backend="docker")


def test_no_engine_is_one_line_naming_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    _client_for.cache_clear()
    _probe.cache_clear()
    try:
        problem = engine_problem()
        assert problem is not None and "\n" not in problem
        assert problem.startswith("no docker engine answers at unix:///nonexistent/docker.sock")
        assert "apt-get install docker.io" in problem
        with pytest.raises(SandboxError, match="sandbox backend 'docker' is not available"):
            detect_backend("docker")
    finally:
        _client_for.cache_clear()
        _probe.cache_clear()


@needs_docker()
def test_a_missing_base_image_names_the_command_that_builds_it(
    tmp_path: Path, settings: Settings
) -> None:
    task = _task(tmp_path, python="3.12")
    elsewhere = settings.model_copy(update={"docker_base_image": "proctor-nowhere:py{python}"})
    with pytest.raises(EnvironmentBuildError) as err:
        check_environments([task], elsewhere, "docker")
    assert "base image proctor-nowhere:py3.12 is not there" in str(err.value)
    assert "proctor env base-image --python 3.12" in str(err.value)
