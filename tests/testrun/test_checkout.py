"""One session of a checkout under test: variables, mounts and the setup failure policy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from proctor.errors import EnvironmentBuildError, SetupError
from proctor.sandbox import ExecResult, PythonEnv
from proctor.spec import Environment
from proctor.testrun import run_setup, session_env, session_mounts


class Scripted:
    """A toy sandbox: each command exits with the code its first word names."""

    name = "scripted"

    def __init__(self) -> None:
        self.ran: list[tuple[str, ...]] = []

    def exec(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        timeout: float,
        env: Mapping[str, str] | None = None,
    ) -> ExecResult:
        self.ran.append(tuple(argv))
        code = int(argv[0])
        return ExecResult(tuple(argv), code, f"out of {argv[0]}", f"err of {argv[0]}", 0.0)


def venv(tmp_path: Path) -> PythonEnv:
    path = tmp_path / "venv"
    return PythonEnv("k", path, path / "bin" / "python", path / "bin", tmp_path / "base")


def test_the_first_failing_setup_command_raises_with_its_output(tmp_path: Path) -> None:
    box = Scripted()
    environment = Environment(setup=[["0", "ok"], ["3", "boom"], ["0", "never"]])
    logged: list[int] = []
    with pytest.raises(SetupError) as err:
        run_setup(box, environment, tmp_path, {}, log=lambda i, res: logged.append(i))
    assert isinstance(err.value, EnvironmentBuildError)  # grading: an environment-error
    assert str(err.value) == "setup command ['3', 'boom'] failed (exit 3)"
    assert "out of 3" in err.value.output and "err of 3" in err.value.output
    assert box.ran == [("0", "ok"), ("3", "boom")] and logged == [0, 1]


def test_variables_with_and_without_the_checkout_on_the_path(tmp_path: Path) -> None:
    environment = Environment(pythonpath=["src"], env={"LANG": "C.UTF-8"})
    checkout, scratch = tmp_path / "co", tmp_path / "scratch"
    on = session_env(venv(tmp_path), environment, checkout, scratch)
    assert on["PYTHONPATH"] == str(checkout / "src")
    assert (on["HOME"], on["TMPDIR"], on["LANG"]) == (str(scratch), "/tmp", "C.UTF-8")
    off = session_env(venv(tmp_path), environment, checkout, scratch, on_path=False)
    assert "PYTHONPATH" not in off and off["HOME"] == str(scratch)


def test_mounts_show_the_environment_read_only(tmp_path: Path) -> None:
    extra = tmp_path / "harness"
    mounts = session_mounts(venv(tmp_path), tmp_path / "co", tmp_path / "s", (extra,))
    assert mounts.writable == (tmp_path / "co", tmp_path / "s")
    assert tmp_path / "venv" in mounts.readonly and extra in mounts.readonly
