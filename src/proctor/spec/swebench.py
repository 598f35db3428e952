"""Convert SWE-bench instances (JSON or JSONL) into proctor task specs.

SWE-bench carries no environment of ours; it comes from defaults given by the caller, with a
per-repository config (:class:`~proctor.spec.repoconfig.RepoConfig`) over them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from proctor.errors import SpecError
from proctor.spec.load import parse_task
from proctor.spec.models import Task
from proctor.spec.repoconfig import RepoConfig, parse_repo_config

REQUIRED = ("instance_id", "repo", "base_commit", "patch", "test_patch", "FAIL_TO_PASS")


def read_instances(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each instance with a label naming where it came from (file and line or index).

    Raises:
        SpecError: the file cannot be read or is neither JSON nor JSONL.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(str(path), "", f"cannot read: {exc.strerror}") from None
    if path.suffix != ".jsonl":
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            pass
        else:
            items = data if isinstance(data, list) else [data]
            for i, item in enumerate(items):
                yield f"{path}[{i}]", item
            return
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield f"{path}:{n}", json.loads(line)
        except json.JSONDecodeError as exc:
            raise SpecError(f"{path}:{n}", "", f"not JSON: {exc.msg}") from None


def _id_list(value: Any, label: str, field: str) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except json.JSONDecodeError:
            raise SpecError(label, field, "is a string but not a JSON list") from None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SpecError(label, field, "must be a list of test ids")
    return value


def environment_fields(
    repo: str,
    repo_config: RepoConfig | Mapping[str, Mapping[str, Any]],
    defaults: Mapping[str, Any],
    inferred: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The environment fields of ``repo``'s tasks: ``inferred``, then ``defaults`` (the options
    given), then the config's fields, each layer replacing the fields it sets.

    Raises:
        SpecError: ``repo_config``, given as a plain mapping, is not a valid config.
    """
    config = (
        repo_config
        if isinstance(repo_config, RepoConfig)
        else parse_repo_config(dict(repo_config), "<repo-config>")
    )
    return {**(inferred or {}), **defaults, **config.fields_for(repo)}


def convert_instance(
    item: Mapping[str, Any],
    label: str,
    repo_config: RepoConfig | Mapping[str, Mapping[str, Any]],
    defaults: Mapping[str, Any],
    inferred: Mapping[str, Any] | None = None,
) -> Task:
    """One SWE-bench instance as a :class:`Task`.

    Args:
        item: the instance, as SWE-bench writes it.
        label: where it came from, for errors (file and line or index).
        repo_config: environment fields per repository (a plain mapping is validated first).
        defaults: environment fields of every repository, under the config's.
        inferred: environment fields inferred for this instance, under both.

    Raises:
        SpecError: a required field is missing or malformed, or the config is invalid.
    """
    if not isinstance(item, Mapping):
        raise SpecError(label, "", "an instance must be a JSON object")
    for name in REQUIRED:
        if name not in item:
            raise SpecError(label, name, "missing")
    repo = str(item["repo"])
    url = repo if "://" in repo or repo.startswith("/") else f"https://github.com/{repo}"
    env = environment_fields(repo, repo_config, defaults, inferred)
    data = {
        "id": item["instance_id"],
        "repo": url,
        "base_commit": item["base_commit"],
        "created_at": item.get("created_at") or "1970-01-01T00:00:00Z",
        "problem_statement": item.get("problem_statement") or "",
        "reference": {"patch": item["patch"]},
        "hidden_tests": {
            "patch": item["test_patch"],
            "fail_to_pass": _id_list(item["FAIL_TO_PASS"], label, "FAIL_TO_PASS"),
            "pass_to_pass": _id_list(item.get("PASS_TO_PASS", []), label, "PASS_TO_PASS"),
        },
        "environment": env,
    }
    return parse_task(data, label)
