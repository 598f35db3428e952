"""Task fields: category, difficulty and strength are optional and stay out of files when
unset."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from proctor.spec import Difficulty, Strength, Task, dump_task, parse_task

TASK = {
    "id": "t-1",
    "repo": "https://github.com/o/r",
    "base_commit": "a" * 40,
    "created_at": "2024-01-01T00:00:00Z",
    "problem_statement": "It breaks.",
    "reference": {"commit": "b" * 40},
    "hidden_tests": {"files": ["tests/test_r.py"], "fail_to_pass": ["tests/test_r.py::t"]},
}


def test_unset_fields_are_not_written() -> None:
    text = dump_task(Task.model_validate(TASK))
    assert "category" not in text and "difficulty" not in text and "strength" not in text


def test_fields_round_trip() -> None:
    task = Task.model_validate(
        {**TASK, "category": "bug", "difficulty": {"files": 2, "hunks": 3, "lines": 9}}
    )
    text = dump_task(task)
    assert "category: bug" in text
    again = parse_task(yaml.safe_load(text), "t-1.yaml")
    assert again == task
    assert again.difficulty == Difficulty(files=2, hunks=3, lines=9)
    assert again.schema_version == 1


@pytest.mark.parametrize(
    "extra",
    [
        {"category": "chore"},
        {"difficulty": {"files": -1, "hunks": 0, "lines": 0}},
        {"strength": {"mutants": 2, "caught": 3}},
        {"strength": {"mutants": 2, "caught": 1}},  # the survivor is not named
        {"strength": {"mutants": 2, "caught": 2, "survived": ["drop-hunk x.py:1: ..."]}},
        {"strength": {"mutants": -1, "caught": 0}},
    ],
)
def test_bad_values_are_rejected(extra: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Task.model_validate({**TASK, **extra})


def test_strength_round_trips_and_gives_its_share() -> None:
    value = {"mutants": 4, "caught": 3, "survived": ["off-by-one m.py:7: `<` -> `<=`"]}
    task = Task.model_validate({**TASK, "strength": value})
    text = dump_task(task)
    assert text.endswith(
        "strength:\n  mutants: 4\n  caught: 3\n  survived:\n  - 'off-by-one m.py:7: `<` -> `<=`'\n"
    )
    again = parse_task(yaml.safe_load(text), "t-1.yaml")
    assert again == task and again.strength is not None
    assert again.strength.share == 0.75
    assert Strength(mutants=0, caught=0).share is None  # nothing to mutate: no share at all
