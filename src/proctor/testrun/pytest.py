"""pytest, configured by proctor: its config file, its plugins and its argv.

A graded session must not be configured by the change under test. So proctor decides, from
trusted inputs only:

* **the config file**: the one pytest itself would pick in the base tree with the hidden tests
  applied (:func:`locate_config`), handed over with ``-c``, so a config file the change adds
  anywhere decides nothing;
* **the plugins**: plugin autoload is off (``PYTEST_DISABLE_PLUGIN_AUTOLOAD``), and the
  ``pytest11`` entry points of the read-only environment are loaded by name
  (:func:`entry_point_plugins`), so an entry point the change ships (a ``*.dist-info`` in the
  checkout) is never loaded;
* **the start-up**: ``harness/grade/proctor_boot.py`` runs with no ``PYTHONPATH`` (so no
  ``sitecustomize``, ``usercustomize`` or ``.pth`` of the checkout is read at start-up), imports
  proctor's guard plugin, then puts the checkout's folders first on ``sys.path`` and starts
  pytest, so the code under test is the checkout's even when pytest itself imports it.
"""

from __future__ import annotations

import configparser
import itertools
import os
import posixpath
import shlex
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import tomllib

from proctor.errors import GradingError
from proctor.testrun.base import PLAIN, RunnerFiles, RunOptions, TestReport
from proctor.testrun.junit import junit_report
from proctor.testrun.pytest_ids import KEYS, not_found_ids

CONFIG_NAMES = (
    "pytest.toml",
    ".pytest.toml",
    "pytest.ini",
    ".pytest.ini",
    "pyproject.toml",
    "tox.ini",
    "setup.cfg",
)
"""Files pytest reads its configuration from, in the order it looks for them in a folder."""

FILES = RunnerFiles(
    hooks=frozenset(
        {"conftest.py", "sitecustomize.py", "usercustomize.py", *CONFIG_NAMES}
        - {"pyproject.toml", "setup.cfg", "tox.ini"}
    ),
    hook_suffixes=frozenset({".pth"}),
    local_plugins=frozenset({"conftest.py"}),
    modules=frozenset(
        {"pytest", "_pytest", "pluggy", "py", "iniconfig", "pytest_timeout", "proctor_guard"}
    ),
    internals=(
        r"junitxml|junit_|\b_pytest\b|pytest_runtest|pytest_collection|pytest_sessionfinish"
        r"|PYTEST_ADDOPTS"
    ),
    report="junit.xml",
)
"""What belongs to pytest (shared files like ``pyproject.toml`` are not hooks: only their
pytest section is, and the config file is passed with ``-c`` from the trusted tree)."""

ENV_VARS = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONDONTWRITEBYTECODE": "1"}
"""Set for every graded session (and never ``PYTHONPATH``: the boot script sets it)."""

_PYTEST_PREFIXES = (("python", "-m", "pytest"), ("python3", "-m", "pytest"), ("pytest",))


def has_pytest_section(name: str, text: str) -> bool:
    """Whether ``text``, the content of a file called ``name``, configures pytest."""
    if name in {"pytest.ini", ".pytest.ini", "pytest.toml", ".pytest.toml"}:
        return True  # pytest takes these even when empty
    try:
        if name == "pyproject.toml":
            tool = tomllib.loads(text).get("tool", {})
            return isinstance(tool, dict) and "pytest" in tool
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_string(text)
    except (tomllib.TOMLDecodeError, configparser.Error, UnicodeError):
        return False
    return parser.has_section("pytest" if name == "tox.ini" else "tool:pytest")


def locate_config(read: Callable[[str], str | None], test_files: Sequence[str]) -> str | None:
    """The config file pytest would use for ``test_files``, as a checkout-relative path.

    As pytest does: from the common folder of the test files upwards to the checkout's top,
    the first file of :data:`CONFIG_NAMES` that configures pytest; else the first
    ``pyproject.toml`` seen. Nothing above the checkout counts.

    Args:
        read: the text of a checkout-relative path in the trusted tree, or None if absent.
        test_files: checkout-relative paths of the selected test files.
    """
    folders = [posixpath.dirname(f) or "." for f in test_files] or ["."]
    start = PurePosixPath(posixpath.commonpath(folders) if len(folders) > 1 else folders[0])
    pyproject: str | None = None
    for folder in (start, *start.parents):
        for name in CONFIG_NAMES:
            path = str(folder / name)
            text = read(path)
            if text is None:
                continue
            if name == "pyproject.toml" and pyproject is None:
                pyproject = path
            if has_pytest_section(name, text):
                return path
    return pyproject


def entry_points(venv: Path) -> dict[str, str]:
    """The ``pytest11`` entry points installed in ``venv``: name to module (sorted by name)."""
    found: dict[str, str] = {}
    for meta in sorted(venv.glob("lib/python*/site-packages/*.*-info/entry_points.txt")):
        parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        try:
            parser.read_string(meta.read_text(encoding="utf-8", errors="replace"))
        except configparser.Error:
            continue
        if parser.has_section("pytest11"):
            for name, value in parser["pytest11"].items():
                module = value.split(":", 1)[0].split("[", 1)[0].strip()
                if module:
                    found.setdefault(name.strip(), module)
    return dict(sorted(found.items()))


def entry_point_plugins(venv: Path) -> list[str]:
    """Modules of the ``pytest11`` entry points installed in ``venv`` (sorted, unique)."""
    return sorted(set(entry_points(venv).values()))


def config_option(name: str, text: str, key: str) -> list[str]:
    """The values of one option of a pytest config file (``addopts``, ``testpaths`` ...).

    A TOML list is taken as it is, a string is split as a shell would; empty when the file
    does not set it or cannot be read.

    Args:
        name: the config file's name or path (``pyproject.toml``, ``pytest.ini``, ``setup.cfg``).
        text: its content.
        key: the option.
    """
    try:
        if name.endswith(".toml"):
            tool = tomllib.loads(text).get("tool", {}).get("pytest", {})
            section = tool.get("ini_options", tool) if isinstance(tool, dict) else {}
            raw = section.get(key, []) if isinstance(section, dict) else []
            return [str(a) for a in raw] if isinstance(raw, list) else shlex.split(str(raw))
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_string(text)
        section_name = "tool:pytest" if name.endswith("setup.cfg") else "pytest"
        return shlex.split(parser.get(section_name, key, fallback=""))
    except (tomllib.TOMLDecodeError, configparser.Error, ValueError):
        return []


def config_plugin_names(name: str, text: str) -> set[str]:
    """What a pytest config file's ``addopts`` loads with ``-p`` (entry-point names or modules).

    Args:
        name: the config file's name (``pyproject.toml``, ``pytest.ini``, ``setup.cfg`` ...).
        text: its content.
    """
    args = config_option(name, text, "addopts")
    named = {b for a, b in itertools.pairwise(args) if a == "-p"}
    named |= {a[2:] for a in args if a.startswith("-p") and len(a) > 2}
    return {n for n in named if not n.startswith("no:")}


def plugin_args(plugins: Sequence[str]) -> list[str]:
    """pytest options that load ``plugins`` by name, as autoload would have.

    Named one after another, a plugin that imports another one named later (pytest-xdist's
    ``looponfail`` imports its ``plugin``) makes pytest warn that it cannot rewrite the second
    one's asserts, which autoload (marking them all first) never does; a repository whose
    ``filterwarnings`` is ``error`` would then fail to start. That warning is ignored by its
    message: naming its class (``pytest.PytestAssertRewriteWarning``, pytest 5 on) would stop
    an older pytest with an internal error before it collected anything.
    """
    if not plugins:
        return []
    named = [arg for plugin in plugins for arg in ("-p", plugin)]
    return ["-W", f"ignore:{REWRITE_WARNING}", *named]


REWRITE_WARNING = "Module already imported so cannot be rewritten"
"""How pytest's assert-rewrite warning begins, in every version from 3 to 9."""


def named_plugins(config: Path | None, test_cmd: Sequence[str]) -> set[str]:
    """What a run loads with ``-p`` already: the config file's ``addopts`` and ``test_cmd``."""
    named: set[str] = set()
    if config is not None and config.is_file():
        text = config.read_text(encoding="utf-8", errors="replace")
        named = config_plugin_names(config.name, text)
    args = list(test_cmd)
    named |= {b for a, b in itertools.pairwise(args) if a == "-p"}
    return named


def environment_plugins(venv: Path, own: Sequence[str], named: Iterable[str] = ()) -> list[str]:
    """The ``pytest11`` plugins of ``venv`` proctor loads by name (autoload being off).

    Left out: a plugin module whose top-level package the checkout provides (``own``, its
    top-level modules), which would be imported from the checkout where it may not exist (the
    repository's own plugins are named in the task's ``test_cmd``); and one the config already
    loads (``named``: its ``-p`` names, see :func:`config_plugin_names`), by entry-point name or
    module, since pytest refuses one module registered under two names.

    Args:
        venv: the environment.
        own: the checkout's top-level modules.
        named: what the trusted config (or ``test_cmd``) loads with ``-p``.
    """
    mine, loaded = set(own), set(named)
    points = entry_points(venv)
    skip = {module for name, module in points.items() if name in loaded or module in loaded}
    modules = sorted(set(points.values()) - skip)
    return [m for m in modules if m.split(".", 1)[0] not in mine]


def top_level_modules(checkout: Path, pythonpath: Sequence[str]) -> list[str]:
    """Top-level modules and packages the checkout provides on its import path.

    Under ``'.'`` only folders with an ``__init__.py`` and ``.py`` files count (a flat layout
    holds docs and scripts too); under any other root every folder holding Python counts.
    Test modules and ``conftest``/``setup`` are left out.
    """
    names: set[str] = set()
    # A src layout's packages count even when the task forgot to name 'src': that mistake is
    # what makes tests import an installed copy instead.
    extra = ["src"] if (checkout / "src").is_dir() and "src" not in pythonpath else []
    for rel in [*pythonpath, *extra]:
        root = checkout / rel
        if not root.is_dir():
            continue
        for entry in root.iterdir():
            name = entry.name.removesuffix(".py")
            if not name.isidentifier() or name.startswith("test") or name in {"conftest", "setup"}:
                continue
            if (entry.is_file() and entry.suffix == ".py") or (
                entry.is_dir()
                and (
                    (entry / "__init__.py").is_file()
                    or (rel not in (".", "") and any(entry.glob("*.py")))
                )
            ):
                names.add(name)
    return sorted(names)


def under_roots(path: str, roots: Sequence[str]) -> Iterator[tuple[str, PurePosixPath]]:
    """(root, ``path`` relative to it) for each import root of ``roots`` that holds ``path``.

    ``'.'`` (or ``''``) is the checkout's top, which holds everything.
    """
    p = PurePosixPath(path)
    for root in roots:
        if root in (".", ""):
            yield root, p
        elif p.is_relative_to(root):
            yield root, p.relative_to(root)


def runner_args(test_cmd: Sequence[str]) -> list[str]:
    """The pytest options a task's ``test_cmd`` adds after its ``python -m pytest`` prefix.

    Raises:
        GradingError: ``test_cmd`` does not start pytest.
    """
    for prefix in _PYTEST_PREFIXES:
        if tuple(test_cmd[: len(prefix)]) == prefix:
            return list(test_cmd[len(prefix) :])
    raise GradingError(f"test_cmd {list(test_cmd)} does not run pytest (python -m pytest ...)")


@dataclass(frozen=True)
class PytestSetup:
    """Everything a graded pytest session is started with."""

    argv: list[str]
    env: dict[str, str]


def pytest_setup(
    *,
    boot: Path,
    checkout: Path,
    pythonpath: Sequence[str],
    config: Path,
    rootdir: Path,
    plugins: Sequence[str],
    extra_args: Sequence[str],
    results: Path,
    guard_report: Path,
    modules: Sequence[str],
    per_test_timeout_s: float,
    test_ids: Sequence[str],
) -> PytestSetup:
    """The argv and environment of one graded session (see the module docs).

    ``--maxfail=0`` comes after everything a config's ``addopts`` may hold, so a ``-x`` of the
    repository's cannot stop the session at the first test that must fail.

    Args:
        results: where pytest writes its JUnit XML (what :meth:`PytestRunner.parse` reads).
        guard_report: where proctor's guard plugin writes what it saw.
    """
    paths: list[str] = []
    for rel in [*pythonpath, "."]:
        full = os.path.normpath(checkout / rel)
        if full not in paths:
            paths.append(full)
    command = ["python", "-s", str(boot)]
    for path in paths:
        command += ["--path", path]
    command += [
        "--",
        *plugin_args(plugins),
        *("-c", str(config), f"--rootdir={rootdir}", f"--confcutdir={rootdir}"),
        *extra_args,
    ]
    graded = (
        "--maxfail=0",
        "-rN",
        f"--proctor-report={guard_report}",
        f"--proctor-modules={','.join(modules)}",
    )
    options = RunOptions(
        report=results, per_test_timeout_s=per_test_timeout_s, cache=False, extra=graded
    )
    return PytestSetup(PytestRunner().argv(command, test_ids, options), dict(ENV_VARS))


def empty_config(folder: Path) -> Path:
    """Write a config file that configures nothing into ``folder`` (for a tree with none)."""
    path = folder / "pytest.ini"
    path.write_text("[pytest]\n", encoding="utf-8")
    return path


class PytestRunner:
    """pytest as a :class:`~proctor.testrun.base.TestRunner`: node ids, JUnit XML (xunit1)."""

    name = "pytest"
    default_command = ("python", "-m", "pytest")
    files = FILES

    def argv(
        self, command: Sequence[str], test_ids: Sequence[str], options: RunOptions = PLAIN
    ) -> list[str]:
        """``command`` with pytest's options for ``options``, then ``test_ids``."""
        argv = [*command]
        if not options.cache:
            argv += ["-p", "no:cacheprovider"]
        if options.collect_only:
            argv += ["--collect-only"]
        if options.keep_going:
            argv += ["--continue-on-collection-errors"]
        if options.report is not None:
            argv += [f"--junitxml={options.report}", "-o", "junit_family=xunit1"]
        if options.per_test_timeout_s is not None:
            argv += [f"--timeout={max(1, int(options.per_test_timeout_s))}"]
        if options.quiet:
            argv += ["-q", "-rN"]
        return [*argv, *options.extra, *test_ids]

    def parse(self, text: str) -> TestReport:
        """Statuses by node id from pytest's JUnit XML (see :mod:`.pytest_ids`).

        Raises:
            GradingError: the text is not JUnit XML.
        """
        return junit_report(text, KEYS)

    def not_found(self, output: str, test_ids: Sequence[str]) -> list[str]:
        """Ids pytest's output reports not found (it then runs no test at all)."""
        return not_found_ids(output, test_ids)
