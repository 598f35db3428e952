"""A small repository with known commits, built at test time, for mining."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from proctor.settings import Settings

CALC = '''"""A tiny calculator."""


def add(a, b):
    """Sum of a and b."""
    return a + b


def mean(values):
    """Arithmetic mean."""
    return sum(values) / (len(values) + 1)
'''
TEST_CALC = "from pkg.calc import add, mean\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
FLAKY = """from pathlib import Path

STATE = Path(__file__).with_name(".flaky-count")


def test_sometimes():
    n = int(STATE.read_text()) if STATE.exists() else 0
    STATE.write_text(str(n + 1))
    assert n % 2 == 0
"""


def git(cwd: Path, *args: str, when: int = 0) -> str:
    """Run git with a fixed identity and date (``when`` days after 2024-01-01)."""
    stamp = f"{1704067200 + when * 86400} +0000"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def edit(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@dataclass
class History:
    """The built repository and the sha of each named commit."""

    path: Path
    shas: dict[str, str] = field(default_factory=dict)
    day: int = 0

    def commit(self, name: str, message: str, files: dict[str, str]) -> str:
        edit(self.path, files)
        self.day += 1
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "-m", message, when=self.day)
        self.shas[name] = git(self.path, "rev-parse", "HEAD")
        return self.shas[name]


def build_history(root: Path) -> History:
    """Commits, oldest first, each a case the miner must get right."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "--initial-branch=main")
    h = History(root)
    calc = CALC
    h.commit(
        "root",
        "Initial import",
        {"pkg/__init__.py": "", "pkg/calc.py": calc, "tests/test_calc.py": TEST_CALC},
    )
    fixed = calc.replace("(len(values) + 1)", "len(values)")
    tests = TEST_CALC + "\n\ndef test_mean():\n    assert mean([1, 2, 3]) == 2\n"
    h.commit(
        "good",
        "mean() is off for every list\n\nmean([1, 2, 3]) returns 1.5, I expected 2.\n\n"
        "Fixes #12\nSigned-off-by: t <t@example.com>",
        {"pkg/calc.py": fixed, "tests/test_calc.py": tests},
    )
    tests += "\n\ndef test_add_negative():\n    assert add(-2, -3) == -5\n"
    h.commit("test_only", "Cover add() with negative numbers", {"tests/test_calc.py": tests})
    fixed += "\n\ndef sub(a, b):\n    return a - b\n"
    h.commit("source_only", "Add sub() for differences of numbers", {"pkg/calc.py": fixed})
    h.commit("docs_only", "Describe the calculator in the readme", {"README.md": "# calc\n"})
    h.commit(
        "still_failing",
        "Add mul() for products of two numbers",
        {
            "pkg/mul.py": "def mul(a, b):\n    return a + b\n",
            "tests/test_mul.py": "from pkg.mul import mul\n\n\ndef test_mul():\n"
            "    assert mul(2, 3) == 6\n",
        },
    )
    fixed = fixed.replace('"""Sum of a and b."""', '"""Sum of a and b, numbers of any kind."""')
    tests += "\n\ndef test_add_zero():\n    assert add(0, 0) == 0\n"
    h.commit(
        "no_f2p",
        "Say what add() accepts and test adding zero",
        {"pkg/calc.py": fixed, "tests/test_calc.py": tests},
    )
    fixed = fixed.replace(
        "    return sum(values)", "    if not values:\n        return 0.0\n    return sum(values)"
    )
    tests += "\n\ndef test_mean_empty():\n    assert mean([]) == 0.0\n"
    h.commit(
        "flaky",
        "mean() of an empty list raises ZeroDivisionError\n\nI expected 0.0 for no values.",
        {"pkg/calc.py": fixed, "tests/test_calc.py": tests, "tests/test_flaky.py": FLAKY},
    )
    git(root, "checkout", "-q", "-b", "fix-div")
    h.commit(
        "branch",
        "Divide numbers",
        {
            "pkg/div.py": "def div(a, b):\n    if b == 0:\n        raise ValueError('b is 0')\n"
            "    return a / b\n",
            "tests/test_div.py": "import pytest\n\n\ndef test_div():\n    from pkg.div import div\n"
            "    assert div(6, 3) == 2\n\n\ndef test_div_zero():\n    from pkg.div import div\n"
            "    with pytest.raises(ValueError):\n        div(1, 0)\n",
        },
    )
    git(root, "checkout", "-q", "main")
    h.day += 1
    git(
        root,
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "Merge pull request #7 from someone/fix-div\n\nThere is no way to divide two numbers "
        "that fails loudly on zero",
        "fix-div",
        when=h.day,
    )
    h.shas["merge"] = git(root, "rev-parse", "HEAD")
    h.commit(
        "thin",
        "wip",
        {
            "pkg/square.py": "def square(x):\n    return x * x\n",
            "tests/test_square.py": "def test_square():\n    from pkg.square import square\n"
            "    assert square(3) == 9\n",
        },
    )
    return h


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    return build_history(tmp_path_factory.mktemp("upstream") / "calcpkg")


@pytest.fixture(scope="module")
def mine_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    cache = tmp_path_factory.getbasetemp() / "cache"
    return Settings(
        repos_dir=tmp_path_factory.mktemp("repos"),
        cache_dir=cache,
        test_timeout_s=120,
        per_test_timeout_s=30,
    )
