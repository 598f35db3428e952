"""Well-known test dependencies that the test files import but the project never declares."""

from __future__ import annotations

from tests.mine.infer.conftest import MakeRepo, infer

TEST = """
import os
import json
from dataclasses import dataclass

import hypothesis.strategies as st
import yaml
import widget
from helpers import make
from _private_lib import thing

try:
    import freezegun
except ImportError:
    freezegun = None
"""


def test_known_undeclared_test_imports_are_added_and_others_named(make_repo: MakeRepo) -> None:
    proposal = infer(
        make_repo(
            {
                "pyproject.toml": '[project]\nname = "widget"\ndependencies = ["PyYAML>=6"]\n',
                "widget/__init__.py": "",
                "tests/helpers.py": "def make():\n    pass\n",
                "tests/test_widget.py": TEST,
            }
        )
    )
    packages = proposal.environment.packages
    assert "hypothesis" in packages  # imported, undeclared, well known
    assert not any(p.lower().startswith("pyyaml") and p != "PyYAML>=6" for p in packages)
    assert "freezegun" not in packages  # optional: inside try/except ImportError
    assert "widget" not in packages and "helpers" not in packages  # the repository's own
    assert any("undeclared hypothesis: added" in g for g in proposal.guessed)
    assert any("_private_lib: distribution unknown" in g for g in proposal.guessed)


def test_the_projects_own_pytest_plugins_are_named_in_test_cmd(make_repo: MakeRepo) -> None:
    cfg = "[metadata]\nname = p\n[options.entry_points]\npytest11 =\n    p = p.plug:hooks\n"
    proposal = infer(make_repo({"setup.cfg": cfg, "p/__init__.py": "", "p/plug.py": ""}))
    assert proposal.environment.test_cmd == ["python", "-m", "pytest", "-p", "p.plug"]
    assert any("own pytest plugins p.plug" in line for line in proposal.inferred)


def test_a_requirement_whose_marker_excludes_the_python_does_not_count(
    make_repo: MakeRepo,
) -> None:
    reqs = 'hypothesis==3.1.0; python_version < "3.8"\nmock\n'
    proposal = infer(
        make_repo(
            {
                "setup.py": "from setuptools import setup\n"
                "setup(name='q', python_requires='>=3.9')\n",
                "requirements-dev.txt": reqs,
                "q.py": "",
                "tests/test_q.py": "import hypothesis\n",
            }
        )
    )
    assert "hypothesis" in proposal.environment.packages  # the import, for this Python
    assert not any("3.1.0" in p for p in proposal.environment.packages)
