"""Tests of proctor.spec.lock: the suite's environments.lock, attached by load_suite."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from proctor.errors import SpecError
from proctor.spec import (
    LOCK_FILE,
    Environment,
    EnvironmentsLock,
    LockedEnv,
    Task,
    dump_lock,
    dump_task,
    load_suite,
    load_suite_files,
    lock_path,
    read_lock,
    sort_pins,
    utc_stamp,
)

ENV: dict[str, object] = {"python": "3.11", "packages": ["six", "attrs>=22"]}
GOOD: dict[str, object] = {
    "id": "demo-1",
    "repo": "https://github.com/example/demo",
    "base_commit": "a" * 40,
    "created_at": "2024-05-01T14:00:00+02:00",
    "problem_statement": "Calling f(2) returns 5 but should return 4.",
    "reference": {"commit": "b" * 40},
    "hidden_tests": {"files": ["tests/test_f.py"], "fail_to_pass": ["tests/test_f.py::test_two"]},
    "environment": ENV,
}
PINS = ["attrs==23.1.0", "iniconfig==2.0.0", "pytest==8.1.1", "pytest-timeout==2.3.1", "six==1.16"]


def suite(tmp_path: Path, *tasks: dict[str, object]) -> Path:
    folder = tmp_path / "suite"
    folder.mkdir(exist_ok=True)
    for data in tasks:
        (folder / f"{data['id']}.yaml").write_text(yaml.safe_dump(data))
    return folder


def entry(task: Task, pins: list[str] = PINS) -> LockedEnv:
    return LockedEnv(
        inputs=task.lock_inputs,
        python=task.environment.python,
        exclude_newer=task.resolve_date,
        resolved=pins,
    )


def write_lock(folder: Path, entries: dict[str, LockedEnv]) -> Path:
    path = folder / LOCK_FILE
    path.write_text(dump_lock(EnvironmentsLock(tasks=entries)))
    return path


def test_resolve_date_is_exclude_newer_else_created_at() -> None:
    task = Task.model_validate(GOOD)
    assert task.resolve_date == task.created_at
    later = datetime(2025, 1, 2, tzinfo=timezone.utc)
    dated = Task.model_validate({**GOOD, "environment": {"exclude_newer": later}})
    assert dated.resolve_date == later
    assert utc_stamp(task.resolve_date) == "2024-05-01T12:00:00Z"
    assert utc_stamp(datetime(2024, 5, 1)) == "2024-05-01T00:00:00Z"  # no zone: UTC


def test_unlocked_key_is_unchanged_so_old_caches_stay_valid() -> None:
    env = Environment(python="3.11", packages=["six", "attrs>=22"])
    payload = json.dumps(
        {"repo": "R", "python": "3.11", "packages": ["attrs>=22", "six"]}, sort_keys=True
    )
    assert env.key("R") == hashlib.sha256(payload.encode()).hexdigest()[:16]
    # The resolve date is not part of an unlocked key.
    dated = Environment(packages=env.packages, exclude_newer=datetime(2020, 1, 1))
    assert dated.key("R") == env.key("R")


def test_locked_key_covers_the_pins_and_shares_equal_closures() -> None:
    task = Task.model_validate(GOOD)
    unlocked = task.environment
    locked = unlocked.model_copy(update={"lock": entry(task)})
    assert locked.key("R") != unlocked.key("R")
    other = unlocked.model_copy(update={"lock": entry(task, [*PINS[:-1], "six==1.17.0"])})
    assert other.key("R") != locked.key("R")
    # Different requirements, same closure (in any order): one venv.
    twin = Environment(packages=["six"]).model_copy(update={"lock": entry(task, PINS[::-1])})
    assert twin.key("R") == locked.key("R")
    assert locked.key("other-repo") != locked.key("R")


def test_lock_inputs_follow_what_the_resolution_depends_on() -> None:
    task = Task.model_validate(GOOD)
    same = Task.model_validate({**GOOD, "created_at": "2024-05-01T12:00:00Z"})
    assert same.lock_inputs == task.lock_inputs  # the same instant, another zone
    changes = [
        {"repo": "https://github.com/example/other"},
        {"created_at": "2024-05-02T12:00:00Z"},
        {"environment": {**ENV, "python": "3.12"}},
        {"environment": {**ENV, "packages": ["six"]}},
        {"environment": {**ENV, "exclude_newer": "2023-01-01T00:00:00Z"}},
    ]
    for change in changes:
        assert Task.model_validate({**GOOD, **change}).lock_inputs != task.lock_inputs, change
    # What does not change the resolution does not make the lock stale.
    moved = Task.model_validate({**GOOD, "problem_statement": "Another text."})
    assert moved.lock_inputs == task.lock_inputs


def test_load_suite_attaches_entries_and_ignores_the_rest(tmp_path: Path) -> None:
    second = {**GOOD, "id": "demo-2"}
    folder = suite(tmp_path, GOOD, second)
    first = Task.model_validate(GOOD)
    write_lock(folder, {"demo-1": entry(first), "gone-task": entry(first)})
    by_id = {t.id: t for t in load_suite(folder)}
    assert by_id["demo-1"].environment.lock == entry(first)
    assert by_id["demo-2"].environment.lock is None  # no entry: builds unlocked
    assert by_id["demo-1"].env_key != by_id["demo-2"].env_key
    # One task file reads its folder's lock; locked=False reads none.
    (single,) = load_suite(folder / "demo-1.yaml")
    assert single.environment.lock is not None
    assert all(t.environment.lock is None for t in load_suite(folder, locked=False))


def test_a_stale_entry_names_the_lock_file_and_the_task(tmp_path: Path) -> None:
    folder = suite(tmp_path, GOOD)
    lock = write_lock(folder, {"demo-1": entry(Task.model_validate(GOOD))})
    changed = {**GOOD, "environment": {"packages": ["six", "attrs>=23"]}}
    suite(tmp_path, changed)
    with pytest.raises(SpecError) as info:
        load_suite(folder)
    assert str(info.value) == (f"{lock}: demo-1: stale: run `proctor env lock --suite {folder}`")
    assert load_suite(folder, locked=False)[0].environment.lock is None


def test_the_lock_is_never_dumped_into_a_task(tmp_path: Path) -> None:
    folder = suite(tmp_path, GOOD)
    plain = Task.model_validate(GOOD)
    write_lock(folder, {"demo-1": entry(plain)})
    (locked,) = load_suite(folder)
    assert locked.environment.lock is not None
    assert dump_task(locked) == dump_task(plain)
    assert locked.model_dump() == plain.model_dump()
    assert "lock" not in locked.environment.model_dump()
    assert "lock" not in json.dumps(Task.model_json_schema()["$defs"]["Environment"])


def test_a_task_file_cannot_carry_a_lock() -> None:
    data = {**GOOD, "environment": {"lock": {"inputs": "x", "python": "3.11"}}}
    with pytest.raises(ValueError, match=r"environments\.lock"):
        Task.model_validate(data)


def test_lock_file_round_trips_sorted(tmp_path: Path) -> None:
    task = Task.model_validate(GOOD)
    lock = EnvironmentsLock(tasks={"z-task": entry(task, PINS[::-1]), "a-task": entry(task, PINS)})
    path = tmp_path / LOCK_FILE
    path.write_text(dump_lock(lock))
    text = path.read_text()
    assert text.index("a-task") < text.index("z-task")
    again = read_lock(path)
    assert list(again.tasks) == ["a-task", "z-task"]
    assert again.tasks["z-task"].resolved == sort_pins(PINS) == PINS
    assert yaml.safe_load(text)["schema_version"] == 1
    assert lock_path(tmp_path) == path
    assert lock_path(tmp_path / "t.yaml") == path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("schema_version: 2\ntasks: {}\n", "schema_version"),
        ("tasks: {t: {inputs: x}}\n", "tasks.t.python"),
        ("[1, 2]\n", "expected a mapping"),
        (
            "tasks: {t: {inputs: x, python: '3.11', exclude_newer: 2024-01-01,\n"
            "  resolved: ['--index-url=x']}}\n",
            "not a requirement",
        ),
        ("a: [\n", "not valid YAML"),
    ],
)
def test_a_malformed_lock_is_named(tmp_path: Path, text: str, message: str) -> None:
    folder = suite(tmp_path, GOOD)
    (folder / LOCK_FILE).write_text(text)
    with pytest.raises(SpecError, match=message) as info:
        load_suite(folder)
    assert str(folder / LOCK_FILE) in str(info.value)


def test_a_suite_of_subfolders_reads_the_lock_beside_each_task(tmp_path: Path) -> None:
    first, second = Task.model_validate(GOOD), Task.model_validate({**GOOD, "id": "demo-2"})
    root = tmp_path / "suite"
    for name, data in (("a", GOOD), ("b", {**GOOD, "id": "demo-2"})):
        (root / name).mkdir(parents=True)
        (root / name / f"{data['id']}.yaml").write_text(yaml.safe_dump(data))
    write_lock(root / "a", {"demo-1": entry(first)})
    write_lock(root / "b", {"demo-2": entry(second, PINS[:-1])})
    write_lock(root, {"demo-1": entry(first, PINS[1:])})  # not beside demo-1: not read
    by_id = {t.id: t for t in load_suite(root)}
    assert by_id["demo-1"].environment.lock == entry(first)
    assert by_id["demo-2"].environment.lock == entry(second, PINS[:-1])
    # The subfolder alone, or its file alone, reads the same lock.
    assert load_suite(root / "a")[0].environment.lock == entry(first)
    assert load_suite(root / "a" / "demo-1.yaml")[0].environment.lock == entry(first)
    files = [f.relative_to(root).as_posix() for f, _ in load_suite_files(root)]
    assert files == ["a/demo-1.yaml", "b/demo-2.yaml"]
    # A stale entry of a subfolder names its lock and the suite that was loaded.
    (root / "b" / "demo-2.yaml").write_text(
        yaml.safe_dump({**GOOD, "id": "demo-2", "environment": {}})
    )
    with pytest.raises(SpecError, match=rf"^{root / 'b' / LOCK_FILE}: demo-2: stale: .*{root}`"):
        load_suite(root)
