"""Every command that runs untrusted code checks its sandbox first: without bubblewrap ``auto``
is one error line, and a weaker backend asked for by name is one loud warning line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.sandbox.test_backends import REFUSAL, works
from typer.testing import CliRunner

from proctor.cli.app import app
from proctor.cli.common import check_host_sandbox, check_sandbox
from proctor.sandbox import weak_isolation_warning
from proctor.settings import Settings
from proctor.spec import Task, dump_task


def command_line(command: str, calc: tuple[Task, Path], tmp: Path) -> list[str]:
    """``command`` with arguments that get it past its own checks, up to the sandbox's."""
    suite, out, patch = tmp / "suite", str(tmp / "out"), tmp / "fix.patch"
    suite.mkdir()
    (suite / "calc-1.yaml").write_text(dump_task(calc[0]))
    patch.write_text("")
    repo = str(calc[1])
    return {
        "run": ["run", "--suite", str(suite), "--model", "gold", "--out", out],
        "validate": ["validate", "--suite", str(suite)],
        "grade": ["grade", "--suite", str(suite), "--task", "calc-1", "--patch", str(patch)],
        "mine": ["mine", repo, "--out", out],
        "synth": ["synth", repo, "--commit", "HEAD", "--out", out],
        "humaneval": ["humaneval", "--model", "canonical", "--out", out],
        "compare": ["compare", "--model", "gold", "--humaneval-subset", "1", "--out", out],
    }[command]


UNTRUSTED = ["run", "validate", "grade", "mine", "synth", "humaneval", "compare"]


@pytest.mark.usefixtures("without_bwrap")
@pytest.mark.parametrize("command", UNTRUSTED)
def test_without_bwrap_every_command_refuses_in_one_line(
    command: str, calc: tuple[Task, Path], tmp_path: Path
) -> None:
    args = command_line(command, calc, tmp_path)
    result = CliRunner().invoke(app, args, env={"COLUMNS": "400"})
    assert result.exit_code == 1, result.output
    assert result.output == f"error: {REFUSAL}\n"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("backend", ["unshare", "none"])
def test_a_weaker_backend_named_is_a_loud_warning(
    backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if not works(backend):
        pytest.skip(f"{backend} does not work here")
    settings = Settings(sandbox=backend)
    assert check_sandbox(settings) is settings
    assert capsys.readouterr().err == f"WARNING: {weak_isolation_warning(backend)}\n"


@pytest.mark.skipif(not works("bwrap"), reason="bubblewrap does not work here")
def test_full_isolation_is_silent(capsys: pytest.CaptureFixture[str]) -> None:
    check_sandbox(Settings(sandbox="bwrap"))
    assert capsys.readouterr().err == ""


def host_venv_command(command: str, calc: tuple[Task, Path], tmp: Path) -> list[str]:
    """``command`` (one that builds host venvs) with arguments that reach its sandbox check."""
    if command == "env infer":
        return ["env", "infer", str(calc[1])]
    if command == "tasks import-swebench":
        instance = {
            "instance_id": "octo__widgets-1",
            "repo": "octo/widgets",
            "base_commit": "a" * 40,
            "patch": "diff --git a/w.py b/w.py\n",
            "test_patch": "diff --git a/t/test_w.py b/t/test_w.py\n",
            "FAIL_TO_PASS": '["t/test_w.py::test_x"]',
            "PASS_TO_PASS": "[]",
            "problem_statement": "Widgets break.",
            "created_at": "2023-01-01T00:00:00Z",
        }
        src = tmp / "in.jsonl"
        src.write_text(json.dumps(instance) + "\n")
        return ["tasks", "import-swebench", str(src), "--out", str(tmp / "out")]
    return command_line(command, calc, tmp)


HOST_VENV = {
    "mine": "mine",
    "synth": "synth",
    "env infer": "infer",
    "tasks import-swebench": "tasks import-swebench",
}
"""Commands that build host venvs (arguments) and the name their refusal gives them."""


@pytest.mark.parametrize("command", sorted(HOST_VENV))
def test_commands_that_build_host_venvs_refuse_docker_in_one_line(
    command: str, calc: tuple[Task, Path], tmp_path: Path
) -> None:
    args = [*host_venv_command(command, calc, tmp_path), "--sandbox", "docker"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "400"})
    assert result.exit_code == 1, result.output
    assert result.output == (
        f"error: proctor {HOST_VENV[command]} builds host venvs, which the docker sandbox "
        "cannot run; use --sandbox bwrap (or auto) for it (--sandbox docker serves run, "
        "validate and env build)\n"
    )
    assert not (tmp_path / "out").exists()


def test_auto_picking_docker_is_refused_for_a_host_venv_command(
    calc: tuple[Task, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("proctor.cli.common.detect_backend", lambda preferred: "docker")
    monkeypatch.delenv("PROCTOR_SANDBOX", raising=False)
    args = command_line("mine", calc, tmp_path)
    result = CliRunner().invoke(app, args, env={"COLUMNS": "400"})
    assert result.exit_code == 1, result.output
    assert result.output.startswith("error: proctor mine builds host venvs, which the docker ")
    assert "what auto picked here" in result.output and result.output.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_check_host_sandbox_lets_a_local_backend_through() -> None:
    if not works("bwrap"):
        pytest.skip("bubblewrap does not work here")
    settings = Settings(sandbox="bwrap")
    assert check_host_sandbox(settings, "mine") is settings


def test_zero_threads_is_refused_in_one_line() -> None:
    result = CliRunner().invoke(app, ["run", "--model", "gold", "--threads", "0"])
    assert result.exit_code == 2
    assert "--threads" in result.output and "greater than or equal to 1" in result.output
