"""Version files a build would generate, and metadata lookups of the project's own version.

The checkout is never installed, so two things a build provides are missing: the version
file setuptools-scm, hatch-vcs or pdm-backend writes (``write_to``, ``version-file``), and
the installed distribution ``importlib.metadata.version("proj")`` looks up. One idempotent
setup command writes stand-ins for both: version 0.0.0, and a ``proj-0.0.0.dist-info``
folder on PYTHONPATH, which importlib.metadata finds like an installed one.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from typing import Any

from packaging.version import InvalidVersion, Version

from proctor.mine.infer.layout import Layout
from proctor.mine.infer.metadata import normalize
from proctor.mine.infer.tree import RepoTree

__all__ = [
    "STUB_VERSION",
    "declared_version_files",
    "self_lookups",
    "stub_command",
    "tag_version",
]

STUB_VERSION = "0.0.0"
"""The version the stand-ins say (a guess: the real one comes from git tags)."""

_TAG = re.compile(r"^(?:[A-Za-z][\w.-]*?[-_])?v?(\d.*)$")


def tag_version(tag: str | None) -> str | None:
    """The release number of a git tag (``v8.4.1``, ``9.2.0.dev0`` -> ``8.4.1``, ``9.2.0``);
    None if it names none."""
    match = _TAG.match(tag.strip()) if tag else None
    try:
        return Version(match.group(1)).base_version if match else None
    except InvalidVersion:
        return None


def _py_stub(version: str) -> str:
    parts = tuple(int(p) for p in version.split("."))
    return (
        "# Written by proctor: a stand-in for the version file a build would generate.\n"
        f'__version__ = version = "{version}"\n'
        f"__version_tuple__ = version_tuple = {parts!r}\n"
        "__commit_id__ = commit_id = None\n"
    )


_LOOKUP = re.compile(
    r"\b(?:version|get_distribution|distribution|metadata)\(\s*"
    r"(?:[\"']([A-Za-z0-9][\w.-]*)[\"']|(__name__|__package__))"
)
_METADATA_MODULES = ("importlib.metadata", "importlib_metadata", "pkg_resources")
_MAX_SCANNED = 300
# Run by the sandbox's python (any 3.x the task may use): write each file unless it exists.
_WRITER = (
    "import os\n"
    "for path, text in {files!r}:\n"
    "    if not os.path.exists(path):\n"
    "        folder = os.path.dirname(path)\n"
    "        if folder:\n"
    "            os.makedirs(folder, exist_ok=True)\n"
    "        with open(path, 'w') as f:\n"
    "            f.write(text)\n"
)


def declared_version_files(data: dict[str, Any], layout: Layout) -> list[tuple[str, str]]:
    """Version files pyproject.toml asks a build to write: ``(path, where it says so)``."""
    tool = data.get("tool", {})
    found: list[tuple[str, str]] = []
    scm = tool.get("setuptools_scm")
    if isinstance(scm, dict):
        for key in ("version_file", "write_to"):
            if isinstance(scm.get(key), str):
                found.append((scm[key], f"pyproject.toml [tool.setuptools_scm] {key}"))
                break
    vcs = tool.get("hatch", {}).get("build", {}).get("hooks", {}).get("vcs", {})
    if isinstance(vcs.get("version-file"), str):
        found.append((vcs["version-file"], "pyproject.toml [tool.hatch.build.hooks.vcs]"))
    pdm = tool.get("pdm", {}).get("version", {})
    if pdm.get("source") == "scm" and isinstance(pdm.get("write_to"), str):
        # pdm-backend writes it relative to the package folder ("src" in a src layout).
        path = pdm["write_to"]
        if layout.root != "." and not path.startswith(layout.root + "/"):
            path = posixpath.join(layout.root, path)
        found.append((path, "pyproject.toml [tool.pdm.version] write_to"))
    return found


def self_lookups(tree: RepoTree, layout: Layout, dist_name: str | None) -> list[str]:
    """Files of the project's packages that look up its own installed version.

    A lookup is ``version(...)``, ``distribution(...)``, ``metadata(...)`` or
    ``get_distribution(...)`` (in a file that imports importlib.metadata,
    importlib_metadata or pkg_resources) of the project's name, a package's name,
    ``__name__`` or ``__package__``.
    """
    own = {normalize(n) for n in (*layout.packages, dist_name) if n}
    prefix = "" if layout.root == "." else layout.root + "/"
    scanned = [
        p
        for p in tree.files()
        if p.endswith(".py")
        and p.startswith(prefix)
        and p[len(prefix) :].split("/")[0].removesuffix(".py") in layout.packages
        and "/tests/" not in p
    ][:_MAX_SCANNED]
    found: list[str] = []
    for path in scanned:
        text = tree.read(path) or ""
        if not any(m in text for m in _METADATA_MODULES):
            continue
        for match in _LOOKUP.finditer(text):
            if match.group(2) or normalize(match.group(1)) in own:
                found.append(path)
                break
    return found


def _dist_info(folder: str, name: str, version: str) -> list[tuple[str, str]]:
    stem = f"{re.sub(r'[-_.]+', '_', name)}-{version}.dist-info"
    path = posixpath.normpath(posixpath.join(folder, stem, "METADATA"))
    text = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    return [(path, text)]


def stub_command(
    version_files: Sequence[str],
    dist_info: tuple[str, str] | None,
    version: str = STUB_VERSION,
) -> list[str]:
    """A setup command writing stand-in version files and a dist-info, each only if absent.

    Args:
        version_files: checkout-relative paths of version files to write.
        dist_info: ``(folder on PYTHONPATH, distribution name)`` for a ``NAME-VERSION.dist-info``.
        version: the version they say (the newest release tag, else :data:`STUB_VERSION`).

    Returns:
        ``["python", "-c", CODE]``; running it twice changes nothing the second time.
    """
    files = [(p, _py_stub(version) if p.endswith(".py") else version + "\n") for p in version_files]
    if dist_info is not None:
        files += _dist_info(*dist_info, version)
    return ["python", "-c", _WRITER.format(files=files)]
