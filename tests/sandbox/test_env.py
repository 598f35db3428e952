"""Tests of proctor.sandbox.env: venvs built with uv, cached by key, safe to share.

Tests marked ``slow`` install from the package index (reachable here and in CI); they use
uv's default cache, so repeat runs are quick. The rest are hermetic.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from proctor.errors import EnvironmentBuildError
from proctor.sandbox import env as env_mod
from proctor.sandbox import env_probe, uvtool
from proctor.sandbox.env import MARKER, PythonEnv, build_env, env_status, with_test_tools
from proctor.spec.models import Environment

REPO = "https://github.com/example/project"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Environment, Path, PythonEnv]:
    """One real venv (pytest and pytest-timeout only), shared by the tests that only read it."""
    envs_dir = tmp_path_factory.mktemp("envs")
    spec = Environment()
    return spec, envs_dir, build_env(spec, REPO, envs_dir)


def _fake_env(tmp_path: Path) -> PythonEnv:
    venv = tmp_path / "venv"
    return PythonEnv("k", venv, venv / "bin/python", venv / "bin", Path("/opt/py"))


# --- pure helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("packages", "added"),
    [
        ([], ["pytest", "pytest-timeout"]),
        (["attrs"], ["pytest", "pytest-timeout"]),
        (["pytest<8"], ["pytest-timeout"]),
        (["PyTest[testing] >= 7 ; python_version > '3'"], ["pytest-timeout"]),
        (["pytest_timeout==2.1", "pytest==7.4"], []),
        (["pytest-xdist"], ["pytest", "pytest-timeout"]),
    ],
)
def test_pytest_and_timeout_are_added_unless_named(packages: list[str], added: list[str]) -> None:
    assert with_test_tools(packages) == [*packages, *added]


def test_env_vars_put_venv_first_and_checkout_folders_absolute(tmp_path: Path) -> None:
    penv = _fake_env(tmp_path)
    checkout = tmp_path / "co"
    got = penv.env_vars(checkout, [".", "src", "lib/"])
    assert got["PATH"] == f"{penv.bin_dir}:/usr/local/bin:/usr/bin:/bin"
    assert got["VIRTUAL_ENV"] == str(penv.path)
    assert got["PYTHONPATH"] == f"{checkout}:{checkout}/src:{checkout}/lib"
    assert got["PYTHONDONTWRITEBYTECODE"] == "1"
    assert got["PYTHONHASHSEED"] == "0"
    assert "PYTHONPATH" not in penv.env_vars(checkout, [])


@pytest.mark.parametrize("entry", ["../outside", "/abs/path", "src/../../x"])
def test_env_vars_reject_folders_outside_the_checkout(tmp_path: Path, entry: str) -> None:
    with pytest.raises(ValueError, match="inside the checkout"):
        _fake_env(tmp_path).env_vars(tmp_path / "co", [entry])


def test_readonly_paths_drop_duplicates_and_nested(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    penv = PythonEnv(
        "k", venv, venv / "bin/python", venv / "bin", Path("/opt/py"), (Path("/opt/py/lib"),)
    )
    assert penv.readonly_paths() == (venv, Path("/opt/py"))


def test_same_packages_in_another_order_share_a_key() -> None:
    a = Environment(packages=["attrs", "six"])
    b = Environment(packages=["six", "attrs"])
    c = Environment(packages=["attrs"])
    assert a.key(REPO) == b.key(REPO) != c.key(REPO)


# --- hermetic failures --------------------------------------------------------------------


def test_unknown_python_version_fails_at_the_venv_step(tmp_path: Path) -> None:
    spec = Environment(python="3.99")
    log = tmp_path / "build.log"
    with pytest.raises(EnvironmentBuildError) as err:
        build_env(spec, REPO, tmp_path / "envs", log=log)
    message = str(err.value)
    assert "\n" not in message
    assert spec.key(REPO) in message
    assert "step 'venv'" in message
    assert "3.99" in message
    assert not (tmp_path / "envs" / spec.key(REPO)).exists()
    assert "uv venv --python 3.99" in log.read_text()


def test_install_failure_removes_the_half_built_venv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Offline with an empty cache: the install step fails without touching the network.
    monkeypatch.setenv("UV_OFFLINE", "1")
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "empty-cache"))
    spec = Environment(packages=["attrs"])
    with pytest.raises(EnvironmentBuildError, match=r"step 'install' failed: .*attrs"):
        build_env(spec, REPO, tmp_path / "envs")
    assert not (tmp_path / "envs" / spec.key(REPO)).exists()
    assert env_status(spec, REPO, tmp_path / "envs") is None


def test_a_package_entry_that_is_an_option_is_refused(tmp_path: Path) -> None:
    spec = Environment(packages=["--index-url=https://example.invalid/simple"])
    with pytest.raises(EnvironmentBuildError, match="is an option, not a requirement"):
        build_env(spec, REPO, tmp_path)
    assert not any(tmp_path.iterdir())


def test_secrets_are_not_passed_to_uv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dump = tmp_path / "uv-env.txt"
    fake_uv = tmp_path / "uv"
    fake_uv.write_text(f'#!/bin/sh\nenv > "{dump}"\necho "error: fake uv says no" >&2\nexit 2\n')
    fake_uv.chmod(0o755)
    monkeypatch.setattr(uvtool, "find_uv_bin", lambda: str(fake_uv))
    for name in ("OPENAI_API_KEY", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "DB_PASSWORD"):
        monkeypatch.setenv(name, "hunter2")
    monkeypatch.setenv("PROCTOR_HARMLESS", "yes")
    with pytest.raises(EnvironmentBuildError, match="fake uv says no"):
        build_env(Environment(), REPO, tmp_path / "envs")
    seen = dict(line.split("=", 1) for line in dump.read_text().splitlines() if "=" in line)
    assert "hunter2" not in seen.values()
    assert seen["PROCTOR_HARMLESS"] == "yes"
    assert seen["UV_PYTHON_DOWNLOADS"] == "never"


@pytest.mark.parametrize(
    ("requirement", "parsed"),
    [
        ("attrs", ("attrs", frozenset())),
        (
            "Zope.Interface[Test, docs] >= 5 ; python_version > '3'",
            ("zope-interface", {"test", "docs"}),
        ),
        ("name @ https://example.org/name-1.0.tar.gz", ("name", frozenset())),
        ("git+https://github.com/example/project", None),
        ("./vendor/lib", None),
    ],
)
def test_probe_parses_requirement_names_and_extras(
    requirement: str, parsed: tuple[str, set[str]] | None
) -> None:
    assert env_probe.parse(requirement) == parsed


def test_probe_follows_dependencies_only_where_their_marker_holds() -> None:
    assert env_probe.required("six>=1", frozenset()) == ("six", frozenset())
    assert env_probe.required("six ; python_version < '3'", frozenset()) is None
    assert env_probe.required("Six[A] ; extra == 'test'", frozenset()) is None
    assert env_probe.required("Six[A] ; extra == 'test'", frozenset({"test"})) == ("six", {"a"})


def test_probe_compiles_named_packages_with_dependencies_but_not_the_runners() -> None:
    # In proctor's own environment: pydantic requires pydantic-core; pytest requires pluggy.
    files = env_probe.dependency_files(["pydantic"])
    folders = {Path(f).parent.name for f in files} | {Path(f).parent.parent.name for f in files}
    assert {"pydantic", "pydantic_core", "_pytest"} <= folders
    assert "pluggy" not in folders  # the runner's dependencies: only what importing it loads
    assert all(f.endswith(".py") and Path(f).is_file() for f in files)
    assert env_probe.dependency_files(["proctor-no-such-package-7f3a9c"]) == sorted(
        env_probe.dependency_files([])
    )


def test_a_probe_without_report_is_a_build_error() -> None:
    with pytest.raises(EnvironmentBuildError, match="step 'check' printed no report"):
        env_mod._report("k", "some noise\n")
    assert env_mod._report("k", 'x\n{"version": "3", "prefixes": [], "compiled": 3}\n') == {
        "version": "3",
        "prefixes": [],
        "compiled": 3,
    }


def test_a_venv_without_marker_is_not_built(tmp_path: Path) -> None:
    spec = Environment()
    half = tmp_path / spec.key(REPO)
    (half / "bin").mkdir(parents=True)
    (half / "pyvenv.cfg").write_text("home = /usr/bin\n")
    assert env_status(spec, REPO, tmp_path) is None


# --- real builds --------------------------------------------------------------------------


@pytest.mark.slow
def test_build_then_reuse(built: tuple[Environment, Path, PythonEnv], tmp_path: Path) -> None:
    spec, envs_dir, penv = built
    assert penv.path == envs_dir.resolve() / spec.key(REPO)
    marker = json.loads((penv.path / MARKER).read_text())
    assert marker["key"] == spec.key(REPO)
    assert marker["python_version"].startswith("3.11.")
    assert marker["compiled_files"] > 50
    assert env_status(spec, REPO, envs_dir) == penv

    log = tmp_path / "reuse.log"
    start = time.monotonic()
    again = build_env(spec, REPO, envs_dir, log=log)
    assert time.monotonic() - start < 0.5
    assert again == penv
    assert not log.exists()  # nothing was built
    out = subprocess.run(
        [str(penv.python), "-m", "pytest", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr


def _compiled(module: Path) -> bool:
    tag = sys.implementation.cache_tag
    return (module.parent / "__pycache__" / f"{module.stem}.{tag}.pyc").is_file()


@pytest.mark.slow
def test_what_test_runs_load_is_compiled_and_little_else(
    built: tuple[Environment, Path, PythonEnv],
) -> None:
    _, _, penv = built
    site = next(penv.path.glob("lib/python3*/site-packages"))
    assert _compiled(site / "_pytest" / "python.py")
    assert _compiled(site / "_pytest" / "junitxml.py")  # a plugin, loaded at run time
    assert _compiled(site / "pytest_timeout.py")
    assert _compiled(site / "pluggy" / "_hooks.py")  # loaded by `import pytest`
    lexers = sorted((site / "pygments" / "lexers").glob("[a-z]*.py"))
    assert len(lexers) > 100
    assert sum(map(_compiled, lexers)) < 10  # pytest loads the python and diff lexers only


@pytest.mark.slow
def test_package_lists_get_their_own_venvs(tmp_path: Path) -> None:
    first = Environment(packages=["attrs", "six"])
    other = Environment(packages=["attrs"])
    reordered = Environment(packages=["six", "attrs"])
    a = build_env(first, REPO, tmp_path)
    b = build_env(other, REPO, tmp_path)
    log = tmp_path / "reordered.log"
    c = build_env(reordered, REPO, tmp_path, log=log)
    assert a.path != b.path
    assert c == a
    assert not log.exists()
    check = "import attrs, six"
    assert subprocess.run([str(a.python), "-c", check]).returncode == 0
    assert subprocess.run([str(b.python), "-c", check], capture_output=True).returncode != 0


@pytest.mark.slow
def test_unknown_package_fails_at_the_install_step(tmp_path: Path) -> None:
    spec = Environment(packages=["proctor-no-such-package-7f3a9c"])
    with pytest.raises(EnvironmentBuildError) as err:
        build_env(spec, REPO, tmp_path)
    assert "step 'install' failed" in str(err.value)
    assert "proctor-no-such-package-7f3a9c" in str(err.value)
    assert not (tmp_path / spec.key(REPO)).exists()


@pytest.mark.slow
def test_a_half_built_venv_is_rebuilt(tmp_path: Path) -> None:
    spec = Environment()
    half = tmp_path / spec.key(REPO)
    half.mkdir()
    (half / "leftover").write_text("from a build that crashed")
    penv = build_env(spec, REPO, tmp_path)
    assert penv.path == half.resolve()
    assert not (half / "leftover").exists()
    assert (half / MARKER).is_file()


_BUILD_SCRIPT = """
import sys
from pathlib import Path
from proctor.sandbox.env import build_env
from proctor.spec.models import Environment
penv = build_env(Environment(packages=["attrs"]), sys.argv[1], Path(sys.argv[2]),
                 log=Path(sys.argv[3]))
print(penv.path)
"""


@pytest.mark.slow
def test_two_processes_building_one_key_share_one_venv(tmp_path: Path) -> None:
    envs_dir = tmp_path / "envs"
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _BUILD_SCRIPT, REPO, str(envs_dir), str(log)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for log in logs
    ]
    results = [p.communicate(timeout=600) for p in procs]
    for proc, (_, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
    paths = {out.strip() for out, _ in results}
    assert len(paths) == 1
    assert [p.name for p in envs_dir.iterdir() if p.is_dir()] == [Path(paths.pop()).name]
    assert sum(log.exists() for log in logs) == 1  # exactly one of them built


def _bwrap_works() -> bool:
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return False
    probe = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "true"]
    return subprocess.run(probe, capture_output=True).returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(not _bwrap_works(), reason="bwrap is missing or cannot create namespaces")
def test_readonly_paths_are_enough_to_start_python(
    built: tuple[Environment, Path, PythonEnv], tmp_path: Path
) -> None:
    penv = built[2]
    checkout = tmp_path / "checkout"
    (checkout / "src").mkdir(parents=True)
    (checkout / "src" / "mypkg.py").write_text("VALUE = 42\n")
    env = penv.env_vars(checkout, ["src"])
    code = "import pytest, pytest_timeout, mypkg; print(mypkg.VALUE)"
    out = _in_bwrap([*penv.readonly_paths(), checkout], env, ["python", "-c", code])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "42"

    # Without the base interpreter's prefix the venv cannot start: the list is not padding.
    out = _in_bwrap([penv.path, checkout], env, ["python", "-c", "pass"])
    assert out.returncode != 0


def _in_bwrap(
    paths: list[Path], env: dict[str, str], argv: list[str]
) -> subprocess.CompletedProcess[str]:
    """Run argv seeing only /usr, /lib, /etc and ``paths``, all read-only."""
    cmd = ["bwrap", "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for name in ("lib", "lib64"):
        if Path("/", name).exists():
            cmd += ["--ro-bind", f"/{name}", f"/{name}"]
    cmd += ["--symlink", "usr/bin", "/bin", "--dev", "/dev", "--proc", "/proc", "--clearenv"]
    for path in paths:
        cmd += ["--ro-bind", str(path), str(path)]
    for name, value in env.items():
        cmd += ["--setenv", name, value]
    return subprocess.run([*cmd, *argv], capture_output=True, text=True, timeout=60)
