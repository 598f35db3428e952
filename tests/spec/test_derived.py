"""A suite's derived.yaml: what rebuilds its derived repository."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from proctor.errors import SpecError
from proctor.spec import (
    DerivedRepo,
    dump_derived,
    load_derived,
    load_suite,
    load_suite_derived,
    task_files,
)

FUNCTION = {"path": "tiny.py", "qualname": "f", "line": 3, "stem": "tiny-f"}
RECORD = {
    "schema_version": 1,
    "path": "repos/synth/tiny.git",
    "source": "https://github.com/acme/tiny",
    "commit": "a" * 40,
    "functions": [FUNCTION],
}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_round_trip(tmp_path: Path) -> None:
    record = DerivedRepo.model_validate(RECORD)
    path = write(tmp_path / "derived.yaml", dump_derived(record))
    assert load_derived(path) == record
    assert path.read_text().startswith("schema_version: 1\npath: repos/synth/tiny.git\n")


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"commit": "abc1234"}, "commit", "not a full 40-character sha"),
        ({"functions": []}, "functions", "at least 1 item"),
        ({"schema_version": 2}, "schema_version", "newer than this proctor reads"),
        ({"tool": "x"}, "tool", "Extra inputs"),
        ({"functions": [FUNCTION, FUNCTION]}, "functions", "stem 'tiny-f' is given more than once"),
    ],
)
def test_a_bad_record_names_file_and_field(
    tmp_path: Path, change: dict[str, object], field: str, problem: str
) -> None:
    path = write(tmp_path / "derived.yaml", yaml.safe_dump({**RECORD, **change}))
    with pytest.raises(SpecError, match=rf"^{path}: {field}: .*{problem}"):
        load_derived(path)


def test_the_record_is_not_a_task_file(tmp_path: Path) -> None:
    record = DerivedRepo.model_validate(RECORD)
    path = write(tmp_path / "suite" / "derived.yaml", dump_derived(record))
    task = write(tmp_path / "suite" / "t.yaml", "id: t\n")
    assert task_files(tmp_path / "suite") == [task]
    assert load_suite_derived(tmp_path / "suite") == [load_derived(path)]
    assert load_suite_derived(task) == [load_derived(path)]  # a task file: its folder's record
    assert load_suite_derived(tmp_path / "none") == []


def test_two_records_of_one_repository_must_agree(tmp_path: Path) -> None:
    write(tmp_path / "a" / "derived.yaml", yaml.safe_dump(RECORD))
    other = write(tmp_path / "b" / "derived.yaml", yaml.safe_dump({**RECORD, "commit": "b" * 40}))
    with pytest.raises(SpecError, match=rf"^{other}: path: .* is also described by"):
        load_suite_derived(tmp_path)


def test_the_pairs_suite_records_its_source() -> None:
    suite = Path(__file__).parents[2] / "tasks" / "pairs" / "cachetools"
    (record,) = load_suite_derived(suite)
    assert record.source == "https://github.com/tkem/cachetools"
    assert record.commit.startswith("28d4506")
    stems = {t.id.rsplit("-", 1)[0] for t in load_suite(suite)}
    assert {f.stem for f in record.functions} == stems
    assert {t.repo for t in load_suite(suite)} == {record.path}


def test_each_subfolder_of_the_pairs_suite_records_its_tasks_and_locks_them() -> None:
    suite = Path(__file__).parents[2] / "tasks" / "pairs"
    folders = sorted(p.parent for p in suite.glob("*/derived.yaml"))
    assert len(folders) >= 5
    tasks = load_suite(suite)  # ids unique across subfolders, every lock fresh
    assert len(tasks) == sum(len(load_suite(f)) for f in folders)
    assert {r.path for r in load_suite_derived(suite)} == {t.repo for t in tasks}
    for folder in folders:
        (record,) = load_suite_derived(folder)
        here = load_suite(folder)
        stems = {f.stem for f in record.functions}
        assert {t.id for t in here} == {f"{s}-{kind}" for s in stems for kind in ("repo", "iso")}
        assert {t.repo for t in here} == {record.path}
        assert all(t.environment.lock is not None for t in here), folder
