"""Every command that runs untrusted code checks its sandbox first: without bubblewrap ``auto``
is one error line, and a weaker backend asked for by name is one loud warning line."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.sandbox.test_backends import REFUSAL, works
from typer.testing import CliRunner

from proctor.cli.app import app
from proctor.cli.common import check_sandbox
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
