"""The lock stops drift: a package that gains a release after locking is not picked up.

A local find-links folder stands in for the index (``UV_FIND_LINKS``; uv still reaches PyPI for
pytest): it holds ``proctor-drift-probe`` 1.0 when the suite is locked, and 1.1 besides when it
is built again. Found by trying (uv 0.13.9): wheels in a find-links folder have no upload time,
and ``--exclude-newer`` keeps them whatever the date (even a date years before), so the resolve
date cannot hold 1.1 back; only the lock can. That is what this test shows: built from the lock,
the venv still gets 1.0; the same suite without its lock gets 1.1.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from proctor.cli.app import app
from proctor.spec import LOCK_FILE, read_lock

runner = CliRunner()
PROJECT = "proctor_drift_probe"


def make_wheel(folder: Path, version: str) -> Path:
    """A pure-Python wheel of ``proctor-drift-probe`` with METADATA, WHEEL and RECORD."""
    dist = f"{PROJECT}-{version}.dist-info"
    files = {
        f"{PROJECT}/__init__.py": f'VERSION = "{version}"\n',
        f"{dist}/METADATA": "Metadata-Version: 2.1\nName: proctor-drift-probe\n"
        f"Version: {version}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: proctor-tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }

    def digest(text: str) -> str:
        raw = hashlib.sha256(text.encode()).digest()
        return "sha256=" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    record = "".join(f"{p},{digest(t)},{len(t.encode())}\n" for p, t in files.items())
    path = folder / f"{PROJECT}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
        zf.writestr(f"{dist}/RECORD", record + f"{dist}/RECORD,,\n")
    return path


def installed_versions(cache: Path) -> list[str]:
    """Versions of the probe installed in the venvs under ``cache``."""
    found = (cache / "envs").glob(f"*/lib/python*/site-packages/{PROJECT}-*.dist-info")
    return sorted(p.name.removeprefix(f"{PROJECT}-").removesuffix(".dist-info") for p in found)


def build(suite: Path, cache: Path) -> None:
    res = runner.invoke(
        app, ["env", "build", "--suite", str(suite)], env={"PROCTOR_CACHE_DIR": str(cache)}
    )
    assert res.exit_code == 0, res.output


@pytest.mark.slow
def test_a_locked_suite_keeps_its_versions_when_the_index_moves_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    links = tmp_path / "links"
    links.mkdir()
    make_wheel(links, "1.0")
    monkeypatch.setenv("UV_FIND_LINKS", str(links))
    suite = tmp_path / "suite"
    suite.mkdir()
    task = {
        "id": "drift-1",
        "repo": "https://github.com/example/drift",
        "base_commit": "a" * 40,
        "created_at": datetime.now(timezone.utc).isoformat(),
        "problem_statement": "Nothing to fix: the environment is what is tested.",
        "reference": {"commit": "b" * 40},
        "hidden_tests": {"files": ["t.py"], "fail_to_pass": ["t.py::test_f"]},
        "environment": {"python": "3.11", "packages": ["proctor-drift-probe"]},
    }
    (suite / "drift-1.yaml").write_text(yaml.safe_dump(task))

    res = runner.invoke(app, ["env", "lock", "--suite", str(suite)])
    assert res.exit_code == 0, res.output
    resolved = read_lock(suite / LOCK_FILE).tasks["drift-1"].resolved
    assert "proctor-drift-probe==1.0" in resolved
    assert any(p.startswith("pytest==") for p in resolved)
    build(suite, tmp_path / "cache-a")
    assert installed_versions(tmp_path / "cache-a") == ["1.0"]

    make_wheel(links, "1.1")  # the index moves on
    build(suite, tmp_path / "cache-b")
    assert installed_versions(tmp_path / "cache-b") == ["1.0"]

    (suite / LOCK_FILE).unlink()
    build(suite, tmp_path / "cache-c")
    assert installed_versions(tmp_path / "cache-c") == ["1.1"]
