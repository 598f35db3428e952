"""Propose the environment a repository's tests need, from its files alone.

Nothing of the repository is built or run: pyproject.toml, setup.cfg, setup.py,
requirement files, tox.ini and noxfile.py are parsed, and every choice comes with a note
that says whether it was read from a file (``inferred``) or made without evidence
(``guessed``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from proctor.mine.infer.collect import Collector
from proctor.mine.infer.compiled import find_compiled
from proctor.mine.infer.imports import undeclared_test_imports
from proctor.mine.infer.layout import Layout, find_layout
from proctor.mine.infer.metadata import Metadata, is_test_name
from proctor.mine.infer.plugins import own_pytest_plugins
from proctor.mine.infer.poetry import poetry_metadata
from proctor.mine.infer.pyproject import build_system, load_pyproject, project_metadata, tool_groups
from proctor.mine.infer.python import choose_python
from proctor.mine.infer.requirements import (
    Found,
    nox_installs,
    read_requirements,
    requirement_files,
    tox_deps,
)
from proctor.mine.infer.setuppy import SetupInfo, read_setup_cfg, read_setup_py
from proctor.mine.infer.tree import GitTree, RepoTree
from proctor.mine.infer.version import (
    STUB_VERSION,
    declared_version_files,
    self_lookups,
    stub_command,
    tag_version,
)
from proctor.spec import Environment

__all__ = ["Proposal", "infer_environment"]


@dataclass(frozen=True)
class Proposal:
    """A proposed environment and what it rests on."""

    environment: Environment
    """The environment the tests are expected to need."""
    inferred: tuple[str, ...]
    """Facts read from files, each a short line naming the file."""
    guessed: tuple[str, ...]
    """Choices made without evidence (or against missing evidence)."""
    build_system: str
    """setuptools, hatch, flit, poetry, pdm, another backend as named, or unknown."""
    layout: str
    """``src`` or ``flat``."""
    compiled: bool
    """Whether compiled extensions must be built before the tests can import them."""

    def note(self) -> str:
        """The notes as text to keep with a task: ``inferred: ...`` then ``guessed: ...``."""
        lines = [f"inferred: {line}" for line in self.inferred]
        return "\n".join(lines + [f"guessed: {line}" for line in self.guessed])


def _setups(tree: RepoTree) -> list[SetupInfo]:
    return [s for s in (read_setup_cfg(tree), read_setup_py(tree)) if s is not None]


def _first(metas: Sequence[Metadata], attr: str) -> tuple[Any, str] | None:
    return next(((getattr(m, attr), m.source) for m in metas if getattr(m, attr)), None)


def _sources(
    tree: RepoTree, metas: Sequence[Metadata], setups: Sequence[SetupInfo], pyproject: Any
) -> tuple[list[Found], list[str]]:
    """Every source of requirements, most authoritative first, and requirement files not read."""
    sources = [Found(f"{m.source} dependencies", m.dependencies or []) for m in metas]
    sources += [Found(f"{s.metadata.source} tests_require", s.tests_require) for s in setups]
    for meta in metas:
        for extra, reqs in meta.extras.items():
            if is_test_name(extra):
                sources.append(Found(f"{meta.source} extra '{extra}'", reqs))
    sources += tool_groups(pyproject)
    kept, passed = requirement_files(tree.files())
    sources += [read_requirements(tree, path) for path in kept]
    sources += [f for f in (tox_deps(tree), nox_installs(tree)) if f is not None]
    return sources, passed


def _layout_note(layout: Layout) -> str:
    packages = ", ".join(layout.packages) or "none found"
    return (
        f"layout: {layout.kind}, PYTHONPATH {layout.root} ({layout.source}); packages: {packages}"
    )


@dataclass
class _Notes:
    inferred: list[str] = field(default_factory=list)
    guessed: list[str] = field(default_factory=list)


def infer_environment(
    tree: RepoTree, *, pythons: Sequence[str], as_of: date | None = None
) -> Proposal:
    """Propose the environment ``tree``'s tests need, reading its files only.

    Args:
        tree: the repository at the commit of interest.
        pythons: the ``3.X`` versions that can be used (see :func:`available_pythons`).
        as_of: the commit's date; no Python released after it is chosen.

    Raises:
        ValueError: ``pythons`` is empty.
        RepoError: a :class:`GitTree` cannot read the repository.
    """
    notes = _Notes()
    data, error = load_pyproject(tree)
    notes.guessed += [error] if error else []
    pyproject = data or {}
    setups = _setups(tree)
    metas = [m for m in (project_metadata(pyproject), poetry_metadata(pyproject)) if m]
    metas += [s.metadata for s in setups]
    backend, requires = _build_system(pyproject, setups, notes)
    name = _first(metas, "name")
    collector = _requirements(tree, metas, setups, pyproject, notes)

    setup_root = next(((s.package_root, s.metadata.source) for s in setups if s.package_root), None)
    layout = find_layout(tree.files(), data, setup_root)
    notes.inferred.append(_layout_note(layout))

    choice = choose_python(
        pythons, _first(metas, "requires_python"), _first(metas, "classifiers"), as_of
    )
    (notes.guessed if choice.guessed else notes.inferred).append(choice.note)

    commands, env = _versions(tree, pyproject, setups, layout, name[0] if name else None, notes)
    setup_py = next((s.text for s in setups if s.metadata.source == "setup.py"), None)
    compiled = find_compiled(backend, data, requires, setup_py, tree.files())
    notes.inferred += [f"compiled: {e}" for e in compiled.evidence]
    if compiled.command is not None:
        added = collector.add(Found("pyproject.toml [build-system] requires", compiled.packages))
        notes.inferred += [added] if added else []
        commands.append(compiled.command)
        notes.inferred.append(f"extensions built in place: {' '.join(compiled.command[-2:])}")
    elif compiled.compiled:
        notes.guessed.append(f"compiled ({backend}): in-place build is unsupported; no setup")

    dropped = collector.drop_for_python(choice.version)
    notes.inferred += [f"not for python {choice.version}: {', '.join(dropped)}"] if dropped else []
    _test_imports(tree, collector, notes)
    plugins, declared_in = own_pytest_plugins(pyproject, tree.read("setup.cfg"), setup_py)
    if plugins:
        notes.inferred.append(f"own pytest plugins {', '.join(plugins)} ({declared_in})")
    environment = Environment(
        python=choice.version,
        packages=collector.packages(),
        pythonpath=[layout.root],
        setup=commands,
        test_cmd=["python", "-m", "pytest", *(a for m in plugins for a in ("-p", m))],
        env=env,
    )
    return Proposal(
        environment,
        tuple(notes.inferred),
        tuple(notes.guessed),
        backend,
        layout.kind,
        compiled.compiled,
    )


def _test_imports(tree: RepoTree, collector: Collector, notes: _Notes) -> None:
    """Add the well-known test dependencies the test files import without declaring them."""
    add, unknown = undeclared_test_imports(tree, collector.packages())
    if add:
        collector.add(Found("imports in test files", add))
        notes.guessed.append(f"test files import undeclared {', '.join(add)}: added")
    if unknown:
        shown = ", ".join(unknown[:5]) + (f" +{len(unknown) - 5}" if unknown[5:] else "")
        notes.guessed.append(f"test files import undeclared {shown}: distribution unknown")


def _build_system(
    pyproject: dict[str, Any], setups: Sequence[SetupInfo], notes: _Notes
) -> tuple[str, list[str]]:
    """The build system's short name and its ``requires``, noted."""
    backend, requires = build_system(pyproject)
    if backend is not None:
        notes.inferred.append(f"build system: {backend} (pyproject.toml [build-system])")
    elif setups:
        backend = "setuptools"
        notes.inferred.append(f"build system: setuptools ({setups[0].metadata.source})")
    else:
        backend = "unknown"
        notes.guessed.append("build system unknown: no [build-system], setup.py or setup.cfg")
    for setup in setups:
        source = setup.metadata.source
        notes.guessed += [f"{source}: {k} is not a literal; not read" for k in setup.unreadable]
    return backend, requires


def _requirements(
    tree: RepoTree,
    metas: Sequence[Metadata],
    setups: Sequence[SetupInfo],
    pyproject: dict[str, Any],
    notes: _Notes,
) -> Collector:
    """Every source's requirements gathered, noted."""
    name = _first(metas, "name")
    extras: dict[str, list[str]] = {}
    for meta in metas:
        extras = {**meta.extras, **extras}
    collector = Collector(name[0] if name else None, extras)
    sources, passed = _sources(tree, metas, setups, pyproject)
    for found in sources:
        collector.add(found)
    notes.inferred += collector.notes
    notes.guessed += [f"requirement file {p} not read (not runtime, test or dev)" for p in passed]
    notes.guessed += [f"unparseable requirement {s} dropped" for s in collector.skipped]
    return collector


def _versions(
    tree: RepoTree,
    pyproject: dict[str, Any],
    setups: Sequence[SetupInfo],
    layout: Layout,
    name: str | None,
    notes: _Notes,
) -> tuple[list[list[str]], dict[str, str]]:
    """Setup commands and variables that stand in for generated version files and the
    project's own dist-info, noted."""
    declared = declared_version_files(pyproject, layout)
    declared += [(s.scm_write_to, "setup.py use_scm_version") for s in setups if s.scm_write_to]
    tracked = set(tree.files())
    missing = [path for path, _ in declared if path not in tracked]
    for path, source in declared:
        state = "tracked" if path in tracked else "not tracked: a stub is written"
        notes.inferred.append(f"generated version file {path} ({source}); {state}")
    lookups = self_lookups(tree, layout, name)
    dist = name or (layout.packages[0] if layout.packages else None)
    dist_info = (layout.root, dist) if lookups and dist else None
    if dist_info is not None:
        notes.inferred.append(f"own version looked up with package metadata ({lookups[0]})")
        notes.inferred.append(f"{dist} dist-info written into {layout.root} (not installed)")
    commands: list[list[str]] = []
    tag = tree.last_tag() if isinstance(tree, GitTree) else None
    version = tag_version(tag) or STUB_VERSION
    if missing or dist_info:
        commands.append(stub_command(missing, dist_info, version))
        if version == STUB_VERSION:
            notes.guessed.append(f"version {STUB_VERSION} for the stand-ins: no release tag")
        else:
            notes.inferred.append(f"version {version} for the stand-ins: newest tag {tag}")
    env = {"SETUPTOOLS_SCM_PRETEND_VERSION": version} if declared else {}
    return commands, env
