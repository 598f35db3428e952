"""Time the grading integrity checks add per task, against grading without them.

Both sides grade the reference fix of each task in a fresh sealed checkout, in the same
sandbox and venv, back to back (paired, alternating which goes first):

* **integrity**: ``proctor.grade.session.grade_hidden`` — protected paths restored, canaries
  and twins planted, the base tree's pytest config located, plugin autoload off, the boot
  script and the guard plugin, the evidence checks;
* **plain**: what grading did before them — protected paths restored and
  ``python -m pytest -p no:cacheprovider --junitxml=... --timeout=... IDS`` with the checkout
  on ``PYTHONPATH``.

Run from the repository root with the suite's mirrors in repos/:

    .venv/bin/python benchmarks/integrity.py [--suite tasks/core] [--repeat 3]

Prints per-task medians, the mean added seconds per task against the 0.2 s target, and the
ratio of the two totals.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from proctor.grade.hidden import prepare_for_grading
from proctor.grade.session import Timeouts, grade_hidden
from proctor.repo import apply_patch, sealed_checkout
from proctor.run import References
from proctor.sandbox import Limits, LocalSandbox, Mounts, PythonEnv, build_env
from proctor.settings import get_settings
from proctor.spec import Task, load_suite
from proctor.testrun import top_level_modules

TARGET_S = 0.2


def _checkout(task: Task, refs: References, where: Path) -> Path:
    src = refs.source(task.id)
    tree = sealed_checkout(src.git_dir, task.base_commit, where / "checkout")
    apply_patch(tree, src.gold_patch)
    return tree


def integrity(task: Task, refs: References, env: PythonEnv, where: Path, backend: str) -> float:
    tree = _checkout(task, refs, where)
    modules = top_level_modules(tree, task.environment.pythonpath)
    src = refs.source(task.id)
    start = time.perf_counter()
    run = grade_hidden(
        task,
        tree,
        where,
        env,
        lambda mounts: LocalSandbox(mounts, Limits(), backend=backend),
        test_patch=src.test_patch,
        model_patch=src.gold_patch,
        modules=modules,
        timeouts=Timeouts(120, 900),
    )
    elapsed = time.perf_counter() - start
    if not run.verdict.resolved or run.evidence:
        raise SystemExit(f"{task.id}: gold not resolved under integrity: {run.verdict.notes}")
    return elapsed


def plain(task: Task, refs: References, env: PythonEnv, where: Path, backend: str) -> float:
    tree = _checkout(task, refs, where)
    src = refs.source(task.id)
    scratch = where / "scratch"
    scratch.mkdir()
    start = time.perf_counter()
    prepare_for_grading(tree, task, src.test_patch)
    mounts = Mounts(writable=(tree, scratch), readonly=env.readonly_paths())
    argv = [
        *task.environment.test_cmd,
        "-p",
        "no:cacheprovider",
        f"--junitxml={scratch / 'junit.xml'}",
        "--timeout=120",
        "-rN",
        *task.test_ids,
    ]
    run_env = env.env_vars(tree, task.environment.pythonpath) | {"HOME": str(scratch)}
    res = LocalSandbox(mounts, Limits(), backend=backend).exec(
        argv, cwd=tree, timeout=900, env=run_env
    )
    elapsed = time.perf_counter() - start
    if res.returncode != 0:
        raise SystemExit(f"{task.id}: plain grading failed:\n{res.stdout[-2000:]}")
    return elapsed


Side = Callable[[Task, References, PythonEnv, Path, str], float]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", type=Path, default=Path("tasks/core"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = get_settings()
    tasks = load_suite(args.suite)
    refs = References(tasks, settings.repos_dir)
    sides: dict[str, Side] = {"integrity": integrity, "plain": plain}
    times: dict[str, dict[str, list[float]]] = {t.id: {"integrity": [], "plain": []} for t in tasks}
    with tempfile.TemporaryDirectory(prefix="proctor-bench-") as tmp:
        for task in tasks:
            env = build_env(task.environment, task.repo, settings.envs_dir)
            for i in range(args.repeat):
                order = ["integrity", "plain"] if i % 2 == 0 else ["plain", "integrity"]
                for name in order:
                    where = Path(tmp) / f"{task.id}-{name}-{i}"
                    where.mkdir()
                    times[task.id][name].append(
                        sides[name](task, refs, env, where, settings.sandbox)
                    )
                    shutil.rmtree(where, ignore_errors=True)
    print(f"{'task':<22} {'plain s':>8} {'integrity s':>12} {'added s':>8}")
    added = []
    totals = {"integrity": 0.0, "plain": 0.0}
    for task_id, by in times.items():
        med = {k: statistics.median(v) for k, v in by.items()}
        added.append(med["integrity"] - med["plain"])
        for k in totals:
            totals[k] += med[k]
        print(f"{task_id:<22} {med['plain']:>8.3f} {med['integrity']:>12.3f} {added[-1]:>8.3f}")
    mean = statistics.mean(added)
    print(f"mean added per task: {mean:.3f} s (target <= {TARGET_S} s: {mean / TARGET_S:.2f}x)")
    print(f"integrity / plain, all tasks: {totals['integrity'] / totals['plain']:.2f}x")


if __name__ == "__main__":
    main()
