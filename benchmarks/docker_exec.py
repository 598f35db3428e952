"""Cost of one sandboxed command: bubblewrap vs the docker backend's session container.

Runs ``true`` in a throwaway checkout: under bubblewrap; in one docker sandbox, whose first
command starts the session container and whose later ones are ``docker exec``s in it; and with
the container closed before every command (what one container per command costs). Medians of
``--repeat`` commands each.

Run from the repository root with a Docker engine and the base image:

    .venv/bin/python benchmarks/docker_exec.py [--repeat 10]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from proctor.sandbox import DockerSandbox, Limits, Mounts, base_image, open_sandbox
from proctor.settings import get_settings


def timed(box: object, checkout: Path) -> float:
    start = time.perf_counter()
    res = box.exec(["true"], cwd=checkout, timeout=120)  # type: ignore[attr-defined]
    assert res.ok, res
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="proctor-docker-exec-") as name:
        checkout = Path(name) / "checkout"
        checkout.mkdir()
        image = base_image("3.11", get_settings().docker_base_image)
        mounts = Mounts(writable=(checkout,), extra={"image": image})
        bwrap = open_sandbox("bwrap", mounts, Limits())
        bw = statistics.median(timed(bwrap, checkout) for _ in range(args.repeat))
        starts, execs, fresh = [], [], []
        for _ in range(args.repeat):
            box = DockerSandbox(mounts, Limits())
            starts.append(timed(box, checkout))
            execs.append(timed(box, checkout))
            box.close()
        box = DockerSandbox(mounts, Limits())
        for _ in range(args.repeat):
            fresh.append(timed(box, checkout))
            box.close()
    print(f"bwrap, one command:                  {bw:.3f}s")
    print(f"docker, a session's first command:   {statistics.median(starts):.3f}s")
    print(f"docker, a later command (exec):      {statistics.median(execs):.3f}s")
    print(f"docker, closed before every command: {statistics.median(fresh):.3f}s")


if __name__ == "__main__":
    main()
