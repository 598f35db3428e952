"""The `proctor run` command end to end: relative run dirs, resume, resume after kill -9 and
after SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.sandbox.test_backends import REFUSAL

from proctor.sandbox import weak_isolation_warning
from proctor.spec import Task, dump_task


def write_suite(task: Task, folder: Path, copies: int) -> Path:
    folder.mkdir()
    for i in range(copies):
        t = task.model_copy(update={"id": f"calc-{i}"})
        (folder / f"calc-{i}.yaml").write_text(dump_task(t))
    return folder


def proctor(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "proctor", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture
def cli_env(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        **os.environ,
        "PROCTOR_CACHE_DIR": str(settings.cache_dir),
        "PROCTOR_REPOS_DIR": str(settings.repos_dir),
        "COLUMNS": "200",
    }


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_run_with_relative_run_dir_then_resume(calc, tmp_path, cli_env) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    suite = write_suite(task, tmp_path / "suite", 2)
    args = ("run", "--suite", str(suite), "--model", "gold", "--run-dir", "out")
    first = proctor(*args, cwd=tmp_path, env=cli_env)
    out, _ = first.communicate(timeout=300)
    assert first.returncode == 0, out
    assert "2 (100%)" in out
    results = tmp_path / "out" / "results.jsonl"
    assert [r["outcome"] for r in lines(results)] == ["resolved", "resolved"]
    again = proctor(*args, cwd=tmp_path, env=cli_env)
    out2, _ = again.communicate(timeout=300)
    assert again.returncode == 0, out2
    assert len(lines(results)) == 2  # nothing redone, nothing doubled


def test_run_dir_of_another_model_is_refused(calc, tmp_path, cli_env) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    suite = write_suite(task, tmp_path / "suite", 1)
    base = ("run", "--suite", str(suite), "--run-dir", "out", "--model")
    assert proctor(*base, "empty", cwd=tmp_path, env=cli_env).wait(timeout=300) == 0
    other = proctor(*base, "gold", cwd=tmp_path, env=cli_env)
    out, _ = other.communicate(timeout=60)
    assert other.returncode != 0
    assert "holds a run of model 'empty'" in out
    assert "Traceback" not in out


def test_resume_after_kill_minus_nine(calc, tmp_path, cli_env) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    suite = write_suite(task, tmp_path / "suite", 5)
    args = ("run", "--suite", str(suite), "--model", "gold", "--run-dir", "out")
    results = tmp_path / "out" / "results.jsonl"
    victim = proctor(*args, cwd=tmp_path, env=cli_env)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if results.exists() and len(results.read_text().splitlines()) >= 2:
            break
        time.sleep(0.05)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    done_before = len(results.read_text().splitlines())
    assert 2 <= done_before < 5, "the kill should land mid-run"
    again = proctor(*args, cwd=tmp_path, env=cli_env)
    out, _ = again.communicate(timeout=300)
    assert again.returncode == 0, out
    ids = [r["task_id"] for r in lines(results)]
    assert sorted(ids) == [f"calc-{i}" for i in range(5)]
    assert all(r["outcome"] == "resolved" for r in lines(results))


def test_sigterm_stops_at_once_and_records_nothing_in_flight(calc, tmp_path, cli_env) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    suite = write_suite(task, tmp_path / "suite", 3)
    mute = socket.create_server(("127.0.0.1", 0))  # takes connections, never answers
    url = f"http://127.0.0.1:{mute.getsockname()[1]}/v1#silent"
    args = ("run", "--suite", str(suite), "--model", url, "-j", "2", "--run-dir", "out")
    victim = proctor(*args, cwd=tmp_path, env={**cli_env, "PROCTOR_API_KEY": "k"})
    try:
        mute.settimeout(240)
        held = [mute.accept()[0] for _ in range(2)]  # both attempts are waiting on the model
        started = time.monotonic()
        victim.send_signal(signal.SIGTERM)
        out, _ = victim.communicate(timeout=60)
        took = time.monotonic() - started
    finally:
        victim.kill()
        mute.close()
    assert victim.returncode == 128 + signal.SIGTERM, out
    assert took < 15, f"exit took {took:.1f}s"
    assert "Traceback" not in out
    results = tmp_path / "out" / "results.jsonl"
    assert not results.exists() or results.read_text() == ""
    assert not (tmp_path / "out" / "calc-2").exists()  # never started
    for conn in held:
        conn.close()


def test_bad_suite_is_one_line(tmp_path, cli_env) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "suite").mkdir()
    (tmp_path / "suite" / "bad.yaml").write_text("id: x\n")
    run = proctor("run", "--suite", "suite", cwd=tmp_path, env=cli_env)
    out, _ = run.communicate(timeout=60)
    assert run.returncode == 1
    assert out.strip().count("\n") == 0, out
    assert "bad.yaml: repo: Field required" in out


def test_without_bwrap_run_refuses_in_one_line(calc, tmp_path, cli_env, without_bwrap) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    suite = write_suite(task, tmp_path / "suite", 1)
    env = {**cli_env, "PATH": without_bwrap}
    env.pop("PROCTOR_SANDBOX", None)
    run = proctor("run", "--suite", str(suite), "--model", "gold", cwd=tmp_path, env=env)
    out, _ = run.communicate(timeout=60)
    assert run.returncode == 1
    assert out == f"error: {REFUSAL}\n"
    assert not (tmp_path / "runs").exists()


def test_without_bwrap_a_weaker_sandbox_named_runs_and_warns(  # type: ignore[no-untyped-def]
    calc, tmp_path, cli_env, without_bwrap
) -> None:
    task, _ = calc
    suite = write_suite(task, tmp_path / "suite", 1)
    env = {**cli_env, "PATH": without_bwrap}
    args = ("run", "--suite", str(suite), "--model", "gold", "--sandbox", "none")
    run = proctor(*args, "--run-dir", "out", cwd=tmp_path, env=env)
    out, _ = run.communicate(timeout=300)
    assert run.returncode == 0, out
    assert out.startswith(f"WARNING: {weak_isolation_warning('none')}\n")
    assert [r["outcome"] for r in lines(tmp_path / "out" / "results.jsonl")] == ["resolved"]
