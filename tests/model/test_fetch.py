import subprocess
import sys

import pytest

from proctor.model.fetch import main


def test_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: python -m proctor.model.fetch NAME..." in capsys.readouterr().out
    assert main(["llama-70b"]) == 1
    assert "unknown local model 'llama-70b'" in capsys.readouterr().err


def test_run_as_a_module_without_runpy_warnings() -> None:
    done = subprocess.run(
        [sys.executable, "-W", "error", "-m", "proctor.model.fetch"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "RuntimeWarning" not in done.stderr
    assert "qwen2.5-coder-0.5b" in done.stdout
