"""LocalSandbox: every guarantee is checked by running a command that would break it."""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from proctor.errors import SandboxError
from proctor.sandbox import detect_backend, weak_isolation_warning
from proctor.sandbox.base import ExecResult, Limits, Mounts, Sandbox
from proctor.sandbox.local import LocalSandbox, scrub_env

PY = sys.executable
# What the test interpreter needs to start inside bwrap: the venv and its base interpreter.
RUNTIME = (Path(sys.prefix), Path(sys.base_prefix))


def _usable(backend: str) -> bool:
    try:
        detect_backend(backend)
    except SandboxError:
        return False
    return True


def _params(*names: str) -> list[object]:
    return [
        pytest.param(n, marks=pytest.mark.skipif(not _usable(n), reason=f"{n} does not work here"))
        for n in names
    ]


ALL = _params("bwrap", "unshare", "none")
ISOLATED_NET = _params("bwrap", "unshare")
READONLY_ENV = _params("bwrap", "unshare")
HIDDEN_FS = _params("bwrap")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    folder = tmp_path / "checkout"
    folder.mkdir()
    return folder


def sandbox(backend: str, checkout: Path, **limits: int) -> LocalSandbox:
    return LocalSandbox(Mounts(writable=(checkout,), readonly=RUNTIME), Limits(**limits), backend)


def py(box: LocalSandbox, code: str, cwd: Path, *args: str, timeout: float = 10) -> ExecResult:
    return box.exec([PY, "-c", code, *args], cwd=cwd, timeout=timeout)


def test_local_sandbox_satisfies_protocol(checkout: Path) -> None:
    assert isinstance(sandbox("none", checkout), Sandbox)


def test_scrub_env_drops_credentials_and_keeps_the_rest() -> None:
    kept = scrub_env(
        {
            "OPENAI_API_KEY": "x",
            "github_token": "x",
            "MY_SECRET_THING": "x",
            "DB_PASSWORD": "x",
            "GOOGLE_APPLICATION_CREDENTIALS": "x",
            "PROCTOR_MODEL": "x",
            "ANTHROPIC_BASE_URL": "x",
            "AWS_REGION": "x",
            "HF_HOME": "x",
            "PATH": "/bin",
            "PYTHONPATH": "/src",
            "LANG": "C",
        }
    )
    assert kept == {"PATH": "/bin", "PYTHONPATH": "/src", "LANG": "C"}


@pytest.fixture
def listener() -> Iterator[int]:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


CONNECT = """
import socket, sys
def attempt(host, port):
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
        return "connected"
    except OSError as exc:
        return type(exc).__name__
print(" ".join(attempt(h, p) for h, p in zip(sys.argv[1::2], sys.argv[2::2])))
"""


@pytest.mark.parametrize("backend", ISOLATED_NET)
def test_network_is_refused(backend: str, checkout: Path, listener: int) -> None:
    result = py(
        sandbox(backend, checkout), CONNECT, checkout, "127.0.0.1", str(listener), "1.1.1.1", "53"
    )
    assert result.ok, result.stderr
    assert "connected" not in result.stdout.split()


def test_network_probe_connects_without_isolation(checkout: Path, listener: int) -> None:
    # The control for test_network_is_refused: the same probe does reach the host listener.
    result = py(sandbox("none", checkout), CONNECT, checkout, "127.0.0.1", str(listener))
    assert result.stdout.split() == ["connected"]


ALLOCATE = """
import sys
try:
    block = bytearray(int(sys.argv[1]) * 1024 * 1024)
except MemoryError:
    sys.exit(3)
print(len(block))
"""


@pytest.mark.parametrize("backend", ALL)
def test_memory_cap(backend: str, checkout: Path) -> None:
    box = sandbox(backend, checkout, memory_mb=256)
    assert py(box, ALLOCATE, checkout, "32").ok
    assert py(box, ALLOCATE, checkout, "512").returncode == 3


@pytest.mark.parametrize("backend", ALL)
def test_cpu_cap_kills_a_busy_loop(backend: str, checkout: Path) -> None:
    box = sandbox(backend, checkout, cpu_s=1)
    assert py(box, "print(sum(range(1000)))", checkout).stdout == "499500\n"
    result = py(box, "while True: pass", checkout, timeout=10)
    assert not result.timed_out
    assert result.returncode in (-signal.SIGXCPU, -signal.SIGKILL)


def _running(marker: str) -> list[int]:
    """Pids on this machine whose command line mentions ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker in (entry / "cmdline").read_text():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.parametrize("backend", ALL)
def test_timeout_kills_the_whole_group(backend: str, checkout: Path) -> None:
    box = sandbox(backend, checkout)
    flags = [checkout / "grandchild", checkout / "daemon"]
    script = f'sh -c "sleep 0.8; touch {flags[0]}" & '
    # A daemon leaving the process group is reached by the pid namespace or the cgroup.
    if backend != "none" or box.caps_processes:
        script += f'setsid sh -c "sleep 0.8; touch {flags[1]}" & '
    result = box.exec(["sh", "-c", script + "sleep 30"], cwd=checkout, timeout=0.2)
    assert result.timed_out
    assert result.returncode == -9
    assert result.duration_s < 3
    time.sleep(1.0)
    assert not any(flag.exists() for flag in flags)
    assert _running(str(checkout)) == []


@pytest.mark.parametrize("backend", ALL)
def test_leftovers_are_killed_when_the_command_exits(backend: str, checkout: Path) -> None:
    flag = checkout / "late"
    result = sandbox(backend, checkout).exec(
        ["sh", "-c", f'sh -c "sleep 0.5; touch {flag}" >/dev/null 2>&1 & exit 0'],
        cwd=checkout,
        timeout=10,
    )
    assert result.ok
    time.sleep(1.0)
    assert not flag.exists()


@pytest.mark.parametrize("backend", ALL)
def test_writable_mount_is_writable(backend: str, checkout: Path) -> None:
    result = sandbox(backend, checkout).exec(
        ["sh", "-c", "echo edited > out.txt"], cwd=checkout, timeout=10
    )
    assert result.ok, result.stderr
    assert (checkout / "out.txt").read_text() == "edited\n"


WRITE = """
import sys
for target in sys.argv[1:]:
    try:
        open(target, "w").write("x")
        print("wrote", target)
    except OSError as exc:
        print("refused", target, type(exc).__name__)
"""


@pytest.mark.parametrize("backend", HIDDEN_FS)
def test_writes_outside_the_mounts_fail(backend: str, checkout: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    targets = [str(outside / "f"), "/usr/proctor-escape", "/etc/proctor-escape"]
    result = py(sandbox(backend, checkout), WRITE, checkout, *targets)
    assert result.ok, result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["refused"] * 3
    assert list(outside.iterdir()) == []
    assert not Path("/usr/proctor-escape").exists()


@pytest.fixture
def environment(tmp_path: Path, checkout: Path) -> tuple[Path, Path]:
    """A shared environment (a venv stand-in) and a hidden test file, both mounted read-only."""
    venv = tmp_path / "env"
    (venv / "lib").mkdir(parents=True)
    (venv / "lib" / "site.py").write_text("as built")
    hidden = checkout / "test_hidden.py"
    hidden.write_text("as built")
    return venv, hidden


def readonly_sandbox(backend: str, checkout: Path, environment: tuple[Path, Path]) -> LocalSandbox:
    mounts = Mounts(writable=(checkout,), readonly=(*RUNTIME, *environment))
    return LocalSandbox(mounts, Limits(), backend)


@pytest.mark.parametrize("backend", READONLY_ENV)
def test_environment_is_read_only(
    backend: str, checkout: Path, environment: tuple[Path, Path]
) -> None:
    venv, hidden = environment
    targets = [str(venv / "lib" / "site.py"), str(venv / "new.pth"), str(hidden)]
    result = py(readonly_sandbox(backend, checkout, environment), WRITE, checkout, *targets)
    assert result.ok, result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["refused"] * 3
    assert (venv / "lib" / "site.py").read_text() == hidden.read_text() == "as built"
    assert not (venv / "new.pth").exists()
    assert py(readonly_sandbox(backend, checkout, environment), WRITE, checkout, "edit").ok
    assert (checkout / "edit").read_text() == "x"  # the checkout around the hidden file stays


@pytest.mark.parametrize("backend", READONLY_ENV)
def test_writable_folder_inside_a_read_only_one_stays_writable(
    backend: str, checkout: Path, environment: tuple[Path, Path]
) -> None:
    venv, _ = environment
    scratch = venv / "scratch"
    scratch.mkdir()
    mounts = Mounts(writable=(checkout, scratch), readonly=(*RUNTIME, venv))
    box = LocalSandbox(mounts, Limits(), backend)
    result = py(box, WRITE, checkout, str(scratch / "f"), str(venv / "f"))
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["wrote", "refused"]


UNDO = """
set +e
mount -o remount,bind,rw "$1"; umount "$1"; umount -l "$1"
echo tampered > "$1/lib/site.py"
"""


@pytest.mark.parametrize("backend", _params("unshare"))
def test_read_only_environment_cannot_be_remounted_writable(
    backend: str, checkout: Path, environment: tuple[Path, Path]
) -> None:
    venv, _ = environment
    box = readonly_sandbox(backend, checkout, environment)
    result = box.exec(["sh", "-c", UNDO, "sh", str(venv)], cwd=checkout, timeout=10)
    assert result.returncode != 0
    assert "Read-only file system" in result.stderr
    assert (venv / "lib" / "site.py").read_text() == "as built"


def test_none_leaves_the_environment_writable_and_says_so(
    checkout: Path, environment: tuple[Path, Path]
) -> None:
    # No namespace, so nothing can make it read-only; the warning must not pretend otherwise.
    venv, _ = environment
    target = str(venv / "lib" / "site.py")
    assert py(readonly_sandbox("none", checkout, environment), WRITE, checkout, target).ok
    assert (venv / "lib" / "site.py").read_text() == "x"
    assert "write into the shared environments" in (weak_isolation_warning("none") or "")


READ = """
import sys
for target in sys.argv[1:]:
    try:
        open(target).read()
        print("read", target)
    except OSError as exc:
        print("hidden", target, type(exc).__name__)
"""


@pytest.mark.parametrize("backend", HIDDEN_FS)
def test_host_files_are_invisible(
    backend: str, checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "elsewhere" / "secret.txt"
    home_secret = tmp_path / "home" / ".config" / "token"
    for path in (secret, home_secret):
        path.parent.mkdir(parents=True)
        path.write_text("hunter2")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    visible = checkout / "visible.txt"
    visible.write_text("ok")
    targets = [str(secret), str(home_secret), __file__, str(visible)]
    result = py(sandbox(backend, checkout), READ, checkout, *targets)
    assert result.ok, result.stderr
    verdicts = [line.split()[0] for line in result.stdout.splitlines()]
    assert verdicts == ["hidden", "hidden", "hidden", "read"]
    home = py(sandbox(backend, checkout), "import os; print(os.environ['HOME'])", checkout)
    assert home.stdout.strip() != str(tmp_path / "home")


@pytest.mark.parametrize("backend", ALL)
def test_environment_is_scrubbed(
    backend: str, checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-caller")
    monkeypatch.setenv("LEAKY_PLAIN_VAR", "caller")
    passed = {"OPENAI_API_KEY": "sk-passed", "GITHUB_TOKEN": "ghp", "KEEP_ME": "1"}
    result = sandbox(backend, checkout).exec(
        [PY, "-c", "import json, os; print(json.dumps(dict(os.environ)))"],
        cwd=checkout,
        timeout=10,
        env={**passed, "PATH": f"{Path(PY).parent}:/usr/bin:/bin"},
    )
    inside = json.loads(result.stdout)
    assert inside["KEEP_ME"] == "1"
    assert inside["PATH"].startswith(str(Path(PY).parent))
    for name in ("OPENAI_API_KEY", "GITHUB_TOKEN", "LEAKY_PLAIN_VAR", "PYTEST_CURRENT_TEST"):
        assert name not in inside
    assert inside["HOME"] != os.environ["HOME"]


FORK_MANY = """
import os, time
count = 0
try:
    for _ in range(100):
        if os.fork() == 0:
            time.sleep(20)
            os._exit(0)
        count += 1
except OSError:
    print("capped", count)
else:
    print("uncapped", count)
"""


@pytest.mark.parametrize("backend", ALL)
def test_process_cap(backend: str, checkout: Path) -> None:
    box = sandbox(backend, checkout, nproc=16)
    if not box.caps_processes:
        pytest.skip("no pids cgroup here and running as root: nproc is not enforced")
    result = py(box, FORK_MANY, checkout, str(checkout), timeout=10)
    verdict, count = result.stdout.split()
    assert verdict == "capped"
    assert int(count) < 16
    time.sleep(0.2)
    assert _running(str(checkout)) == []  # the sleeping children died with the command


@pytest.mark.parametrize("backend", ALL)
def test_file_size_cap(backend: str, checkout: Path) -> None:
    code = "import sys; open(sys.argv[1], 'wb').write(bytes(int(sys.argv[2])))"
    box = sandbox(backend, checkout, file_size_mb=1)
    assert py(box, code, checkout, "small", str(512 * 1024)).ok
    big = py(box, code, checkout, "big", str(2 * 1024 * 1024))
    assert not big.ok
    assert "File too large" in big.stderr
    assert (checkout / "big").stat().st_size <= 1024 * 1024


@pytest.mark.parametrize("backend", ALL)
def test_output_is_truncated(backend: str, checkout: Path) -> None:
    box = LocalSandbox(
        Mounts(writable=(checkout,), readonly=RUNTIME), backend=backend, max_output_bytes=65536
    )
    finite = py(box, "print('x' * 3_000_000)", checkout)
    assert finite.ok
    assert finite.stdout.startswith("x" * 65536)
    assert "output truncated, 2934465 more bytes dropped" in finite.stdout
    endless = box.exec(["yes"], cwd=checkout, timeout=0.5)
    assert endless.timed_out
    assert len(endless.stdout) < 65536 + 100


@pytest.mark.parametrize("backend", ALL)
def test_missing_command_is_a_result(backend: str, checkout: Path) -> None:
    box = sandbox(backend, checkout)
    missing = box.exec(["no-such-command-xyz"], cwd=checkout, timeout=5)
    assert missing.returncode == 127
    assert "command not found: no-such-command-xyz" in missing.stderr
    assert box.exec(["./absent.sh"], cwd=checkout, timeout=5).returncode == 127
    failing = box.exec(["sh", "-c", "echo oops >&2; exit 7"], cwd=checkout, timeout=5)
    assert (failing.returncode, failing.stderr, failing.ok) == (7, "oops\n", False)


def test_missing_cwd_raises(checkout: Path) -> None:
    with pytest.raises(SandboxError, match="does not exist"):
        sandbox("none", checkout).exec(["true"], cwd=checkout / "nope", timeout=5)


@pytest.mark.parametrize("backend", HIDDEN_FS)
def test_cwd_outside_the_mounts_raises(backend: str, checkout: Path, tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="not inside any sandbox mount"):
        sandbox(backend, checkout).exec(["true"], cwd=tmp_path, timeout=5)
