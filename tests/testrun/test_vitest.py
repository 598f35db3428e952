"""The seam's second runner, for real: vitest runs a tiny JavaScript repository made here.

Needs node and npm, and vitest from the npm registry once: it is installed into a cache folder
(pytest's cache, or ``~/.cache/proctor/test-tools`` when the cache plugin is off) and reused,
so a second run costs what vitest's own runs cost (a second or two each). Without node, npm or
the package, the tests skip and say which.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from proctor import testrun
from proctor.testrun import RunOptions, Status

VITEST = "vitest@3.2.4"
"""Pinned: 3.2 runs on node 18, 20 and 22."""
VITEST_RUNNER = testrun.get_runner("vitest")

MATH_TEST = """\
import { describe, expect, test } from 'vitest';
import { add } from '../math.js';

describe('add', () => {
  test('sums', () => { expect(add(2, 3)).toBe(5); });
  test('is wrong', () => { expect(add(2, 2)).toBe(5); });
  test.skip('later', () => { expect(add(0, 0)).toBe(0); });
});

test('top level', () => { expect(add(1, 1)).toBe(2); });
"""
CRASH_TEST = """\
import { test } from 'vitest';
throw new Error('boom at import');
test('never', () => {});
"""
EXIT_TEST = """\
import { test } from 'vitest';
test('exits', () => { process.exit(3); });
"""


def _cache_root(config: pytest.Config) -> Path:
    cache = getattr(config, "cache", None)
    if cache is not None:
        return Path(cache.mkdir("test-tools"))
    home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return home / "proctor" / "test-tools"


def _install(root: Path) -> Path:
    """``node_modules`` holding vitest under ``root``, installed once (atomically)."""
    done = root / VITEST.replace("@", "-") / "node_modules"
    if (done / ".bin" / "vitest").exists():
        return done
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="vitest-", dir=root))
    (work / "package.json").write_text('{"private": true}\n')
    argv = ["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", "--fetch-retries=1"]
    argv += ["--fetch-timeout=30000", VITEST]
    try:
        res = subprocess.run(argv, cwd=work, capture_output=True, text=True, timeout=180)
    except subprocess.TimeoutExpired:
        shutil.rmtree(work, ignore_errors=True)
        pytest.skip(f"npm install {VITEST} took over 180 s")
    if res.returncode != 0:
        shutil.rmtree(work, ignore_errors=True)
        said = [ln for ln in res.stderr.splitlines() if "error" in ln and "complete log" not in ln]
        pytest.skip(f"npm cannot install {VITEST} (no registry?): {' '.join(said[:3]) or '?'}")
    try:
        work.rename(done.parent)
    except OSError:  # another session finished first
        shutil.rmtree(work, ignore_errors=True)
    return done


@pytest.fixture(scope="session")
def node_modules(request: pytest.FixtureRequest) -> Path:
    missing = [tool for tool in ("node", "npm", "npx") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"vitest needs node and npm; missing: {', '.join(missing)}")
    return _install(_cache_root(request.config))


@pytest.fixture
def js_repo(tmp_path: Path, node_modules: Path) -> Path:
    """A tiny repository: a passing, a failing, a skipped test; a file that throws at import;
    a test that calls process.exit."""
    repo = tmp_path / "repo"
    (repo / "test").mkdir(parents=True)
    (repo / "package.json").write_text('{"name": "tiny", "private": true, "type": "module"}\n')
    (repo / "math.js").write_text("export const add = (a, b) => a + b;\n")
    (repo / "test" / "math.test.js").write_text(MATH_TEST)
    (repo / "test" / "crash.test.js").write_text(CRASH_TEST)
    (repo / "test" / "exit.test.js").write_text(EXIT_TEST)
    (repo / "node_modules").symlink_to(node_modules)  # as a setup step's npm ci would leave
    return repo


def _run(repo: Path, argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CI": "1", "NO_COLOR": "1", "npm_config_offline": "true"}
    return subprocess.run(argv, cwd=repo, capture_output=True, text=True, timeout=120, env=env)


def test_vitest_statuses_from_its_report(js_repo: Path, tmp_path: Path) -> None:
    report = tmp_path / VITEST_RUNNER.files.report
    options = RunOptions(report=report, per_test_timeout_s=10, cache=False)
    done = _run(js_repo, VITEST_RUNNER.argv(VITEST_RUNNER.default_command, [], options))
    assert done.returncode != 0, "failing tests fail the run"
    parsed = VITEST_RUNNER.parse(report.read_text())
    assert parsed.statuses == {
        "test/math.test.js > add > sums": Status.PASSED,
        "test/math.test.js > add > is wrong": Status.FAILED,
        "test/math.test.js > add > later": Status.SKIPPED,
        "test/math.test.js > top level": Status.PASSED,
        "test/exit.test.js > exits": Status.FAILED,
    }
    assert parsed.collection_errors == ["test/crash.test.js"]
    assert parsed.status("test/crash.test.js > never") is Status.MISSING
    assert "expected 4 to be 5" in parsed.failure("test/math.test.js > add > is wrong")
    assert "process.exit" in parsed.failure("test/exit.test.js > exits")


def test_vitest_runs_a_selection_and_lists_and_misses_tests(js_repo: Path, tmp_path: Path) -> None:
    chosen = ["test/math.test.js > add > sums", "test/math.test.js > top level"]
    report = tmp_path / "chosen.xml"
    argv = VITEST_RUNNER.argv(["npx", "vitest", "run"], chosen, RunOptions(report=report))
    assert _run(js_repo, argv).returncode == 0, "only the chosen (passing) tests ran"
    parsed = VITEST_RUNNER.parse(report.read_text())
    assert parsed.statuses_for(chosen) == dict.fromkeys(chosen, Status.PASSED)
    assert parsed.status("test/math.test.js > add > is wrong") is Status.SKIPPED

    collect = RunOptions(collect_only=True)
    listed = _run(
        js_repo, VITEST_RUNNER.argv(["npx", "vitest", "run"], ["test/math.test.js"], collect)
    )
    assert "test/math.test.js > add > is wrong" in listed.stdout, "a whole file is a selection"

    gone = ["test/gone.test.js > x"]
    missed = _run(js_repo, VITEST_RUNNER.argv(["npx", "vitest", "run"], gone))
    assert VITEST_RUNNER.not_found(missed.stdout + missed.stderr, gone) == gone
