"""The docker backend's isolation, one property per test, against the local engine.

Each runs a real container on the base image (skipped, with the reason, where no engine answers
or the base image is missing; .ci/run starts one and builds it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.sandbox.docker_support import needs_docker

from proctor.sandbox import (
    SANDBOX_UID,
    DockerSandbox,
    Limits,
    Mounts,
    base_image,
    docker_client,
    open_sandbox,
)
from proctor.settings import get_settings

pytestmark = needs_docker()


@pytest.fixture
def box(tmp_path: Path) -> tuple[DockerSandbox, Path, Path]:
    checkout, scratch = tmp_path / "checkout", tmp_path / "scratch"
    checkout.mkdir()
    scratch.mkdir()
    (checkout / "guarded.txt").write_text("hidden test\n")
    image = base_image("3.11", get_settings().docker_base_image)
    mounts = Mounts(
        writable=(checkout, scratch),
        readonly=(checkout / "guarded.txt",),
        extra={"image": image},
    )
    sandbox = open_sandbox("docker", mounts, Limits(memory_mb=256, nproc=64, cpu_s=30))
    assert isinstance(sandbox, DockerSandbox)
    return sandbox, checkout, scratch


def py(code: str) -> list[str]:
    return ["python3", "-c", code]


def test_runs_as_a_non_root_user_who_owns_the_checkout(box) -> None:  # type: ignore[no-untyped-def]
    sandbox, checkout, scratch = box
    code = "import os; open('made.txt', 'w').write('x'); print(os.getuid())"
    res = sandbox.exec(py(code), cwd=checkout, timeout=60)
    assert res.ok, res
    assert int(res.stdout) != 0
    if os.geteuid() == 0:
        assert int(res.stdout) == SANDBOX_UID
    # Back on the host, what the command made belongs to proctor's user again.
    assert (checkout / "made.txt").stat().st_uid == os.geteuid()
    assert (checkout.stat().st_mode & 0o777) != 0o777  # ownership, not chmod 777
    res = sandbox.exec(["sh", "-c", "echo y > out.txt"], cwd=scratch, timeout=60)
    assert res.ok and (scratch / "out.txt").read_text() == "y\n"


def test_the_root_filesystem_and_read_only_mounts_cannot_be_written(box) -> None:  # type: ignore[no-untyped-def]
    sandbox, checkout, _ = box
    for target in ("/usr/evil", "/etc/evil", "/opt/evil"):
        res = sandbox.exec(["sh", "-c", f"echo x > {target}"], cwd=checkout, timeout=60)
        assert not res.ok and "Read-only" in res.stderr, res
    res = sandbox.exec(["sh", "-c", "echo x > guarded.txt"], cwd=checkout, timeout=60)
    assert not res.ok
    res = sandbox.exec(["rm", "-f", "guarded.txt"], cwd=checkout, timeout=60)
    assert not res.ok
    assert (checkout / "guarded.txt").read_text() == "hidden test\n"
    res = sandbox.exec(["sh", "-c", "echo x > /tmp/ok && cat /tmp/ok"], cwd=checkout, timeout=60)
    assert res.ok and res.stdout == "x\n"


def test_there_is_no_network(box) -> None:  # type: ignore[no-untyped-def]
    sandbox, checkout, _ = box
    code = (
        "import socket\n"
        "try:\n"
        "    socket.create_connection(('1.1.1.1', 53), timeout=3)\n"
        "    print('connected')\n"
        "except OSError as e:\n"
        "    print('refused', e)\n"
        "print(sorted(n for _, n in socket.if_nameindex()))\n"
    )
    res = sandbox.exec(py(code), cwd=checkout, timeout=60)
    assert res.ok, res
    assert res.stdout.startswith("refused")
    assert "['lo']" in res.stdout


def test_the_host_is_not_visible(box, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sandbox, checkout, _ = box
    secret = tmp_path / "secret.txt"
    secret.write_text("answer\n")
    res = sandbox.exec(["cat", str(secret)], cwd=checkout, timeout=60)
    assert not res.ok and "answer" not in res.stdout
    res = sandbox.exec(["ls", str(Path(__file__).parent)], cwd=checkout, timeout=60)
    assert not res.ok


def test_the_environment_is_scrubbed(box) -> None:  # type: ignore[no-untyped-def]
    sandbox, checkout, _ = box
    env = {"OPENAI_API_KEY": "sk-1", "PROCTOR_X": "1", "GITHUB_TOKEN": "t", "KEEP_ME": "yes"}
    res = sandbox.exec(["env"], cwd=checkout, timeout=60, env=env)
    assert res.ok
    assert "KEEP_ME=yes" in res.stdout
    for name in ("OPENAI_API_KEY", "PROCTOR_X", "GITHUB_TOKEN"):
        assert name not in res.stdout
    assert "HOME=/tmp" in res.stdout


def test_a_timeout_kills_the_container(box) -> None:  # type: ignore[no-untyped-def]
    sandbox, checkout, _ = box
    assert sandbox.exec(["true"], cwd=checkout, timeout=60).ok
    session = sandbox.container_id  # the session's container, started by its first command
    res = sandbox.exec(["sleep", "60"], cwd=checkout, timeout=2)
    assert res.timed_out and res.returncode == -9
    assert res.duration_s < 30
    left = {c.id for c in docker_client().containers.list(all=True)}
    assert session is not None and session not in left  # killed and removed
    assert sandbox.container_id is None


def test_memory_and_process_caps_hold(box) -> None:  # type: ignore[no-untyped-def]
    sandbox, checkout, _ = box
    res = sandbox.exec(
        py("x = bytearray(1024 * 1024 * 1024); print('got it')"), cwd=checkout, timeout=60
    )
    assert not res.ok and "got it" not in res.stdout
    spawn = (
        "import subprocess\n"
        "procs = []\n"
        "try:\n"
        "    for _ in range(200):\n"
        "        procs.append(subprocess.Popen(['sleep', '30']))\n"
        "    print('spawned all')\n"
        "except OSError as e:\n"
        "    print('capped', len(procs))\n"
    )
    res = sandbox.exec(py(spawn), cwd=checkout, timeout=60)
    assert "capped" in res.stdout, res


def test_exits_and_missing_programs_read_as_a_shell_says(box) -> None:  # type: ignore[no-untyped-def]
    sandbox, checkout, _ = box
    assert sandbox.exec(["sh", "-c", "exit 3"], cwd=checkout, timeout=60).returncode == 3
    killed = sandbox.exec(["sh", "-c", "kill -TERM $$"], cwd=checkout, timeout=60)
    assert killed.returncode == -15
    missing = sandbox.exec(["no-such-program"], cwd=checkout, timeout=60)
    assert missing.returncode == 127 and "command not found" in missing.stderr
    both = sandbox.exec(["sh", "-c", "echo out; echo err >&2"], cwd=checkout, timeout=60)
    assert (both.stdout, both.stderr) == ("out\n", "err\n")


def test_a_working_folder_outside_the_mounts_is_refused(box, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from proctor.errors import SandboxError

    sandbox, _, _ = box
    with pytest.raises(SandboxError, match="not inside any sandbox mount"):
        sandbox.exec(["true"], cwd=tmp_path, timeout=60)
