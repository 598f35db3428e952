"""Which ruff configuration lints a change, and how to call ruff.

Everything is read at BASE (``base_text``): a change that loosens its own lint settings is
still linted by the settings it started from. In order of preference:

1. ruff's own configuration files, used as they are, with the classic default selection
   (E4, E7, E9, F) slid in underneath as the base of every ``extend`` chain: a configuration
   written for an older ruff then keeps its meaning on a newer one whose default differs;
2. flake8's section in ``setup.cfg``, ``tox.ini`` or ``.flake8``, mapped to ruff settings;
   codes ruff has no stable rule for are dropped and reported as not mapped;
3. the classic default plus the task's :class:`~proctor.spec.models.LintSettings`.
"""

from __future__ import annotations

import configparser
import json
import posixpath
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from proctor.grade.quality.findings import base_text
from proctor.grade.quality.runner import rule_table
from proctor.spec import LintSettings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CLASSIC_SELECT = ("E4", "E7", "E9", "F")
_CLASSIC_FILE = ".proctor-classic.toml"
_RUFF_NAMES = (".ruff.toml", "ruff.toml", "pyproject.toml")  # ruff's own precedence
_FLAKE8_FILES = ("setup.cfg", "tox.ini", ".flake8")
_FLAKE8_SELECT = ("E", "F", "W")
_FLAKE8_IGNORE = ("E121", "E123", "E126", "E226", "E24", "E704", "W503", "W504")
_SELECTOR_ALIASES = frozenset({"C", "C9", "T"})  # selectors ruff accepts or remaps itself
_MAX_ESCAPE = 4  # `extend` may climb this many folders above the root (see lint._PAD)


@dataclass(frozen=True)
class RuffSetup:
    """The configuration one lint run uses.

    Attributes:
        source: where it came from, e.g. ``pyproject.toml`` or ``setup.cfg [flake8]``.
        files: (path relative to the repository root, text) written into each temp tree.
        not_mapped: flake8 codes ruff has no stable rule for.
        formatter: ``ruff``, ``black`` or None when the repository configures none.
        format_args: extra ``ruff format`` arguments (black's settings translated).
    """

    source: str
    files: tuple[tuple[str, str], ...]
    not_mapped: tuple[str, ...] = ()
    formatter: str | None = None
    format_args: tuple[str, ...] = ()


# --- pure helpers --------------------------------------------------------------------------


def parse_toml(text: str | None) -> dict[str, Any]:
    """TOML text as a dict; empty when missing or malformed."""
    if not text:
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}


def to_toml(settings: Mapping[str, Any], path: tuple[str, ...] = ()) -> str:
    """Nested settings of strings, numbers, booleans and string lists as TOML text."""
    lines = [f"[{'.'.join(json.dumps(k) for k in path)}]"] if path else []
    for key, value in settings.items():
        if not isinstance(value, Mapping):
            shown = str(value).lower() if isinstance(value, bool) else json.dumps(value)
            lines.append(f"{json.dumps(key)} = {shown}")
    text = "\n".join(lines) + "\n" if lines else ""
    for key, value in settings.items():
        if isinstance(value, Mapping):
            text += to_toml(value, (*path, key))
    return text


def split_codes(value: str) -> list[str]:
    """flake8 code lists: comma or space separated, ``#`` comments allowed."""
    text = " ".join(line.split("#", 1)[0] for line in value.splitlines())
    return [code.strip().upper() for code in re.split(r"[\s,]+", text) if code.strip()]


def parse_per_file_ignores(value: str) -> dict[str, list[str]]:
    """flake8 ``per-file-ignores`` (``pattern: CODE, CODE`` entries) as a dict."""
    table: dict[str, list[str]] = {}
    current: str | None = None
    text = " ".join(line.split("#", 1)[0] for line in value.splitlines())
    for token in re.split(r"[\s,]+", text.replace(":", ": ")):
        if token.endswith(":"):
            current = token[:-1]
            table.setdefault(current, [])
        elif token and current is not None:
            table[current].append(token.upper())
    return table


def selectable(code: str, rules: Mapping[str, tuple[str, bool]]) -> bool:
    """Whether ``code`` is a ruff selector that picks at least one stable rule."""
    if code in _SELECTOR_ALIASES:
        return True
    return any(
        full.startswith(code) and code.startswith(prefix) and not preview
        for full, (prefix, preview) in rules.items()
    )


def map_flake8(
    options: Mapping[str, str], rules: Mapping[str, tuple[str, bool]]
) -> tuple[dict[str, Any], list[str]]:
    """flake8 options as ruff settings, and the codes that could not be mapped."""
    not_mapped: list[str] = []

    def keep(codes: Sequence[str], report: bool = True) -> list[str]:
        kept = [c for c in codes if selectable(c, rules)]
        if report:
            not_mapped.extend(c for c in codes if c not in kept)
        return kept

    select = keep(split_codes(options.get("select", "")) or _FLAKE8_SELECT)
    select += keep(split_codes(options.get("extend-select", "")))
    if "ignore" in options:
        ignore = keep(split_codes(options["ignore"]))
    else:
        ignore = keep(_FLAKE8_IGNORE, report=False)
    ignore += keep(split_codes(options.get("extend-ignore", "")))
    lint: dict[str, Any] = {"select": select, "ignore": ignore}
    complexity = options.get("max-complexity", "").strip()
    if complexity.isdigit():
        lint["mccabe"] = {"max-complexity": int(complexity)}
        if "select" not in options:
            select.append("C90")
    per_file = {
        pattern: kept
        for pattern, codes in parse_per_file_ignores(options.get("per-file-ignores", "")).items()
        if (kept := keep(codes))
    }
    if per_file:
        lint["per-file-ignores"] = per_file
    settings: dict[str, Any] = {}
    excluded = [
        pattern
        for key in ("exclude", "extend-exclude")
        for pattern in re.split(r"[\s,]+", options.get(key, "").split("#")[0])
        if pattern
    ]
    if excluded:
        settings["extend-exclude"] = excluded
    length = options.get("max-line-length", "").strip()
    if length.isdigit():
        settings["line-length"] = min(int(length), 320)
    settings["lint"] = lint
    return settings, sorted(set(not_mapped))


def default_settings(lint: LintSettings | None) -> dict[str, Any]:
    """The classic default selection plus the task's lint settings."""
    select, ignore = list(CLASSIC_SELECT), []
    settings: dict[str, Any] = {}
    if lint is not None:
        select += lint.select
        ignore += lint.ignore
        if lint.line_length:
            settings["line-length"] = lint.line_length
            select.append("E501")
    settings["lint"] = {"select": select, "ignore": ignore}
    return settings


def ruff_table(rel: str, text: str) -> dict[str, Any]:
    """The ruff settings of a config file (``[tool.ruff]`` of a pyproject.toml)."""
    data = parse_toml(text)
    if rel.endswith("pyproject.toml"):
        tool = data.get("tool", {})
        table = tool.get("ruff", {}) if isinstance(tool, dict) else {}
        return table if isinstance(table, dict) else {}
    return data


def extend_target(rel: str, text: str) -> str | None:
    """The repository-relative path a config's ``extend`` names (None: none, or absolute)."""
    value = ruff_table(rel, text).get("extend")
    if not isinstance(value, str) or value.startswith(("/", "~")):
        return None
    return posixpath.normpath(posixpath.join(posixpath.dirname(rel), value))


def inject_classic(rel: str, text: str) -> str:
    """``text`` made to extend the classic-default file at the tree root (if it parses)."""
    target = posixpath.relpath(_CLASSIC_FILE, posixpath.dirname(rel) or ".")
    line = f"extend = {json.dumps(target)}"
    if rel.endswith("pyproject.toml"):
        match = re.search(r"^\[\s*tool\s*\.\s*ruff\s*\][ \t]*(#.*)?$", text, re.M)
        if match:
            new = f"{text[: match.end()]}\n{line}{text[match.end() :]}"
        else:
            new = f"{text.rstrip()}\n\n[tool.ruff]\n{line}\n"
    else:
        new = f"{line}\n{text}"
    return new if parse_toml(new) else text


# --- discovery -----------------------------------------------------------------------------


def _has_ruff(rel: str, text: str) -> bool:
    return not rel.endswith("pyproject.toml") or "ruff" in parse_toml(text).get("tool", {})


def _ruff_configs(
    root: Path, base: Mapping[str, str | None], paths: Sequence[str]
) -> dict[str, str]:
    """Nearest-first ruff config per folder on the way to each changed file, plus extends."""
    folders = {""}
    for path in paths:
        folders.update(p.as_posix() for p in PurePosixPath(path).parents if str(p) != ".")
    todo: list[str] = []
    for folder in sorted(folders):
        for name in _RUFF_NAMES:
            rel = f"{folder}/{name}" if folder else name
            text = base_text(root, base, rel)
            if text is not None and _has_ruff(rel, text):
                todo.append(rel)
                break
    found: dict[str, str] = {}
    while todo and len(found) < 32:
        rel = todo.pop(0)
        escape = rel.count("../")
        text = base_text(root, base, rel) if escape == 0 else _read_outside(root, rel)
        if rel in found or text is None or escape > _MAX_ESCAPE:
            continue
        found[rel] = text
        target = extend_target(rel, text)
        if target is not None:
            todo.append(target)
    return found


def _read_outside(root: Path, rel: str) -> str | None:
    path = (root / rel).resolve()
    return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None


def _flake8_options(root: Path, base: Mapping[str, str | None]) -> tuple[str, dict[str, str]]:
    for name in _FLAKE8_FILES:
        parser = configparser.RawConfigParser(strict=False)
        try:
            parser.read_string(base_text(root, base, name) or "")
        except configparser.Error:
            continue
        if parser.has_section("flake8"):
            items = parser.items("flake8")
            return f"{name} [flake8]", {k.replace("_", "-"): v for k, v in items}
    return "", {}


def detect_formatter(
    root: Path, base: Mapping[str, str | None], configs: Mapping[str, str]
) -> tuple[str | None, tuple[str, ...]]:
    """The formatter the repository configures (ruff or black) and ``ruff format`` args."""
    tool = parse_toml(base_text(root, base, "pyproject.toml")).get("tool", {})
    hooks = base_text(root, base, ".pre-commit-config.yaml") or ""
    ruff_tables = [ruff_table(rel, text) for rel, text in configs.items()]
    if any("format" in t for t in ruff_tables) or re.search(r"id:\s*ruff-format\b", hooks):
        return "ruff", ()
    black = tool.get("black")
    if black is None and not re.search(r"psf/black|id:\s*black\b", hooks):
        return None, ()
    black = black if isinstance(black, dict) else {}
    args = ["--isolated", "--line-length", str(black.get("line-length", 88))]
    if black.get("skip-string-normalization"):
        args += ["--config", "format.quote-style='preserve'"]
    if black.get("skip-magic-trailing-comma"):
        args += ["--config", "format.skip-magic-trailing-comma=true"]
    return "black", tuple(args)


def configured_line_length(root: Path, base: Mapping[str, str | None]) -> int | None:
    """The line length the repository configures: ruff's, flake8's or black's, else None."""
    for name in _RUFF_NAMES:
        text = base_text(root, base, name)
        if text is not None and _has_ruff(name, text):
            table = ruff_table(name, text)
            lint = table.get("lint", {})
            for part in (lint if isinstance(lint, dict) else {}, table):
                style = part.get("pycodestyle", {})
                length = style.get("max-line-length") if isinstance(style, dict) else None
                if isinstance(length, int):
                    return length
            length = table.get("line-length")
            if isinstance(length, int):
                return length
    _, options = _flake8_options(root, base)
    if options.get("max-line-length", "").strip().isdigit():
        return int(options["max-line-length"])
    black = parse_toml(base_text(root, base, "pyproject.toml")).get("tool", {}).get("black")
    if isinstance(black, dict):
        length = black.get("line-length", 88)
        return length if isinstance(length, int) else None
    return None


def line_length_ignored(root: Path, base: Mapping[str, str | None]) -> bool:
    """Whether the repository's lint configuration explicitly ignores E501 (line too long)."""
    codes: list[str] = []
    for name in _RUFF_NAMES:
        text = base_text(root, base, name)
        if text is not None and _has_ruff(name, text):
            table = ruff_table(name, text)
            lint = table.get("lint", {})
            for part in (table, lint if isinstance(lint, dict) else {}):
                for key in ("ignore", "extend-ignore"):
                    value = part.get(key, [])
                    codes += (
                        [c for c in value if isinstance(c, str)] if isinstance(value, list) else []
                    )
            break
    _, options = _flake8_options(root, base)
    codes += split_codes(options.get("ignore", "")) + split_codes(options.get("extend-ignore", ""))
    return any(code in ("E501", "E50", "E5", "E") for code in codes)


def discover_setup(
    root: Path,
    base: Mapping[str, str | None],
    paths: Sequence[str],
    lint: LintSettings | None = None,
) -> RuffSetup:
    """The configuration to lint ``paths`` with (see the module docstring)."""
    configs = _ruff_configs(root, base, paths)
    formatter, format_args = detect_formatter(root, base, configs)
    if configs:
        files = [
            (rel, text if "extend" in ruff_table(rel, text) else inject_classic(rel, text))
            for rel, text in configs.items()
        ]
        files.append((_CLASSIC_FILE, to_toml({"lint": {"select": list(CLASSIC_SELECT)}})))
        if not any("/" not in rel for rel in configs):
            files.append(("ruff.toml", to_toml(default_settings(lint))))
        files += _pyproject_for_target(root, base, configs)
        source = ", ".join(rel for rel in configs if not rel.startswith(".."))
        return RuffSetup(source, tuple(files), (), formatter, format_args)
    source, options = _flake8_options(root, base)
    if source:
        settings, not_mapped = map_flake8(options, rule_table())
        mapped = (("ruff.toml", to_toml(settings)), *_pyproject_for_target(root, base, {}))
        return RuffSetup(source, mapped, tuple(not_mapped), formatter, format_args)
    default = (
        ("ruff.toml", to_toml(default_settings(lint))),
        *_pyproject_for_target(root, base, {}),
    )
    return RuffSetup("default", default, (), formatter, format_args)


def _pyproject_for_target(
    root: Path, base: Mapping[str, str | None], configs: Mapping[str, str]
) -> list[tuple[str, str]]:
    """The root pyproject.toml's ``requires-python``, from which ruff infers target-version."""
    if "pyproject.toml" in configs:
        return []
    project = parse_toml(base_text(root, base, "pyproject.toml")).get("project", {})
    requires = project.get("requires-python") if isinstance(project, dict) else None
    if not isinstance(requires, str):
        return []
    return [("pyproject.toml", to_toml({"project": {"name": "x", "requires-python": requires}}))]


def fallback_setup(lint: LintSettings | None, setup: RuffSetup) -> RuffSetup:
    """The default configuration, keeping the formatter ``setup`` found."""
    kept = tuple((rel, text) for rel, text in setup.files if rel == "pyproject.toml")
    files = (("ruff.toml", to_toml(default_settings(lint))), *kept)
    return replace(setup, source="default", files=files, not_mapped=())
