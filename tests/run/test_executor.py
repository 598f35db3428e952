"""The executor seam: the local pool is the default, local runs never load Ray, and a Ray
address that does not answer ends in one line before anything is written."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import calc_task, make_calc_repo

from proctor.spec import dump_task


def test_local_commands_do_not_import_ray() -> None:
    probe = "import sys, proctor.cli.app, proctor.run; print('ray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_an_unreachable_ray_address_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    repo, base, fix = make_calc_repo(tmp_path / "calc")
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "calc-1.yaml").write_text(dump_task(calc_task(repo, base, fix)))
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = ["run", "--suite", str(suite), "--model", "gold", "--out", "run"]
    done = subprocess.run(
        [sys.executable, "-m", "proctor", *args, "--ray", f"127.0.0.1:{port}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    assert "--ray" in line and ("cannot reach Ray" in line or "needs Ray" in line), line
    assert not (tmp_path / "run").exists()


def test_mine_with_an_unreachable_ray_address_is_one_line_and_writes_nothing(
    tmp_path: Path,
) -> None:
    repo, _, _ = make_calc_repo(tmp_path / "calc")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = ["mine", str(repo), "--out", "mined", "--ray", f"127.0.0.1:{port}"]
    done = subprocess.run(
        [sys.executable, "-m", "proctor", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    (line,) = done.stderr.strip().splitlines()
    assert "--ray" in line and ("cannot reach Ray" in line or "needs Ray" in line), line
    assert not (tmp_path / "mined").exists()
