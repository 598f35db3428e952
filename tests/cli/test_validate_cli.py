"""`proctor validate`: a broken machine is one line; test ids that do not exist are named."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from proctor.cli.app import app
from proctor.spec import Task, dump_task


@pytest.fixture
def env(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        **os.environ,
        "PROCTOR_CACHE_DIR": str(settings.cache_dir),
        "PROCTOR_REPOS_DIR": str(settings.repos_dir),
        "COLUMNS": "300",
    }


def _suite(task: Task, folder: Path) -> Path:
    folder.mkdir()
    (folder / f"{task.id}.yaml").write_text(dump_task(task))
    return folder


def test_an_f2p_id_that_does_not_exist_is_named(calc, tmp_path, env) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    nope = "tests/test_calc.py::test_nope"
    hidden = task.hidden_tests.model_copy(
        update={"fail_to_pass": [*task.hidden_tests.fail_to_pass, nope]}
    )
    suite = _suite(task.model_copy(update={"hidden_tests": hidden}), tmp_path / "suite")
    res = CliRunner().invoke(app, ["validate", "--suite", str(suite)], env=env)
    assert res.exit_code == 1, res.output
    assert f"calc-1: F2P test ids do not exist: {nope}" in res.output
    assert "P2P" not in res.output  # nothing blamed on the tests that do exist


def test_a_bogus_sandbox_is_one_line(calc, tmp_path, env) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    suite = _suite(task, tmp_path / "suite")
    res = CliRunner().invoke(
        app, ["validate", "--suite", str(suite)], env={**env, "PROCTOR_SANDBOX": "bogus"}
    )
    assert res.exit_code == 1
    assert res.output.strip().count("\n") == 0, res.output
    assert "unknown sandbox backend 'bogus'" in res.output
