"""The environment a commit's tests run in: inferred from the repository, given fields winning.

Inference (:mod:`proctor.mine.infer`) reads the build system, dependencies, layout, generated
version files and Python version at the commit without running anything. Fields the user
gave (``--python``, ``--package``, ``--pythonpath``, a repository config) replace the inferred
ones whole. The result carries a note of what was read, guessed and given.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

from proctor.mine.derive import commit_date
from proctor.mine.infer import GitTree, available_pythons, infer_environment
from proctor.spec import Environment


@functools.cache
def _pythons() -> tuple[str, ...]:
    return tuple(available_pythons())


def propose_environment(
    source: Path, commit: str, given: Mapping[str, object] | None = None
) -> Environment:
    """The environment inferred for ``source`` at ``commit`` (no Python released after the
    commit's date), with ``given`` fields on top.

    Args:
        source: the repository's git directory.
        commit: the commit whose files are read.
        given: environment fields set explicitly (they replace the inferred ones).

    Raises:
        RepoError: the commit cannot be read.
    """
    when = commit_date(source, commit).date()
    proposal = infer_environment(GitTree(source, commit), pythons=_pythons(), as_of=when)
    given = dict(given or {})
    note = proposal.note()
    if given:
        note += "\ngiven: " + ", ".join(sorted(given))
    data = {**proposal.environment.model_dump(), **given, "note": note}
    return Environment.model_validate(data)
