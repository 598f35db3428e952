"""Which changed files of a fix are test modules to run, and which to run when its test change
touches data only. Pure, but for reading the checkout's pytest config.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath

from proctor.files import read_text
from proctor.testrun import DEFAULT_RUNNER, config_option, get_runner, locate_config

__all__ = [
    "DEFAULT_TEST_FILES",
    "MAX_NEIGHBOURS",
    "config_values",
    "neighbour_test_modules",
    "python_files_of",
    "runnable_files",
]


DEFAULT_TEST_FILES = ("test_*.py", "*_test.py")
"""pytest's default ``python_files``."""


def runnable_files(
    files: Sequence[str],
    runner: str = DEFAULT_RUNNER,
    patterns: Sequence[str] = DEFAULT_TEST_FILES,
) -> list[str]:
    """The files worth handing to the runner: Python files other than ``__init__`` and the
    runner's local plugin files; for pytest, only test modules (``patterns``: its
    ``python_files``). A helper or data module beside the tests is no test module, and handed
    to pytest by name it is imported as one (one holding syntax of a later Python fails)."""
    skip = {"__init__.py", *get_runner(runner).files.local_plugins}
    kept = [f for f in files if f.endswith(".py") and PurePosixPath(f).name not in skip]
    if runner != DEFAULT_RUNNER:
        return kept
    return [
        f
        for f in kept
        if any(fnmatch.fnmatch(PurePosixPath(f).name, p) or fnmatch.fnmatch(f, p) for p in patterns)
    ]


MAX_NEIGHBOURS = 5
"""Most test modules taken for a fix whose test change touches data files only."""


def neighbour_test_modules(
    changed: Sequence[str],
    tracked: Callable[[], Sequence[str]],
    patterns: Sequence[str] = DEFAULT_TEST_FILES,
) -> list[str]:
    """The test modules that read the data a fix's test change touches, when it touches no
    test module itself (tomli adds ``tests/data/valid/x.toml``, markdown-it-py edits
    ``tests/test_port/fixtures/*.md``): those of the nearest folder above the data that holds
    test modules, up to :data:`MAX_NEIGHBOURS` of them (none at the top level). ``tracked``
    lists the commit's files; it is called only for such a change (a ``git ls-tree``)."""
    if runnable_files(changed, DEFAULT_RUNNER, patterns):
        return []
    by_folder: dict[str, list[str]] = {}
    for path in runnable_files(tracked(), DEFAULT_RUNNER, patterns):
        by_folder.setdefault(posixpath.dirname(path), []).append(path)
    found: list[str] = []
    for path in changed:
        folder = posixpath.dirname(path)
        while folder and folder not in by_folder:
            folder = posixpath.dirname(folder)
        found += by_folder.get(folder, []) if folder else []
    return sorted(dict.fromkeys(found))[:MAX_NEIGHBOURS]


def config_values(checkout: Path, files: Sequence[str], key: str) -> list[str]:
    """The values of option ``key`` in the pytest config that ``files`` would run under in
    ``checkout`` (empty without a config, or when it does not set ``key``)."""
    config = locate_config(lambda rel: read_text(checkout / rel), files)
    text = read_text(checkout / config) if config else None
    return config_option(config, text, key) if config and text else []


def python_files_of(checkout: Path, files: Sequence[str]) -> tuple[str, ...]:
    """The ``python_files`` of the pytest config that ``files`` would run under (pytest's
    default without one)."""
    return tuple(config_values(checkout, files, "python_files")) or DEFAULT_TEST_FILES
