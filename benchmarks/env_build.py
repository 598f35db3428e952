"""Benchmark: building a task environment with proctor (uv) against ``python -m venv`` + pip.

Both sides build a fresh venv for the same Python and install the same requirements
(``proctor.sandbox.env.with_test_tools`` of the spec's packages, so pip also gets pytest-timeout)
from the same package index, in this process tree, one after the other:

* cold: each trial gets an empty package cache (``UV_CACHE_DIR`` / ``pip --cache-dir`` set to
  a new temporary folder), so every wheel is downloaded again;
* warm: each side's cache is filled by one untimed build, then every trial reuses it.

pip byte-compiles everything it installs (its default); proctor compiles what test runs load
(the runner, the spec's packages and their dependencies; ``proctor.sandbox.env_probe``), since
its venvs are read-only in the sandbox. A third cold row, pip with ``--no-compile``, shows pip
with no compilation at all: a floor for any compile policy on the pip side. The venv+pip side
includes ``ensurepip`` (what ``python -m venv`` does), ignores pip's configuration files and
``PIP_*`` variables (so both read PyPI only) and skips pip's self-version check; the proctor
side includes its own extra steps (``uv --version``, an import check of pytest, ``ldd``). The
script warns when the two sides installed different ``name==version`` sets. Each figure is
the median of ``--repeat`` trials.

Run from the repository root::

    .venv/bin/python benchmarks/env_build.py
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from uv import find_uv_bin

from proctor.sandbox.env import build_env, with_test_tools
from proctor.spec.models import Environment

REPO = "https://github.com/example/benchmark"


def time_uv(spec: Environment, cache: Path, scratch: Path) -> float:
    """Seconds for proctor's build_env into a fresh envs_dir, with uv's cache at ``cache``."""
    os.environ["UV_CACHE_DIR"] = str(cache)
    start = time.perf_counter()
    build_env(spec, REPO, scratch / "envs")
    return time.perf_counter() - start


def time_pip(
    spec: Environment,
    base_python: Path,
    cache: Path,
    scratch: Path,
    freeze: set[str],
    *options: str,
) -> float:
    """Seconds for ``python -m venv`` + ``pip install`` into a fresh venv, cache at ``cache``.

    pip's configuration files and ``PIP_*`` variables are ignored, so it reads the same index
    as uv (PyPI) and nothing else; what it installed is added to ``freeze``, untimed.
    ``options`` go to ``pip install``.
    """
    venv = scratch / "venv"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    python = str(venv / "bin" / "python")
    install = [python, "-m", "pip", "install", "-q", "--cache-dir", str(cache), *options]
    start = time.perf_counter()
    subprocess.run([str(base_python), "-m", "venv", str(venv)], check=True, env=env)
    subprocess.run([*install, *with_test_tools(spec.packages)], check=True, env=env)
    elapsed = time.perf_counter() - start
    listed = subprocess.run(
        [python, "-m", "pip", "freeze", "--exclude", "pip", "--exclude", "setuptools"],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    freeze.update(listed.stdout.lower().split())
    return elapsed


def median_of(repeat: int, trial: Callable[[Path], float]) -> tuple[float, list[float]]:
    """Median and all times of ``repeat`` trials, each given a fresh scratch folder."""
    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="proctor-bench-") as tmp:
            times.append(trial(Path(tmp)))
    return statistics.median(times), times


def _uv_freeze(python: Path) -> set[str]:
    """``name==version`` of everything in a proctor venv, lower-cased."""
    out = subprocess.run(
        [find_uv_bin(), "pip", "freeze", "--python", str(python)],
        check=True,
        capture_output=True,
        text=True,
    )
    return set(out.stdout.lower().split())


def main() -> None:
    """Parse options, run the cold and warm trials, and print the times and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default="3.11")
    parser.add_argument("--packages", nargs="+", default=["pytest", "attrs", "hypothesis"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    spec = Environment(python=args.python, packages=args.packages)
    saved_cache = os.environ.get("UV_CACHE_DIR")

    with tempfile.TemporaryDirectory(prefix="proctor-bench-") as tmp:
        root = Path(tmp)
        # The base interpreter proctor picks; the pip side uses the very same one.
        probe = build_env(spec, REPO, root / "probe-envs")
        base_python = probe.python.resolve()
        uv_set = _uv_freeze(probe.python)
        pip_set: set[str] = set()
        fresh = iter(range(10**6))

        def new_cache() -> Path:
            return root / f"cache-{next(fresh)}"

        rows = {
            "cold uv (proctor)": median_of(args.repeat, lambda s: time_uv(spec, new_cache(), s)),
            "cold venv+pip": median_of(
                args.repeat, lambda s: time_pip(spec, base_python, new_cache(), s, pip_set)
            ),
            "cold pip --no-compile": median_of(
                args.repeat,
                lambda s: time_pip(spec, base_python, new_cache(), s, pip_set, "--no-compile"),
            ),
        }
        uv_cache, pip_cache = root / "uv-warm", root / "pip-warm"
        median_of(1, lambda s: time_uv(spec, uv_cache, s))  # fill the caches, untimed
        median_of(1, lambda s: time_pip(spec, base_python, pip_cache, s, pip_set))
        rows["warm uv (proctor)"] = median_of(args.repeat, lambda s: time_uv(spec, uv_cache, s))
        rows["warm venv+pip"] = median_of(
            args.repeat, lambda s: time_pip(spec, base_python, pip_cache, s, pip_set)
        )
    if saved_cache is None:
        os.environ.pop("UV_CACHE_DIR", None)
    else:
        os.environ["UV_CACHE_DIR"] = saved_cache

    if pip_set != uv_set:
        print(
            f"WARNING: different installs; uv only: {sorted(uv_set - pip_set)}, "
            f"pip only: {sorted(pip_set - uv_set)}"
        )
    print(f"python {args.python} ({base_python}), packages: {' '.join(args.packages)}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; median of {args.repeat}")
    for name, (median, times) in rows.items():
        trials = ", ".join(f"{t:.2f}" for t in times)
        print(f"  {name:<22} {median:7.2f} s   (trials: {trials})")
    for kind in ("cold", "warm"):
        ratio = rows[f"{kind} venv+pip"][0] / rows[f"{kind} uv (proctor)"][0]
        print(f"  {kind}: uv is {ratio:.1f}x faster than venv+pip")
    floor = rows["cold pip --no-compile"][0] / rows["cold uv (proctor)"][0]
    print(f"  cold: uv is {floor:.1f}x faster than venv+pip compiling nothing")


if __name__ == "__main__":
    main()
