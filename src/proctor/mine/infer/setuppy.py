"""setup.cfg and setup.py, read statically: setup.py is parsed, never run.

A ``setup(...)`` keyword is read when its value is a literal (lists, dicts, strings), a
module-level name bound to one, or lists joined with ``+``; any other value is reported as
unreadable rather than guessed at.
"""

from __future__ import annotations

import ast
import configparser
import re
from dataclasses import dataclass, field
from typing import Any

from proctor.mine.infer.metadata import Metadata
from proctor.mine.infer.requirements import read_requirements
from proctor.mine.infer.tree import RepoTree

__all__ = ["SetupInfo", "read_setup_cfg", "read_setup_py"]

_SETUP_KEYS = (
    "name",
    "python_requires",
    "classifiers",
    "install_requires",
    "tests_require",
    "extras_require",
    "package_dir",
    "use_scm_version",
)


@dataclass
class SetupInfo:
    """What setup.cfg or setup.py declares."""

    metadata: Metadata
    """Name, requires-python, classifiers, install_requires and extras."""
    tests_require: list[str] = field(default_factory=list)
    """``tests_require`` (setup.py or setup.cfg)."""
    package_root: str | None = None
    """The folder ``package_dir`` maps the top level to (``src``), if it does."""
    scm_write_to: str | None = None
    """setuptools-scm's ``write_to`` from ``use_scm_version={...}``."""
    unreadable: list[str] = field(default_factory=list)
    """Keywords whose values are not literals."""
    text: str = ""
    """The file's text, for the readers of compiled extensions and scm."""


class _Unknown(Exception):
    """A value that is not a literal."""


def _literal(node: ast.expr, names: dict[str, ast.expr], depth: int = 0) -> Any:
    """The value of ``node`` if it is built of literals and module-level names of them."""
    if depth > 8:
        raise _Unknown
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in names:
        return _literal(names[node.id], names, depth + 1)
    if isinstance(node, ast.List | ast.Tuple):
        return [_literal(e, names, depth + 1) for e in node.elts]
    if isinstance(node, ast.Dict) and None not in node.keys:
        return {
            _literal(k, names, depth + 1): _literal(v, names, depth + 1)
            for k, v in zip(node.keys, node.values, strict=True)
            if k is not None
        }
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left, names, depth + 1), _literal(node.right, names, depth + 1)
        if isinstance(left, list) and isinstance(right, list):
            return left + right
    raise _Unknown


def _setup_call(module: ast.Module) -> ast.Call | None:
    for node in ast.walk(module):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name == "setup":
                return node
    return None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        lines = (re.sub(r"(^|\s)#.*$", "", line).strip() for line in value.splitlines())
        return [line for line in lines if line]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def read_setup_py(tree: RepoTree) -> SetupInfo | None:
    """The literal keywords of setup.py's ``setup(...)`` call; None without a setup.py."""
    text = tree.read("setup.py")
    if text is None:
        return None
    info = SetupInfo(Metadata("setup.py"), text=text)
    try:
        module = ast.parse(text)
    except SyntaxError:
        info.unreadable.append("setup.py (syntax error)")
        return info
    names = {
        node.targets[0].id: node.value
        for node in module.body
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
    }
    call = _setup_call(module)
    values: dict[str, Any] = {}
    for kw in call.keywords if call is not None else []:
        if kw.arg in _SETUP_KEYS:
            try:
                values[kw.arg] = _literal(kw.value, names)
            except _Unknown:
                info.unreadable.append(kw.arg)
    _fill(info, values)
    scm = values.get("use_scm_version")
    if isinstance(scm, dict):
        info.scm_write_to = scm.get("write_to") or scm.get("version_file")
    return info


def _fill(info: SetupInfo, values: dict[str, Any]) -> None:
    """Put the keywords ``values`` (setup.py's or setup.cfg's) into ``info``."""
    meta = info.metadata
    name = values.get("name")
    meta.name = name if isinstance(name, str) else None
    python = values.get("python_requires")
    meta.requires_python = python.strip() if isinstance(python, str) else None
    meta.classifiers = _strings(values.get("classifiers"))
    if "install_requires" in values:
        meta.dependencies = _strings(values["install_requires"])
    extras = values.get("extras_require")
    if isinstance(extras, dict):
        meta.extras = {str(k): _strings(v) for k, v in extras.items()}
    info.tests_require = _strings(values.get("tests_require"))
    package_dir = values.get("package_dir")
    if isinstance(package_dir, dict) and isinstance(package_dir.get(""), str):
        info.package_root = package_dir[""].strip("/") or None


def _cfg_package_root(value: str) -> str | None:
    for line in value.splitlines():
        key, _, folder = line.partition("=")
        if not key.strip() and folder.strip():
            return folder.strip().strip("/")
    return None


def read_setup_cfg(tree: RepoTree) -> SetupInfo | None:
    """``[metadata]``, ``[options]`` and ``[options.extras_require]`` of setup.cfg."""
    text = tree.read("setup.cfg")
    if text is None:
        return None
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    info = SetupInfo(Metadata("setup.cfg"), text=text)
    try:
        parser.read_string(text, "setup.cfg")
    except configparser.Error:
        info.unreadable.append("setup.cfg (does not parse)")
        return info
    values: dict[str, Any] = {}
    for section, keys in (("metadata", ("name", "classifiers")), ("options", _SETUP_KEYS)):
        for key in keys:
            if parser.has_option(section, key):
                values.setdefault(key, parser.get(section, key))
    install = str(values.get("install_requires", ""))
    if install.strip().startswith("file:"):
        files = re.split(r"[\s,]+", install.strip()[5:].strip())
        values["install_requires"] = [
            r for f in files if f for r in read_requirements(tree, f).requirements
        ]
    if parser.has_section("options.extras_require"):
        values["extras_require"] = dict(parser.items("options.extras_require"))
    _fill(info, values)
    if "package_dir" in values:
        info.package_root = _cfg_package_root(str(values["package_dir"]))
    if parser.has_option("options.packages.find", "where"):
        info.package_root = info.package_root or parser.get("options.packages.find", "where")
    return info
