"""Environment image build time vs venv build time, cold and warm; disk per environment image
vs SWE-bench's per-instance images, for the same number of tasks.

For every distinct environment of the suite, in one run:

* cold: nothing built and an empty uv cache (packages downloaded);
* warm cache: nothing built, the uv cache filled by the cold build;
* reuse: already built (what every later attempt pays).

Then the disk: the base image once plus each environment image's own layers, per task, beside
the per-instance figures SWE-bench's images are published with (:data:`SWE_BENCH`).

Run from the repository root with a Docker engine, the base image and the package index:

    .venv/bin/python benchmarks/docker_env_build.py [--suite tasks/core]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from proctor.sandbox import ImageProvider, VenvProvider, base_image, docker_client, list_images
from proctor.settings import Settings, get_settings
from proctor.spec import Task, load_suite

GIB = 2**30
MIB = 2**20
SWE_BENCH = {
    # (images, GiB): published totals; sources in benchmarks/README.md (Docker section)
    "SWE-bench Verified, original images (Epoch AI, unique layers)": (500, 189),
    "SWE-bench Verified, Epoch AI's optimized registry": (500, 30),
    "SWE-bench full, original images (Epoch AI, unique layers)": (2290, 684),
    "SWE-bench full, Epoch AI's optimized registry": (2290, 67),
    "SWE-bench Verified, on local disk (LogicStar)": (500, 240),
}


def timed(provider: VenvProvider | ImageProvider, tasks: list[Task]) -> float:
    start = time.perf_counter()
    for task in tasks:
        provider.build(task.environment, task.repo, as_of=task.resolve_date)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", type=Path, default=Path("tasks/core"))
    parser.add_argument("--disk-only", action="store_true", help="Only the disk figures.")
    args = parser.parse_args()
    settings = get_settings()
    tasks = load_suite(args.suite)
    unique = list({t.env_key: t for t in tasks}.values())
    print(f"{len(tasks)} tasks, {len(unique)} distinct environments")
    if not args.disk_only:
        build_times(unique)
    disk(settings, tasks, unique)


def build_times(unique: list[Task]) -> None:
    """Cold, warm-cache and reuse build times of venvs, then of images (fresh folders)."""
    rows = {}
    with tempfile.TemporaryDirectory(prefix="proctor-env-bench-", dir="/var/tmp") as name:
        tmp = Path(name)
        for kind, make in (("venv", VenvProvider), ("image", ImageProvider)):
            os.environ["UV_CACHE_DIR"] = str(tmp / f"uv-cache-{kind}")
            cold = timed(make(tmp / f"{kind}-cold"), unique)
            warm_dir = tmp / f"{kind}-warm"
            warm = timed(make(warm_dir), unique)
            reuse = timed(make(warm_dir), unique)
            rows[kind] = (cold, warm, reuse)
            print(
                f"{kind:5}  cold {cold:7.1f}s  warm cache {warm:6.1f}s  reuse {reuse:5.2f}s "
                f"({len(unique)} environments)",
                flush=True,
            )
        files = (tmp / "venv-warm").rglob("*")
        venv_bytes = sum(f.stat().st_size for f in files if f.is_file())
    for i, label in enumerate(("cold", "warm cache", "reuse")):
        ratio = rows["image"][i] / rows["venv"][i]
        print(f"image / venv build time, {label}: {ratio:.2f}")
    print(f"host venvs of these environments: {venv_bytes / MIB:.0f} MiB")


def disk(settings: Settings, tasks: list[Task], unique: list[Task]) -> None:
    """The base image(s) once plus each environment image's own layers, per task, vs SWE-bench."""
    keys = {t.env_key for t in unique}
    pythons = {t.environment.python for t in unique}
    bases = [docker_client().images.get(base_image(p, settings.docker_base_image)) for p in pythons]
    on_base = tuple(str(b.id)[7:19] for b in bases)
    images = [i for i in list_images(settings.envs_dir) if i.key in keys]
    images = list({i.key: i for i in images if i.tag.endswith(on_base)}.values())
    base_bytes = sum(int(b.attrs["Size"]) for b in bases)
    own = sum(i.own_bytes for i in images)
    total = base_bytes + own
    per_task = total / len(tasks)
    print(
        f"\ndisk: base image(s) {base_bytes / MIB:.0f} MiB + {len(images)} environment images "
        f"{own / MIB:.1f} MiB own layers = {total / MIB:.0f} MiB for {len(tasks)} tasks, "
        f"{per_task / MIB:.1f} MiB per task"
    )
    for label, (count, gib) in SWE_BENCH.items():
        theirs = gib * GIB / count
        same = theirs * len(tasks)
        print(
            f"  vs {label}: {theirs / MIB:.0f} MiB per instance, {same / GIB:.2f} GiB for "
            f"{len(tasks)} instances; ratio ours/theirs {per_task / theirs:.2f}"
        )


if __name__ == "__main__":
    main()
