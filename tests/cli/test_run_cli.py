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
from tests.conftest import NO_DOCKER
from tests.sandbox.test_backends import REFUSAL
from typer.testing import CliRunner

from proctor.cli.app import app
from proctor.cli.common import EXIT_ENVIRONMENT_ERRORS
from proctor.cli.run import DEFAULT_MODEL
from proctor.model import local
from proctor.model.catalog import resolve_spec
from proctor.model.weights import WEIGHTS
from proctor.run.lock import own_run_dir
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
    args = ("run", "--suite", str(suite), "--model", "gold", "--out", "out")
    first = proctor(*args, cwd=tmp_path, env=cli_env)
    out, _ = first.communicate(timeout=300)
    assert first.returncode == 0, out
    assert "2 (100%)" in out
    results = tmp_path / "out" / "results.jsonl"
    assert [r["outcome"] for r in lines(results)] == ["resolved", "resolved"]
    manifest = json.loads((tmp_path / "out" / "run.json").read_text())
    assert manifest["agent"] == "oneshot" and manifest["samples"] == 1  # the report shows them
    again = proctor(*args, cwd=tmp_path, env=cli_env)
    out2, _ = again.communicate(timeout=300)
    assert again.returncode == 0, out2
    assert len(lines(results)) == 2  # nothing redone, nothing doubled


def test_run_dir_of_another_model_is_refused(calc, tmp_path, cli_env) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    suite = write_suite(task, tmp_path / "suite", 1)
    base = ("run", "--suite", str(suite), "--out", "out", "--model")
    assert proctor(*base, "empty", cwd=tmp_path, env=cli_env).wait(timeout=300) == 0
    other = proctor(*base, "gold", cwd=tmp_path, env=cli_env)
    out, _ = other.communicate(timeout=60)
    assert other.returncode != 0
    assert "holds a run of model 'empty' on suite" in out
    assert "Traceback" not in out


def test_resume_after_kill_minus_nine(calc, tmp_path, cli_env) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    suite = write_suite(task, tmp_path / "suite", 5)
    args = ("run", "--suite", str(suite), "--model", "gold", "--out", "out")
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


def answer_preflight(server: socket.socket) -> None:
    """Answer one request (the preflight's model listing) with an empty list."""
    conn, _ = server.accept()
    with conn:
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(4096)
        body = b'{"object": "list", "data": []}'
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
        conn.sendall(head.encode() + b"\r\nConnection: close\r\n\r\n" + body)


def test_sigterm_stops_at_once_and_records_nothing_in_flight(calc, tmp_path, cli_env) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    suite = write_suite(task, tmp_path / "suite", 3)
    mute = socket.create_server(("127.0.0.1", 0))  # answers the preflight, then goes silent
    url = f"http://127.0.0.1:{mute.getsockname()[1]}/v1#silent"
    args = ("run", "--suite", str(suite), "--model", url, "-j", "2", "--out", "out")
    victim = proctor(*args, cwd=tmp_path, env={**cli_env, "PROCTOR_API_KEY": "k"})
    try:
        mute.settimeout(240)
        answer_preflight(mute)
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
    env = {**cli_env, "PATH": without_bwrap, "DOCKER_HOST": NO_DOCKER}
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
    run = proctor(*args, "--out", "out", cwd=tmp_path, env=env)
    out, _ = run.communicate(timeout=300)
    assert run.returncode == 0, out
    assert out.startswith(f"WARNING: {weak_isolation_warning('none')}\n")
    assert [r["outcome"] for r in lines(tmp_path / "out" / "results.jsonl")] == ["resolved"]


def invoke(*args: str, env: dict[str, str]):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), env=env)


def one_line(output: str) -> str:
    assert "Traceback" not in output
    assert output.strip().count("\n") == 0, output
    return output.strip()


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--sandbox", "bogus", "unknown sandbox backend 'bogus'"),
        ("--model", "http://127.0.0.1:9/v1#m", "endpoint http://127.0.0.1:9/v1 failed"),
    ],
    ids=["bogus sandbox", "dead endpoint"],
)
def test_a_broken_machine_stops_the_run_before_any_attempt(  # type: ignore[no-untyped-def]
    calc, tmp_path, cli_env, option, value, expected
) -> None:
    task, _ = calc
    suite = write_suite(task, tmp_path / "suite", 2)
    args = ["run", "--suite", str(suite), "--out", str(tmp_path / "out")]
    res = invoke(*args, "--model", "gold", option, value, env=cli_env)
    assert res.exit_code == 1
    assert expected in one_line(res.output)
    assert not (tmp_path / "out").exists()


def test_an_unreachable_repository_stops_the_run(calc, tmp_path, cli_env) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    gone = task.model_copy(update={"repo": str(tmp_path / "gone")})
    suite = write_suite(gone, tmp_path / "suite", 1)
    res = invoke("run", "--suite", str(suite), "--model", "gold", "--out", "out", env=cli_env)
    assert res.exit_code == 1
    assert "gone: no such file or directory" in one_line(res.output)


def test_environment_errors_left_give_exit_status_3(calc, tmp_path, cli_env) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    suite = write_suite(task.model_copy(update={"base_commit": "0" * 40}), tmp_path / "suite", 1)
    args = ("run", "--suite", str(suite), "--model", "gold", "--out", str(tmp_path / "out"))
    res = invoke(*args, env=cli_env)
    assert res.exit_code == EXIT_ENVIRONMENT_ERRORS == 3, res.output
    assert "1 of 1 attempt(s) ended in environment-error (infrastructure)" in res.output
    again = invoke(*args, env=cli_env)  # resumed: tried again, still failing
    assert again.exit_code == 3
    assert [r["tries"] for r in lines(tmp_path / "out" / "results.jsonl")] == [1, 2]


def test_a_run_dir_in_use_is_refused(calc, tmp_path, cli_env) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    suite = write_suite(task, tmp_path / "suite", 1)
    out = tmp_path / "out"
    with own_run_dir(out):  # another proctor process holds it
        res = invoke(
            "run", "--suite", str(suite), "--model", "gold", "--out", str(out), env=cli_env
        )
    assert res.exit_code == 1
    assert f"out: in use by another proctor process (pid {os.getpid()})" in one_line(res.output)
    assert not (out / "results.jsonl").exists()


def test_a_run_dir_of_another_suite_is_refused(calc, tmp_path, cli_env) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    first = write_suite(task, tmp_path / "first", 1)
    second = write_suite(task, tmp_path / "second", 1)
    base = ("run", "--model", "empty", "--out", str(tmp_path / "out"), "--suite")
    assert invoke(*base, str(first), env=cli_env).exit_code == 0
    res = invoke(*base, str(second), env=cli_env)
    assert res.exit_code == 1
    assert f"on suite '{first}', not model 'empty' on suite '{second}'" in one_line(res.output)


@pytest.mark.parametrize("where", ["file", "file/below"])
def test_a_run_dir_that_cannot_be_one_is_one_line(calc, tmp_path, cli_env, where) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    suite = write_suite(task, tmp_path / "suite", 1)
    (tmp_path / "file").write_text("not a folder")
    res = invoke(
        "run",
        "--suite",
        str(suite),
        "--model",
        "gold",
        "--out",
        str(tmp_path / where),
        env=cli_env,
    )
    assert res.exit_code == 1
    assert "is a file" in one_line(res.output)


def test_messages_are_not_eaten_as_markup(calc, tmp_path, cli_env, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    suite = write_suite(task, tmp_path / "suite", 1)
    monkeypatch.setattr(local, "llama_cpp_available", lambda: False)
    res = invoke("run", "--suite", str(suite), "--model", "local:smollm2-135m", env=cli_env)
    assert res.exit_code == 1
    assert "pip install 'proctor[local]'" in one_line(res.output)


def test_the_default_model_is_an_offline_one_with_pinned_weights() -> None:
    spec = resolve_spec(DEFAULT_MODEL, {})
    assert spec.local in WEIGHTS and spec.takes_grammar  # the format's grammar, as measured
    assert WEIGHTS[spec.local].sha256
