"""Environment images end to end: the same verdicts as bubblewrap, system packages, another
Python, failed and half-built images, and images moved without a registry.

Every test builds the small repositories it needs at test time; each runs real containers and
builds real images (skipped, with the reason, where no engine answers or a base image is missing).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import calc_task, git, make_calc_repo
from tests.run.test_attempt import attempt
from tests.sandbox.docker_support import needs_docker

from proctor.errors import EnvironmentBuildError
from proctor.model import EmptyModel
from proctor.run import Outcome
from proctor.run.preflight import check_environments
from proctor.sandbox import (
    ImageProvider,
    detect_backend,
    docker_client,
    export_image,
    hold_env,
    import_images,
    remove_image,
)
from proctor.settings import Settings
from proctor.spec import Task

pytestmark = needs_docker()

DESCRIBE_BASE = "def describe(path):\n    return 'data'\n"
DESCRIBE_FIX = """import subprocess


def describe(path):
    done = subprocess.run(["file", "-b", path], capture_output=True, text=True, check=True)
    return done.stdout.strip()
"""
DESCRIBE_TESTS_BASE = "def test_imports():\n    import describe  # noqa: F401\n"
DESCRIBE_TESTS = """import describe


def test_imports():
    import describe  # noqa: F401


def test_text_file_is_text(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("hello world\\n")
    assert "text" in describe.describe(str(path)).lower()
"""


def _bwrap() -> bool:
    try:
        return detect_backend("bwrap") == "bwrap"
    except Exception:
        return False


def with_sandbox(settings: Settings, backend: str) -> Settings:
    return settings.model_copy(update={"sandbox": backend})


def make_describe_task(root: Path, system_packages: list[str]) -> Task:
    """A repository whose fix shells out to `file` (Debian package `file`, not in the base)."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "describe.py").write_text(DESCRIBE_BASE)
    (root / "tests").mkdir()
    (root / "tests" / "test_describe.py").write_text(DESCRIBE_TESTS_BASE)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    base = git(root, "rev-parse", "HEAD")
    (root / "describe.py").write_text(DESCRIBE_FIX)
    (root / "tests" / "test_describe.py").write_text(DESCRIBE_TESTS)
    git(root, "commit", "-qam", "describe files with file(1)")
    fix = git(root, "rev-parse", "HEAD")
    return Task.model_validate(
        {
            "id": "describe-1",
            "repo": str(root),
            "base_commit": base,
            "created_at": "2024-01-01T00:00:00Z",
            "problem_statement": "describe() says 'data' for every file; it should say what "
            "kind of file it is, as file(1) does.",
            "reference": {"commit": fix},
            "environment": {"system_packages": system_packages},
            "hidden_tests": {
                "files": ["tests/test_describe.py"],
                "fail_to_pass": ["tests/test_describe.py::test_text_file_is_text"],
                "pass_to_pass": ["tests/test_describe.py::test_imports"],
            },
        }
    )


@pytest.mark.skipif(not _bwrap(), reason="needs bubblewrap to compare with")
def test_gold_and_empty_verdicts_match_bubblewrap(calc, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    verdicts = {}
    for backend in ("bwrap", "docker"):
        chosen = with_sandbox(settings, backend)
        gold = attempt(task, "gold", chosen, tmp_path / f"{backend}-gold")
        empty = attempt(task, EmptyModel(), chosen, tmp_path / f"{backend}-empty")
        assert gold.sandbox == empty.sandbox == backend
        verdicts[backend] = [
            (r.outcome, r.f2p_passed, r.p2p_passed, r.tests) for r in (gold, empty)
        ]
        if backend == "docker":
            assert gold.image_digest.startswith("sha256:")
            assert gold.image_digest == empty.image_digest
        else:
            assert gold.image_digest == ""
    assert verdicts["docker"] == verdicts["bwrap"]
    assert verdicts["docker"][0][0] is Outcome.RESOLVED
    assert verdicts["docker"][1][0] is Outcome.UNRESOLVED


def test_a_system_package_is_installed_and_needed(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    docker = with_sandbox(settings, "docker")
    task = make_describe_task(tmp_path / "with", ["file"])
    assert attempt(task, "gold", docker, tmp_path / "gold").outcome is Outcome.RESOLVED
    assert attempt(task, EmptyModel(), docker, tmp_path / "empty").outcome is Outcome.UNRESOLVED
    # The same task in an image without the package: the reference fix fails its tests.
    bare = make_describe_task(tmp_path / "without", [])
    result = attempt(bare, "gold", docker, tmp_path / "bare")
    assert result.outcome is Outcome.UNRESOLVED
    assert result.tests["tests/test_describe.py::test_text_file_is_text"] != "passed"


def test_a_local_backend_refuses_system_packages_in_one_line(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    task = make_describe_task(tmp_path / "repo", ["file"])
    with pytest.raises(EnvironmentBuildError) as err:
        check_environments([task], settings, "bwrap")
    assert str(err.value) == (
        "task describe-1 needs system packages (file), which the bwrap sandbox cannot install; "
        "run it with --sandbox docker"
    )
    if _bwrap():
        result = attempt(task, "gold", with_sandbox(settings, "bwrap"), tmp_path / "a")
        assert result.outcome is Outcome.ENVIRONMENT_ERROR
        assert "--sandbox docker" in result.message and "\n" not in result.message


@needs_docker("3.9")
def test_another_python_comes_from_its_base_image(tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    repo, base, fix = make_calc_repo(tmp_path / "calc")
    task = calc_task(repo, base, fix)
    task = task.model_copy(
        update={"environment": task.environment.model_copy(update={"python": "3.9"})}
    )
    docker = with_sandbox(settings, "docker")
    gold = attempt(task, "gold", docker, tmp_path / "gold")
    assert gold.outcome is Outcome.RESOLVED, gold.message
    env = ImageProvider(docker.envs_dir).status(task.environment, task.repo)
    assert env is not None
    probe = docker_client().containers.run(
        env.image, [str(env.python), "-c", "import sys; print(sys.version)"], remove=True
    )
    assert probe.decode().startswith("3.9.")


def test_a_failed_build_is_an_environment_error_with_its_log(calc, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    env = task.environment.model_copy(update={"packages": ["proctor-no-such-package-zz==1.0"]})
    broken = task.model_copy(update={"environment": env})
    result = attempt(broken, "gold", with_sandbox(settings, "docker"), tmp_path)
    assert result.outcome is Outcome.ENVIRONMENT_ERROR
    assert "step 'install' failed" in result.message
    log = (tmp_path / "attempt" / "env.log").read_text()
    assert "proctor-no-such-package-zz" in log and "[exit " in log


def test_a_half_built_image_is_rebuilt_never_used(calc, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    provider = ImageProvider(settings.envs_dir)
    first = provider.build(task.environment, task.repo)
    # A run killed after the commit but before the marker: the marker is missing.
    (first.path / "proctor-env.json").unlink()
    assert provider.status(task.environment, task.repo) is None
    # ... and one killed mid-build left its build container behind.
    client = docker_client()
    name = "proctor-build-" + first.image.replace(":", "-")
    client.containers.run(first.image, ["sleep", "600"], name=name, detach=True)
    again = provider.build(task.environment, task.repo)
    assert again.image == first.image and again.image_id != first.image_id
    assert not client.containers.list(all=True, filters={"name": name})
    assert provider.status(task.environment, task.repo) == again


def test_images_move_between_machines_without_a_registry(calc, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    provider = ImageProvider(settings.envs_dir)
    built = provider.build(task.environment, task.repo)
    archive = tmp_path / "env.tar"
    assert export_image(built.image, archive) > 0
    with hold_env(built):  # an attempt uses it: prune leaves it
        assert not remove_image(settings.envs_dir, built.image)
    assert remove_image(settings.envs_dir, built.image)
    assert provider.status(task.environment, task.repo) is None
    assert import_images(settings.envs_dir, archive) == [built.image]
    loaded = provider.status(task.environment, task.repo)
    assert loaded is not None and loaded.image_id == built.image_id
    assert list(loaded.path.glob("lib/python*/site-packages/*-info/entry_points.txt"))
