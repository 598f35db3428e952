"""Tests of proctor.sandbox.uvtool: the resolve date's options and uv pip compile for the lock."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from proctor.errors import EnvironmentBuildError
from proctor.sandbox import UNDATED, env, uvtool
from proctor.spec import Environment, LockedEnv

WHEN = datetime(2023, 3, 1, 1, 0, tzinfo=timezone.utc)


def fake_uv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> Path:
    """A uv that records its argv and stdin-file in ``argv.txt`` and then runs ``script``."""
    argv = tmp_path / "argv.txt"
    uv = tmp_path / "uv"
    uv.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{argv}"\ncat "$3" >> "{argv}"\n{script}\n')
    uv.chmod(0o755)
    monkeypatch.setattr(uvtool, "find_uv_bin", lambda: str(uv))
    return argv


def test_the_date_caps_everything_but_the_test_tools() -> None:
    options = uvtool.date_options(WHEN)
    assert options[:2] == ["--exclude-newer", "2023-03-01T01:00:00Z"]
    exempt = [options[i + 1].split("=")[0] for i, o in enumerate(options) if "package" in o]
    assert exempt == list(UNDATED)
    assert {"pytest", "pytest-timeout"} <= set(exempt)


def test_a_locked_install_takes_the_pins_as_they_are() -> None:
    lock = LockedEnv(inputs="x", python="3.11", exclude_newer=WHEN, resolved=["a==1", "b==2"])
    locked = Environment(packages=["a"]).model_copy(update={"lock": lock})
    assert env._install_args(locked, WHEN) == ["--no-deps", "a==1", "b==2"]
    unlocked = Environment(packages=["a"])
    assert env._install_args(unlocked, None) == ["a", "pytest", "pytest-timeout"]
    dated = env._install_args(unlocked, WHEN)
    assert dated[:2] == ["--exclude-newer", "2023-03-01T01:00:00Z"]
    assert dated[-3:] == ["a", "pytest", "pytest-timeout"]
    assert env._date_used(locked, None) == "2023-03-01T01:00:00Z"
    assert env._date_used(unlocked, None) is None


def test_resolve_pins_compiles_for_the_python_and_the_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = fake_uv(tmp_path, monkeypatch, "printf 'six==1.16.0\\n\\nPytest==7.2.1\\nattrs==22\\n'")
    pins = uvtool.resolve_pins(Environment(python="3.10", packages=["six"]), "t-1", WHEN)
    assert pins == ["attrs==22", "Pytest==7.2.1", "six==1.16.0"]
    seen = argv.read_text().splitlines()
    assert seen[:2] == ["pip", "compile"]
    assert seen[seen.index("--python-version") + 1] == "3.10"
    assert seen[seen.index("--exclude-newer") + 1] == "2023-03-01T01:00:00Z"
    assert {"--no-header", "--no-annotate", "--quiet"} <= set(seen)
    assert seen[-3:] == ["six", "pytest", "pytest-timeout"]  # the requirements file


def test_resolve_pins_failure_is_one_line_with_uvs_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_uv(tmp_path, monkeypatch, 'echo "error: No solution found when resolving" >&2\nexit 1')
    with pytest.raises(EnvironmentBuildError) as info:
        uvtool.resolve_pins(Environment(packages=["six"]), "t-1", WHEN)
    assert (
        str(info.value) == "environment t-1: step 'lock' failed: No solution found when resolving"
    )
    with pytest.raises(EnvironmentBuildError, match="is an option"):
        uvtool.resolve_pins(Environment(packages=["--pre"]), "t-1", WHEN)
