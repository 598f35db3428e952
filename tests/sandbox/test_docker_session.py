"""The docker backend's session container: one per sandbox, nothing carried between commands.

Each runs real containers on the base image (skipped, with the reason, where no engine answers
or the base image is missing).
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.sandbox.docker_support import needs_docker

from proctor.sandbox import DockerSandbox, Limits, Mounts, base_image, docker_client, open_sandbox
from proctor.sandbox.docker_sandbox import LABEL, OWNER_LABEL, sweep_orphans
from proctor.settings import get_settings

pytestmark = needs_docker()

# Every process of the container but docker-init and the keeper, and the one asking.
PROCS = (
    "import os\n"
    "me = str(os.getpid())\n"
    "names = []\n"
    "for p in os.listdir('/proc'):\n"
    "    if p.isdigit() and p != me:\n"
    "        names.append(open(f'/proc/{p}/cmdline', 'rb').read().replace(b'\\0', b' ').decode())\n"
    "print(sorted(n for n in names if 'docker-init' not in n and n != 'sleep infinity '))\n"
)


def _mounts(tmp_path: Path) -> Mounts:
    checkout, scratch = tmp_path / "checkout", tmp_path / "scratch"
    checkout.mkdir()
    scratch.mkdir()
    (checkout / "kept.txt").write_text("kept\n")
    image = base_image("3.11", get_settings().docker_base_image)
    return Mounts(writable=(checkout, scratch), extra={"image": image})


@pytest.fixture
def box(tmp_path: Path) -> tuple[DockerSandbox, Path]:
    mounts = _mounts(tmp_path)
    sandbox = open_sandbox("docker", mounts, Limits(memory_mb=256, nproc=64, cpu_s=60))
    assert isinstance(sandbox, DockerSandbox)
    yield sandbox, mounts.writable[0]
    sandbox.close()


def _exists(cid: str) -> bool:
    return any(c["Id"] == cid for c in docker_client().api.containers(all=True))


def _others(sandbox: DockerSandbox, checkout: Path) -> str:
    res = sandbox.exec(["python3", "-c", PROCS], cwd=checkout, timeout=60)
    assert res.ok, res
    return res.stdout.strip()


def test_the_commands_of_a_session_share_one_container(box) -> None:  # type: ignore[no-untyped-def]
    sandbox, checkout = box
    assert sandbox.container_id is None  # started by the first command, not before
    assert sandbox.exec(["true"], cwd=checkout, timeout=60).ok
    first = sandbox.container_id
    assert first is not None and _exists(first)
    res = sandbox.exec(["cat", "kept.txt"], cwd=checkout, timeout=60)
    assert res.ok and res.stdout == "kept\n"
    assert sandbox.container_id == first
    sandbox.close()
    assert sandbox.container_id is None and not _exists(first)


def test_a_timed_out_command_takes_its_descendants_with_it(box) -> None:  # type: ignore[no-untyped-def]
    sandbox, checkout = box
    assert _others(sandbox, checkout) == "[]"
    first = sandbox.container_id
    escape = "setsid sleep 300 >/dev/null 2>&1 & sleep 300"  # one child even leaves the group
    res = sandbox.exec(["sh", "-c", escape], cwd=checkout, timeout=2)
    assert res.timed_out and res.returncode == -9
    assert first is not None and not _exists(first)  # killed and removed
    assert _others(sandbox, checkout) == "[]"  # the next command: a fresh container, alone
    assert sandbox.container_id != first


def test_what_a_command_leaves_running_does_not_survive_it(box) -> None:  # type: ignore[no-untyped-def]
    sandbox, checkout = box
    daemon = "setsid sleep 300 >/dev/null 2>&1 </dev/null & echo started"
    res = sandbox.exec(["sh", "-c", daemon], cwd=checkout, timeout=60)
    assert res.ok and res.stdout == "started\n"
    assert _others(sandbox, checkout) == "[]"


def test_tmp_is_emptied_between_commands_but_a_mount_below_it_is_not(box) -> None:  # type: ignore[no-untyped-def]
    sandbox, checkout = box
    assert str(checkout).startswith("/tmp/")  # pytest's tmp_path: a bind mount below the tmpfs
    plant = (
        "mkdir -p /tmp/.local/lib && echo x > /tmp/.local/lib/evil.pth && "
        "mkdir /tmp/locked && touch /tmp/locked/f && chmod 0 /tmp/locked && echo y > made.txt"
    )
    assert sandbox.exec(["sh", "-c", plant], cwd=checkout, timeout=60).ok
    res = sandbox.exec(["ls", "-A", "/tmp"], cwd=checkout, timeout=60)
    assert res.ok
    assert ".local" not in res.stdout.split() and "locked" not in res.stdout.split()
    assert (checkout / "made.txt").read_text() == "y\n"
    assert (checkout / "kept.txt").read_text() == "kept\n"


def test_a_collected_sandbox_removes_its_container(tmp_path: Path) -> None:
    sandbox = open_sandbox("docker", _mounts(tmp_path), Limits(memory_mb=256))
    assert isinstance(sandbox, DockerSandbox)
    assert sandbox.exec(["true"], cwd=tmp_path / "checkout", timeout=60).ok
    cid = sandbox.container_id
    assert cid is not None and _exists(cid)
    del sandbox
    gc.collect()
    assert not _exists(cid)


def test_a_container_whose_proctor_died_is_removed_on_the_next_start(tmp_path: Path) -> None:
    client = docker_client()
    image = base_image("3.11", get_settings().docker_base_image)
    orphan = client.containers.create(
        image,
        ["sleep", "infinity"],
        labels={LABEL: "session", OWNER_LABEL: f"{socket.gethostname()}:999999999:1"},
        network_mode="none",
    )
    mine = client.containers.create(
        image,
        ["sleep", "infinity"],
        labels={LABEL: "session", OWNER_LABEL: _own_label()},
        network_mode="none",
    )
    try:
        from proctor.sandbox import docker_sandbox

        docker_sandbox._sweep_once.cache_clear()
        sweep_orphans()
        assert not _exists(str(orphan.id))
        assert _exists(str(mine.id))  # its owner (this process) still runs
    finally:
        for c in (orphan, mine):
            with contextlib.suppress(Exception):
                c.remove(force=True)


def _own_label() -> str:
    from proctor.sandbox.docker_sandbox import _owner

    return _owner()


def test_ctrl_c_removes_the_session_container(tmp_path: Path) -> None:
    mounts = _mounts(tmp_path)
    script = (
        "import signal, sys\n"
        "from pathlib import Path\n"
        "from proctor.sandbox import DockerSandbox, Limits, Mounts\n"
        # as in a terminal: a background job (CI under `cmd &`) inherits SIGINT ignored
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        f"mounts = Mounts(writable=(Path({str(mounts.writable[0])!r}),), "
        f"extra={{'image': {mounts.extra['image']!r}}})\n"
        "box = DockerSandbox(mounts, Limits(memory_mb=256))\n"
        "print(box.exec(['true'], cwd=mounts.writable[0], timeout=60).ok, flush=True)\n"
        "print(box.container_id, flush=True)\n"
        "box.exec(['sleep', '300'], cwd=mounts.writable[0], timeout=600)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "True"
    cid = proc.stdout.readline().strip()
    assert _exists(cid)
    deadline = time.monotonic() + 120
    while not _running(cid, "sleep") and time.monotonic() < deadline:
        time.sleep(0.2)  # until the second command runs (slow on a loaded machine)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=300) != 0
    assert not _exists(cid)


def _running(cid: str, command: str) -> bool:
    """Whether a process of the container runs ``command``."""
    try:
        top = docker_client().api.top(cid)
    except Exception:  # gone, or not started yet: not running
        return False
    return any(command in " ".join(row) for row in top.get("Processes") or [])


def test_a_container_that_died_between_commands_is_replaced(box) -> None:  # type: ignore[no-untyped-def]
    sandbox, checkout = box
    assert sandbox.exec(["true"], cwd=checkout, timeout=60).ok
    first = sandbox.container_id
    assert first is not None
    docker_client().api.kill(first)  # as the OOM killer taking its keeper would
    res = sandbox.exec(["cat", "kept.txt"], cwd=checkout, timeout=60)
    assert res.ok and res.stdout == "kept\n"
    assert sandbox.container_id not in (None, first)
