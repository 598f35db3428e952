import json
from pathlib import Path

import pytest
import yaml

from proctor.errors import SpecError
from proctor.spec import (
    SCHEMA_VERSION,
    Strength,
    Task,
    dump_task,
    load_suite,
    load_task,
    write_task_field,
)
from proctor.spec.load import set_field
from proctor.spec.models import TASK_MIGRATIONS

SHA = "a" * 40
GOOD = {
    "id": "demo-1",
    "repo": "https://github.com/example/demo",
    "base_commit": SHA,
    "created_at": "2024-05-01T12:00:00Z",
    "problem_statement": "Calling f(2) returns 5 but should return 4.",
    "reference": {"commit": "b" * 40},
    "hidden_tests": {"files": ["tests/test_f.py"], "fail_to_pass": ["tests/test_f.py::test_two"]},
}


def write(tmp_path: Path, data: object, name: str = "t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def test_good_task_loads_with_defaults(tmp_path: Path) -> None:
    task = load_task(write(tmp_path, GOOD))
    assert task.environment.test_cmd == ["python", "-m", "pytest"]
    assert task.test_ids == ["tests/test_f.py::test_two"]
    assert len(task.env_key) == 16


def test_round_trip_through_yaml(tmp_path: Path) -> None:
    task = load_task(write(tmp_path, GOOD))
    again = load_task(write(tmp_path, dump_task(task), "again.yaml"))
    assert again == task


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"base_commit": "main"}, "base_commit", "not a hex sha"),
        ({"id": "has space"}, "id", "letters, digits"),
        ({"problem_statement": "  "}, "problem_statement", "must not be empty"),
        ({"reference": {"commit": SHA, "patch": "x"}}, "reference", "exactly one"),
        ({"hidden_tests": {"files": ["t.py"], "fail_to_pass": []}}, "hidden_tests", "at least one"),
        ({"environment": {"python": "three"}}, "environment.python", "not a Python version"),
        ({"surprise": 1}, "surprise", "Extra inputs"),
        ({"created_at": "yesterday"}, "created_at", "datetime"),
    ],
)
def test_bad_field_gives_one_line_naming_file_and_field(
    tmp_path: Path, change: dict[str, object], field: str, problem: str
) -> None:
    path = write(tmp_path, {**GOOD, **change})
    with pytest.raises(SpecError) as info:
        load_task(path)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith(f"{path}: {field}")
    assert problem in msg


def test_missing_field(tmp_path: Path) -> None:
    data = dict(GOOD)
    del data["hidden_tests"]
    with pytest.raises(SpecError, match=r"hidden_tests: Field required"):
        load_task(write(tmp_path, data))


def test_files_need_reference_commit(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"needs reference\.commit"):
        load_task(write(tmp_path, {**GOOD, "reference": {"patch": "diff"}}))


@pytest.mark.parametrize("text", ["id: [unclosed", "- just\n- a list\n", ""])
def test_not_a_mapping_or_not_yaml(tmp_path: Path, text: str) -> None:
    with pytest.raises(SpecError) as info:
        load_task(write(tmp_path, text))
    assert str(tmp_path) in str(info.value)


def test_suite_rejects_duplicate_ids(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(SpecError, match="also used by"):
        load_suite(tmp_path)


def test_env_key_ignores_package_order_but_not_content() -> None:
    t = Task.model_validate(GOOD)
    a = t.environment.model_copy(update={"packages": ["x", "y"]})
    b = t.environment.model_copy(update={"packages": ["y", "x"]})
    c = t.environment.model_copy(update={"packages": ["x"]})
    assert a.key(t.repo) == b.key(t.repo) != c.key(t.repo)
    assert a.key(t.repo) != a.key("https://github.com/other/repo")


def test_a_task_file_from_a_newer_proctor_is_one_clear_error(tmp_path: Path) -> None:
    # A newer format may add fields and change others: the version is what to name.
    newer = {**GOOD, "schema_version": 2, "hidden_tests": {"selector": "x"}, "new": 1}
    path = write(tmp_path, newer)
    with pytest.raises(SpecError) as info:
        load_task(path)
    assert (info.value.path, info.value.field) == (str(path), "schema_version")
    assert str(info.value) == (
        f"{path}: schema_version: 2 is newer than this proctor reads (1); upgrade proctor"
    )


def test_task_files_of_every_known_version_load(tmp_path: Path) -> None:
    assert SCHEMA_VERSION == 1 and TASK_MIGRATIONS == {}  # a bump comes with its migration
    assert load_task(write(tmp_path, {**GOOD, "schema_version": 1})).schema_version == 1
    assert load_task(write(tmp_path, GOOD, "plain.yaml")) == Task.model_validate(GOOD)


STRENGTH = Strength(mutants=3, caught=2, survived=["drop-hunk f.py:3: hunk 2 of 2 left out"])


def test_set_field_appends_a_new_field_and_keeps_every_other_line() -> None:
    text = "# a comment\nid: x\nlist:\n- a\n"
    assert set_field(text, "strength", {"mutants": 0, "caught": 0}) == (
        text + "strength:\n  mutants: 0\n  caught: 0\n"
    )
    assert set_field("id: x", "n", 1) == "id: x\nn: 1\n"


def test_set_field_replaces_an_old_entry_where_it_stands() -> None:
    text = "id: x\nstrength:\n  mutants: 9\n  survived:\n  - a\n\n# kept\nlast: 1\n"
    assert set_field(text, "strength", {"mutants": 1}) == (
        "id: x\nstrength:\n  mutants: 1\n\n# kept\nlast: 1\n"
    )
    assert set_field("strengths: 1\n", "strength", 2) == "strengths: 1\nstrength: 2\n"


def test_write_task_field_changes_only_that_field(tmp_path: Path) -> None:
    text = "# hand-written\n" + yaml.safe_dump(GOOD, sort_keys=False) + "# the end\n"
    path = write(tmp_path, text)
    task = write_task_field(path, "strength", STRENGTH)
    written = path.read_text()
    assert written.startswith(text)  # comments and every other field as they were
    assert load_task(path) == task and task.strength == STRENGTH
    again = write_task_field(path, "strength", Strength(mutants=0, caught=0))
    assert path.read_text() == text + "strength:\n  mutants: 0\n  caught: 0\n"
    assert again.strength is not None and again.strength.share is None


def test_write_task_field_rewrites_a_file_it_cannot_edit_in_place(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps(GOOD))  # JSON is YAML too, but all on one line
    task = write_task_field(path, "strength", STRENGTH)
    assert load_task(path) == task and task.strength == STRENGTH
    assert path.read_text() == dump_task(task)


def test_write_task_field_names_a_bad_file(tmp_path: Path) -> None:
    path = write(tmp_path, {**GOOD, "id": "bad id"})
    with pytest.raises(SpecError, match=r"t\.yaml"):
        write_task_field(path, "strength", STRENGTH)
    assert "strength" not in path.read_text()
