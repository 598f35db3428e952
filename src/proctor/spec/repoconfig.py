"""The ``--repo-config`` of a SWE-bench import: environment fields per repository.

A YAML mapping from a repository to the :class:`~proctor.spec.Environment` fields its tasks
get (over the command's defaults). A repository is written ``owner/name`` or as its GitHub URL
(``https://github.com/owner/name``, ``.git`` and a trailing ``/`` optional); both mean
``owner/name``::

    pallets/flask:
      python: '3.11'
      packages: ['pytest<9', 'blinker']
    https://github.com/psf/requests:
      pythonpath: [src]

An unknown field is an error (the repository and the field named), as is a key that is no
repository or two keys that mean the same one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import RootModel, ValidationError, model_validator

from proctor.errors import SpecError
from proctor.spec.models import Environment

_REPO = re.compile(
    r"^(?:https?://(?:www\.)?github\.com/)?([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$"
)


def repo_key(text: str) -> str | None:
    """``owner/name`` of ``owner/name`` or a GitHub URL of it; None for anything else."""
    match = _REPO.match(text.strip())
    if match is None or {match.group(1), match.group(2)} & {".", ".."}:
        return None
    return f"{match.group(1)}/{match.group(2)}"


class RepoConfig(RootModel[dict[str, Environment]]):
    """Environment fields per repository (``owner/name``, or its GitHub URL), over defaults."""

    root: dict[str, Environment] = {}

    @model_validator(mode="before")
    @classmethod
    def _normalize(cls, data: Any) -> Any:
        """Keys to ``owner/name``; a key that is no repository, or names one twice, is refused."""
        if not isinstance(data, dict):
            return data
        seen: dict[str, str] = {}
        for key in data:
            repo = repo_key(str(key))
            if repo is None:
                raise ValueError(f"{key}: not owner/name or https://github.com/OWNER/NAME")
            if repo in seen:
                raise ValueError(f"{key}: the same repository as {seen[repo]}")
            seen[repo] = str(key)
        return {repo_key(str(k)): v for k, v in data.items()}

    def fields_for(self, repo: str) -> dict[str, Any]:
        """The fields given for ``repo`` (``owner/name`` or URL), only those: defaults stay."""
        key = repo_key(repo)
        env = self.root.get(key) if key is not None else None
        return env.model_dump(exclude_unset=True) if env is not None else {}


def load_repo_config(path: Path | None) -> RepoConfig:
    """The repository config of ``path``, or an empty one.

    Raises:
        SpecError: one line naming the file, the repository key and the bad field: the file
            cannot be read, is not a YAML mapping, or a key or field is wrong.
    """
    if path is None:
        return RepoConfig()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise SpecError(str(path), "", f"cannot read repository config: {exc.strerror}") from None
    except yaml.YAMLError:
        raise SpecError(str(path), "", "not valid YAML") from None
    return parse_repo_config(data, str(path))


def parse_repo_config(data: Any, source: str) -> RepoConfig:
    """Validate already-parsed data as a :class:`RepoConfig`.

    Raises:
        SpecError: naming ``source``, the repository key and the first bad field.
    """
    if not isinstance(data, dict):
        raise SpecError(source, "", "expected a mapping of owner/name to environment fields")
    written = {repo_key(str(k)): str(k) for k in data}
    try:
        return RepoConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [str(p) for p in err["loc"]]
        msg = err["msg"].removeprefix("Value error, ")
        if not loc:  # a key, refused before any value was read
            raise SpecError(source, "", msg) from None
        key, field = written.get(loc[0], loc[0]), ".".join(loc[1:])
        if err["type"] == "extra_forbidden":
            msg = f"unknown environment field (known: {', '.join(Environment.model_fields)})"
        elif err["type"] == "model_type":
            msg = "expected a mapping of environment fields"
        raise SpecError(source, f"{key}: {field}" if field else key, msg) from None
