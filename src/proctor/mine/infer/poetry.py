"""Poetry's own tables: ``[tool.poetry]`` metadata, dependencies and groups, in PEP 508 terms.

Poetry's constraints (``^1.2``, ``~1.2.3``, ``1.2.*``, a bare ``1.2.3``) become PEP 440
ranges; the ``python`` entry becomes requires-python, a dependency's own ``python`` key a
``python_version`` marker.
"""

from __future__ import annotations

from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from proctor.mine.infer.metadata import Metadata, is_test_name
from proctor.mine.infer.requirements import Found

__all__ = ["poetry_constraint", "poetry_groups", "poetry_metadata"]


def _upper(parts: list[int], caret: bool) -> str:
    """The exclusive upper bound of a caret or tilde constraint on ``parts``."""
    if caret:
        keep = next((i for i, p in enumerate(parts) if p != 0), len(parts) - 1)
    else:
        keep = 0 if len(parts) == 1 else 1
    bound = [*parts[:keep], parts[keep] + 1]
    return ".".join(str(p) for p in bound + [0] * max(0, len(parts) - len(bound)))


def _one(part: str) -> str:
    """One poetry constraint (no commas) as a PEP 440 specifier ('' for any version)."""
    part = part.strip().replace(" ", "")
    if part in ("", "*"):
        return ""
    if part[0] in "^~" and not part.startswith("~="):
        base = part[1:]
        parts = [int(p) for p in base.split(".")]
        return f">={base},<{_upper(parts, part[0] == '^')}"
    if part[0].isdigit():
        return f"=={part}"
    return part


def poetry_constraint(constraint: str) -> str | None:
    """A poetry version constraint as a PEP 440 specifier; None if it has no equivalent.

    ``^1.2.3`` is ``>=1.2.3,<2.0.0``, ``~1.2`` is ``>=1.2,<1.3``, ``1.2.*`` is
    ``==1.2.*``; alternatives (``||``) have no PEP 440 form.
    """
    if "||" in constraint:
        return None
    try:
        spec = ",".join(s for s in (_one(p) for p in constraint.split(",")) if s)
        SpecifierSet(spec)
    except (ValueError, InvalidSpecifier):
        return None
    return spec


def _python_marker(constraint: str) -> str | None:
    spec = poetry_constraint(constraint)
    if not spec:
        return None
    return " and ".join(f'python_version {s.operator} "{s.version}"' for s in SpecifierSet(spec))


def _requirement(name: str, value: Any) -> str | None:
    """One poetry dependency entry as PEP 508; None for optional, path or unreadable ones."""
    if isinstance(value, list):
        value = next(iter(value), None)
    if isinstance(value, str):
        value = {"version": value}
    if not isinstance(value, dict) or value.get("optional") or "path" in value:
        return None
    extras = f"[{','.join(value['extras'])}]" if value.get("extras") else ""
    if "git" in value:
        rev = value.get("rev") or value.get("tag") or value.get("branch")
        head = f"{name}{extras} @ git+{value['git']}{'@' + rev if rev else ''}"
    elif "url" in value:
        head = f"{name}{extras} @ {value['url']}"
    else:
        spec = poetry_constraint(str(value.get("version", "*")))
        if spec is None:
            spec = ""
        head = f"{name}{extras}{spec}"
    markers = [m for m in (value.get("markers"), _python_marker(value.get("python", ""))) if m]
    return f"{head} ; {' and '.join(f'({m})' for m in markers)}" if markers else head


def _requirements(table: Any) -> list[str]:
    if not isinstance(table, dict):
        return []
    found = (_requirement(n, v) for n, v in table.items() if n.lower() != "python")
    return [r for r in found if r]


def poetry_metadata(data: dict[str, Any]) -> Metadata | None:
    """``[tool.poetry]`` as metadata; None without that table."""
    poetry = data.get("tool", {}).get("poetry")
    if not isinstance(poetry, dict):
        return None
    deps = poetry.get("dependencies", {})
    python = deps.get("python") if isinstance(deps, dict) else None
    return Metadata(
        source="pyproject.toml [tool.poetry]",
        name=poetry.get("name"),
        requires_python=poetry_constraint(python) if isinstance(python, str) else None,
        classifiers=[c for c in poetry.get("classifiers", []) if isinstance(c, str)],
        dependencies=_requirements(deps),
    )


def poetry_groups(data: dict[str, Any]) -> list[Found]:
    """Poetry's test and dev groups (and the old ``dev-dependencies``)."""
    poetry = data.get("tool", {}).get("poetry")
    if not isinstance(poetry, dict):
        return []
    found: list[Found] = []
    for name, group in (poetry.get("group") or {}).items():
        if is_test_name(name) and isinstance(group, dict):
            reqs = _requirements(group.get("dependencies"))
            found.append(Found(f"pyproject.toml [tool.poetry.group.{name}]", reqs))
    if "dev-dependencies" in poetry:
        reqs = _requirements(poetry["dev-dependencies"])
        found.append(Found("pyproject.toml [tool.poetry.dev-dependencies]", reqs))
    return found
