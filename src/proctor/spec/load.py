"""Load and validate task files: one clear error per malformed file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import yaml
from pydantic import BaseModel

from proctor.errors import SpecError
from proctor.files import write_atomic
from proctor.spec.derived import DERIVED_NAME
from proctor.spec.lock import EnvironmentsLock, lock_path, read_lock
from proctor.spec.models import Task
from proctor.spec.yamlfile import read_yaml, validate_mapping


def parse_task(data: object, source: str) -> Task:
    """Validate already-parsed data as a :class:`Task`.

    Raises:
        SpecError: naming ``source``, the first bad field and the problem.
    """
    return validate_mapping(Task, data, source)


def load_task(path: Path) -> Task:
    """Read one YAML task file.

    Raises:
        SpecError: the file cannot be read, is not YAML, or does not validate.
    """
    data = read_yaml(path)
    return parse_task(data, str(path))


def task_files(path: Path) -> list[Path]:
    """The task files of a suite folder (recursively; a suite's ``derived.yaml`` is no task),
    or the single file given."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise SpecError(str(path), "", "no such file or folder")
    found = path.rglob("*")
    return sorted(p for p in found if p.suffix in {".yaml", ".yml"} and p.name != DERIVED_NAME)


def iter_suite(path: Path) -> Iterator[tuple[Path, Task | SpecError]]:
    """Every task file under ``path`` with its task or the error it raised."""
    for file in task_files(path):
        try:
            yield file, load_task(file)
        except SpecError as exc:
            yield file, exc


def load_suite(path: Path, *, locked: bool = True) -> list[Task]:
    """All tasks under ``path``; the first malformed file raises.

    With ``locked`` (the default), each task's ``environments.lock`` (the one beside its file,
    :func:`~proctor.spec.lock.lock_path`) is read when there is one, and the task's entry is
    attached to its environment (:attr:`Environment.lock`): a flat suite has one lock in its
    folder, a suite of subfolders one in each. Tasks without an entry stay unlocked, entries
    for tasks not in the suite are ignored.

    Raises:
        SpecError: a file is malformed, two files share a task id, or a lock is malformed or
            has an entry whose inputs no longer match its task (stale).
    """
    return [task for _, task in load_suite_files(path, locked=locked)]


def load_suite_files(path: Path, *, locked: bool = True) -> list[tuple[Path, Task]]:
    """Like :func:`load_suite`, each task with the file it was read from.

    Raises:
        SpecError: as :func:`load_suite`.
    """
    loaded: list[tuple[Path, Task]] = []
    seen: dict[str, Path] = {}
    for file, result in iter_suite(path):
        if isinstance(result, SpecError):
            raise result
        if result.id in seen:
            raise SpecError(str(file), "id", f"{result.id!r} is also used by {seen[result.id]}")
        seen[result.id] = file
        loaded.append((file, result))
    if not locked:
        return loaded
    by_lock: dict[Path, list[int]] = {}
    for number, (file, _) in enumerate(loaded):
        by_lock.setdefault(lock_path(file), []).append(number)
    for lock_file, numbers in by_lock.items():
        if lock_file.is_file():
            tasks = [loaded[n][1] for n in numbers]
            attached = attach_lock(tasks, read_lock(lock_file), lock_file, path)
            for number, task in zip(numbers, attached, strict=True):
                loaded[number] = (loaded[number][0], task)
    return loaded


def attach_lock(
    tasks: list[Task], lock: EnvironmentsLock, lock_file: Path, suite: Path
) -> list[Task]:
    """``tasks``, each with its entry of ``lock`` attached to its environment.

    Raises:
        SpecError: naming ``lock_file`` and the task whose entry is stale.
    """
    out: list[Task] = []
    for task in tasks:
        entry = lock.tasks.get(task.id)
        if entry is None:
            out.append(task)
            continue
        if entry.inputs != task.lock_inputs:
            raise SpecError(
                str(lock_file), task.id, f"stale: run `proctor env lock --suite {suite}`"
            )
        env = task.environment.model_copy(update={"lock": entry})
        out.append(task.model_copy(update={"environment": env}))
    return out


def dump_task(task: Task) -> str:
    """YAML text of a task, field order as in the model, long strings as blocks.

    ``statement_may_name`` is left out when empty, as most tasks have none.
    """
    exclude = None if task.statement_may_name else {"statement_may_name"}
    return dump_yaml(task.model_dump(mode="json", exclude_none=True, exclude=exclude))


def set_field(text: str, key: str, value: object) -> str:
    """The YAML ``text`` of a mapping with its top-level ``key`` set to ``value``.

    Only that key's lines change: an old entry is replaced where it stands (comments and
    blank lines after it are kept), a new one is appended at the end; every other line, and
    its comments, stay as they were.
    """
    entry = dump_yaml({key: value})
    lines = text.splitlines(keepends=True)
    starts = re.compile(rf"{re.escape(key)}\s*:")
    start = next((i for i, line in enumerate(lines) if starts.match(line)), None)
    if start is None:
        return text + ("" if not text or text.endswith("\n") else "\n") + entry
    end = start + 1
    while end < len(lines) and (lines[end][:1] in {" ", "\t", "-"} or not lines[end].strip()):
        end += 1  # the entry's own lines: indented, a sequence's items, blank
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1  # blank lines after it are the file's, not the entry's
    return "".join([*lines[:start], entry, *lines[end:]])


def write_task_field(path: Path, key: str, value: BaseModel) -> Task:
    """Set the top-level field ``key`` of the task file ``path`` to ``value`` (its fields at
    their defaults left out); the task as written.

    Only that field's lines change (:func:`set_field`). Where the result would not read back
    as the file's task with that field set (a file in an unusual YAML style), the whole task
    is written out anew instead (:func:`dump_task`: comments are lost, values kept).

    Raises:
        SpecError: the file cannot be read, is not YAML, or does not validate.
    """
    task = load_task(path)
    wanted = task.model_copy(update={key: value})
    data = value.model_dump(mode="json", exclude_defaults=True)
    text = set_field(path.read_text(encoding="utf-8"), key, data)
    try:
        same = parse_task(yaml.safe_load(text), str(path)) == wanted
    except (yaml.YAMLError, SpecError):
        same = False
    write_atomic(path, text if same else dump_task(wanted))
    return wanted


def dump_yaml(data: object) -> str:
    """YAML text of plain data, keys in their order, multi-line strings as blocks."""
    return yaml.dump(data, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=100)


class _BlockDumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_BlockDumper.add_representer(str, _str_presenter)
