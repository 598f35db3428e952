"""A real Ray cluster on loopback for the module: a head with no CPU, two one-CPU worker nodes.

Each node is ``ray start --block`` in its own process group, so one node can be killed whole
(the fault test) and every node is torn down by its group, leaving no stray Ray behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SRC = Path(__file__).parents[3] / "src"
RAY_BIN = Path(sys.executable).parent / "ray"

QUIET_RAY = {
    "RAY_DISABLE_USAGE_STATS": "1",
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_USAGE_STATS_PROMPT_ENABLED": "0",
    # Explicit, so a token a local ray.init() left in ~/.ray does not switch the nodes to
    # token authentication (the workers would then be refused by the head).
    "RAY_AUTH_MODE": "disabled",
    # A killed node is noticed in about a second rather than half a minute.
    "RAY_health_check_period_ms": "500",
    "RAY_health_check_timeout_ms": "500",
    "RAY_health_check_failure_threshold": "3",
    "RAY_health_check_initial_delay_ms": "500",
}


STARTED = "Ray runtime started."
"""What ``ray start`` prints once its node is up."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ray_env() -> dict[str, str]:
    """What Ray's processes and the drivers joining it run with: this checkout's code."""
    path = os.pathsep.join(p for p in (str(SRC), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, **QUIET_RAY, "PYTHONPATH": path}


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc), whatever its process group or session."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


@dataclass
class Node:
    proc: subprocess.Popen[bytes]
    log: Path

    def kill(self) -> None:
        """Kill every process of the node at once (raylet, its workers, its agents, and what
        they started in sessions of their own)."""
        below = descendants(self.proc.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        for pid in below:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait(30)


@dataclass
class Cluster:
    address: str
    head: Node
    workers: list[Node] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        """The environment of a driver that joins with ``--ray auto``."""
        return {**ray_env(), "RAY_ADDRESS": self.address}


def _start(args: list[str], log: Path) -> Node:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(RAY_BIN), "start", "--block", "--disable-usage-stats", *args],
            env=ray_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Node(proc, log)


def _ports() -> list[str]:
    """Ports of one node's own servers: two nodes on one host must not share them."""
    return [
        f"--node-manager-port={free_port()}",
        f"--object-manager-port={free_port()}",
        f"--metrics-export-port={free_port()}",
        f"--dashboard-agent-listen-port={free_port()}",
        f"--dashboard-agent-grpc-port={free_port()}",
        f"--runtime-env-agent-port={free_port()}",
    ]


def _wait_for(node: Node, cluster: Cluster) -> bool:
    """Whether ``node`` says it started (``ray start`` says so once it has joined the GCS)."""
    deadline = time.monotonic() + 300  # slow on a loaded 2-core machine
    while time.monotonic() < deadline:
        if any(n.proc.poll() is not None for n in [cluster.head, *cluster.workers]):
            return False
        if STARTED in node.log.read_text(errors="replace"):
            return True
        time.sleep(0.5)
    return False


def start_cluster(workers: int = 2) -> Cluster:
    """Head (``num_cpus=0``) and ``workers`` one-CPU nodes on 127.0.0.1, one after another.

    Skips the test where Ray is not installed or its nodes do not come up on this machine.
    """
    if not RAY_BIN.is_file():
        pytest.skip("ray is not installed (pip install 'proctor[ray]')")
    tmp = Path(tempfile.mkdtemp(prefix="pr-ray-", dir="/tmp"))  # Ray's socket paths are short
    port = free_port()
    address = f"127.0.0.1:{port}"
    head = [
        "--head",
        f"--port={port}",
        "--num-cpus=0",
        "--node-ip-address=127.0.0.1",
        "--include-dashboard=false",
        "--object-store-memory=200000000",
        f"--temp-dir={tmp}",
        f"--ray-client-server-port={free_port()}",
        *_ports(),
    ]
    cluster = Cluster(address, _start(head, tmp / "head.log"))
    up = _wait_for(cluster.head, cluster)
    for _ in range(workers if up else 0):
        up = add_worker(cluster)
        if not up:
            break
    if up:
        return cluster
    logs = " | ".join(
        f"{n.log.name}: " + n.log.read_text(errors="replace")[-600:]
        for n in [cluster.head, *cluster.workers]
        if n.proc.poll() is not None or n is cluster.workers[-1]
    )
    stop_cluster(cluster)
    pytest.skip(f"a Ray cluster does not start on this machine: {logs}")


def add_worker(cluster: Cluster) -> bool:
    """Start one more one-CPU node; whether it joined."""
    worker = [f"--address={cluster.address}", "--num-cpus=1", "--node-ip-address=127.0.0.1"]
    worker += ["--object-store-memory=200000000", *_ports()]
    log = cluster.head.log.parent / f"worker{len(cluster.workers)}.log"
    node = _start(worker, log)
    cluster.workers.append(node)
    return _wait_for(node, cluster)


def stop_cluster(cluster: Cluster) -> None:
    for node in [*cluster.workers, cluster.head]:
        node.kill()
    shutil.rmtree(cluster.head.log.parent, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A loopback Ray cluster for the module's tests, torn down after them."""
    made = start_cluster()
    try:
        yield made
    finally:
        stop_cluster(made)
