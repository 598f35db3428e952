"""Lint delta, formatter and security checks: each fires on a crafted change, silent on a clean one.

Every repository is built at test time; ruff runs for real (it executes nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from proctor.grade.quality.config import (
    inject_classic,
    map_flake8,
    parse_per_file_ignores,
    split_codes,
)
from proctor.grade.quality.lint import RawFinding, check_lint, new_findings, reformatted_lines
from proctor.grade.quality.runner import RuffError, rule_table
from proctor.spec.models import LintSettings

MakeRepo = Callable[..., Any]

LONG = "MESSAGE = '" + "x" * 73 + "'\n"  # 85 characters with its quotes
assert len(LONG.rstrip("\n")) == 85


def _rules(findings: list[object]) -> list[str | None]:
    return [getattr(f, "rule", None) for f in findings]


# --- pure parts ----------------------------------------------------------------------------


def test_new_findings_match_rule_and_line_text_with_multiplicity() -> None:
    base = [RawFinding("F401", 1, "`os` unused"), RawFinding("E501", 2, "long (90 > 79)")]
    after = [
        RawFinding("F401", 3, "`os` unused"),  # same line text, moved: not new
        RawFinding("F401", 4, "`os` unused"),  # a second copy: new
        RawFinding("E501", 1, "long (85 > 79)"),  # other text, other message: new
    ]
    fresh = new_findings(base, after, "import os\nx = 1\n", "y\nz\nimport os\nimport os\n")
    assert [(f.code, f.line) for f in fresh] == [("E501", 1), ("F401", 4)]


def test_a_finding_left_on_an_edited_line_with_the_same_message_is_not_new() -> None:
    base = [RawFinding("RUF067", 3, "`__init__` should only re-export")]
    after = [RawFinding("RUF067", 3, "`__init__` should only re-export")]
    assert new_findings(base, after, "a\nb\nv = '1.0'\n", "a\nb\nv = '1.1'\n") == []
    twice = [*after, RawFinding("RUF067", 4, "`__init__` should only re-export")]
    fresh = new_findings(base, twice, "a\nb\nv = '1.0'\n", "a\nb\nv = '1.1'\nw = 2\n")
    assert [f.line for f in fresh] == [4]


def test_reformatted_lines_reports_changed_and_inserted_positions() -> None:
    assert reformatted_lines("a\nb =1\nc\n", "a\nb = 1\nc\n") == {2}
    assert reformatted_lines("a\nc\n", "a\n\nc\n") == {2}
    assert reformatted_lines("a\n", "a\n") == set()


def test_flake8_options_map_to_ruff_and_unknown_codes_are_reported() -> None:
    options = {
        "max-line-length": "79",
        "max-complexity": "12",
        "extend-ignore": "E203, W503,\n  X100  # plugin",
        "per-file-ignores": "tests/*: S101, E501\n  pkg/__init__.py:F401",
        "exclude": "\n  tests,\n  docs",
    }
    settings, not_mapped = map_flake8(options, rule_table())
    assert settings["line-length"] == 79
    assert settings["extend-exclude"] == ["tests", "docs"]
    lint = settings["lint"]
    assert lint["select"] == ["E", "F", "W", "C90"]
    assert lint["mccabe"] == {"max-complexity": 12}
    assert lint["per-file-ignores"] == {"tests/*": ["S101", "E501"], "pkg/__init__.py": ["F401"]}
    assert "X100" in not_mapped and "W503" in not_mapped  # W503: no such rule in ruff
    assert "X100" not in lint["ignore"]


def test_code_lists_and_per_file_ignores_parse() -> None:
    assert split_codes("E1,E2 W3\n# comment\n  f401") == ["E1", "E2", "W3", "F401"]
    assert parse_per_file_ignores("a.py:E1,E2 b/*.py: W3") == {
        "a.py": ["E1", "E2"],
        "b/*.py": ["W3"],
    }


def test_classic_default_is_slid_under_a_ruff_config() -> None:
    text = '[project]\nname = "x"\n\n[tool.ruff]\nline-length = 90\n'
    injected = inject_classic("sub/pyproject.toml", text)
    assert 'extend = "../.proctor-classic.toml"' in injected
    assert inject_classic("ruff.toml", "line-length = 90\n").startswith("extend = ")


# --- configurations found in the repository ------------------------------------------------


def test_flake8_line_length_fires_on_new_long_line_not_on_moved_one(make_repo: MakeRepo) -> None:
    repo = make_repo({"setup.cfg": "[flake8]\nmax-line-length = 79\n", "pkg/a.py": "x = 1\n"})
    base, after = repo.change({"pkg/a.py": "x = 1\n" + LONG})
    lint = check_lint(repo.root, base, after).lint
    assert not lint.ok
    assert [(f.rule, f.line) for f in lint.findings] == [("E501", 2)]
    assert lint.details["config"] == "setup.cfg [flake8]"

    moved = make_repo(
        {"setup.cfg": "[flake8]\nmax-line-length = 79\n", "pkg/a.py": LONG + "x = 1\n"}
    )
    base, after = moved.change({"pkg/a.py": "x = 1\n\n" + LONG})
    assert check_lint(moved.root, base, after).lint.ok


def test_ruff_config_selection_is_used(make_repo: MakeRepo) -> None:
    pyproject = '[tool.ruff]\nline-length = 100\n\n[tool.ruff.lint]\nextend-select = ["B006"]\n'
    repo = make_repo({"pyproject.toml": pyproject, "pkg/a.py": "def f(x=None):\n    return x\n"})
    base, after = repo.change(
        {"pkg/a.py": "def f(x=None):\n    return x\n\n\ndef g(y=[]):\n    return y\n"}
    )
    outcome = check_lint(repo.root, base, after)
    assert _rules(outcome.lint.findings) == ["B006"]
    assert outcome.lint.details["config"] == "pyproject.toml"

    base, after = repo.change({"pkg/a.py": "def f(x=None):\n    return x or 1\n"})
    assert check_lint(repo.root, base, after).lint.ok


def test_ruff_config_is_read_at_base_so_a_change_cannot_loosen_it(make_repo: MakeRepo) -> None:
    pyproject = '[tool.ruff.lint]\nselect = ["E501"]\n'
    repo = make_repo({"pyproject.toml": pyproject, "a.py": "x = 1\n"})
    loosened = '[tool.ruff.lint]\nselect = ["E501"]\nignore = ["E501"]\n'
    long_line = "y = '" + "z" * 100 + "'\n"
    base, after = repo.change({"pyproject.toml": loosened, "a.py": "x = 1\n" + long_line})
    assert _rules(check_lint(repo.root, base, after).lint.findings) == ["E501"]


def test_per_file_ignores_and_extend_work_on_the_copies(make_repo: MakeRepo) -> None:
    repo = make_repo(
        {
            "ruff.toml": 'extend = "shared/base.toml"\n\n'
            '[lint.per-file-ignores]\n"pkg/__init__.py" = ["F401"]\n',
            "shared/base.toml": '[lint]\nselect = ["F401"]\n',
            "pkg/__init__.py": "",
            "pkg/mod.py": "",
        }
    )
    base, after = repo.change({"pkg/__init__.py": "import os\n", "pkg/mod.py": "import os\n"})
    lint = check_lint(repo.root, base, after).lint
    assert [(f.path, f.rule) for f in lint.findings] == [("pkg/mod.py", "F401")]


def test_files_the_repository_excludes_from_lint_are_not_linted(make_repo: MakeRepo) -> None:
    repo = make_repo({"ruff.toml": 'exclude = ["tests"]\n', "tests/test_a.py": "", "a.py": ""})
    base, after = repo.change({"tests/test_a.py": "import os\n", "a.py": "import os\n"})
    lint = check_lint(repo.root, base, after).lint
    assert [(f.path, f.rule) for f in lint.findings] == [("a.py", "F401")]


def test_ruff_format_configured_is_detected(make_repo: MakeRepo) -> None:
    pyproject = '[tool.ruff]\nline-length = 100\n\n[tool.ruff.format]\nquote-style = "single"\n'
    repo = make_repo({"pyproject.toml": pyproject, "a.py": "x = 1\n"})
    base, after = repo.change({"a.py": "x = 1\ny = \"double\"\nz = 'single'\n"})
    fmt = check_lint(repo.root, base, after).format
    assert fmt.details["formatter"] == "ruff"
    assert [(f.line, f.message) for f in fmt.findings] == [
        (2, "1 added line(s) not formatted as ruff: 2")
    ]


def test_black_in_pre_commit_is_detected(make_repo: MakeRepo) -> None:
    hooks = "repos:\n  - repo: https://github.com/psf/black\n    hooks:\n      - id: black\n"
    repo = make_repo({".pre-commit-config.yaml": hooks, "a.py": "x = 1\n"})
    base, after = repo.change({"a.py": "x = 1\ny = {'a':1}\n"})
    fmt = check_lint(repo.root, base, after).format
    assert fmt.details["formatter"] == "black" and [f.line for f in fmt.findings] == [2]


def test_default_config_uses_task_line_length(make_repo: MakeRepo) -> None:
    repo = make_repo({"a.py": "x = 1\n"})
    base, after = repo.change({"a.py": "x = 1\n" + LONG})
    assert check_lint(repo.root, base, after).lint.ok
    settings = LintSettings(line_length=80)
    lint = check_lint(repo.root, base, after, settings).lint
    assert _rules(lint.findings) == ["E501"]
    assert lint.details["config"] == "default"


def test_moved_code_is_not_new_lint(make_repo: MakeRepo) -> None:
    repo = make_repo({"a.py": "import os\nimport sys\n\nx = 1\n", "b.py": ""})
    base, after = repo.change({"a.py": "import sys\nimport os\n\nx = 2\n"})
    lint = check_lint(repo.root, base, after).lint
    assert lint.ok and lint.details["base_findings"] == 2


def test_code_moved_to_another_file_is_not_new_lint(make_repo: MakeRepo) -> None:
    repo = make_repo({"old.py": "import os\n\nx = 1\n"})
    base, after = repo.change({"old.py": None, "new.py": "import os\n\ny = 2\n"})
    lint = check_lint(repo.root, base, after).lint
    assert lint.ok and lint.details["base_findings"] == 1


def test_a_config_ruff_rejects_falls_back_to_the_default(make_repo: MakeRepo) -> None:
    repo = make_repo({"ruff.toml": 'lint.select = ["NOPE1"]\n', "a.py": "x = 1\n"})
    base, after = repo.change({"a.py": "import os\nx = 1\n"})
    lint = check_lint(repo.root, base, after).lint
    assert _rules(lint.findings) == ["F401"]
    assert "used the default" in lint.details["note"]


def test_a_crashing_ruff_gives_error_findings_not_an_exception(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> str:
        raise RuffError("boom")

    monkeypatch.setattr("proctor.grade.quality.lint.run_ruff", broken)
    repo = make_repo({"a.py": "x = 1\n"})
    base, after = repo.change({"a.py": "x = 2\n"})
    outcome = check_lint(repo.root, base, after)
    assert not outcome.lint.ok
    assert [f.kind for f in outcome.lint.findings] == ["error"]
    assert "boom" in outcome.lint.findings[0].message


# --- formatter -----------------------------------------------------------------------------


def test_black_configured_flags_added_unformatted_lines_only(make_repo: MakeRepo) -> None:
    old_bad = "x = {  'a':1 }\n"
    repo = make_repo({"pyproject.toml": "[tool.black]\nline-length = 88\n", "a.py": old_bad})
    base, after = repo.change({"a.py": old_bad + "y = [1,2 ,3]\n"})
    fmt = check_lint(repo.root, base, after).format
    assert fmt.details["formatter"] == "black"
    assert [(f.kind, f.line) for f in fmt.findings] == [("unformatted", 2)]

    base, after = repo.change({"a.py": old_bad + "y = [1, 2, 3]\n"})
    assert check_lint(repo.root, base, after).format.ok


def test_no_formatter_configured_is_ok(make_repo: MakeRepo) -> None:
    repo = make_repo({"a.py": "x = 1\n"})
    base, after = repo.change({"a.py": "y = [1,2 ,3]\n"})
    fmt = check_lint(repo.root, base, after).format
    assert fmt.ok and fmt.details["formatter"] is None


# --- security ------------------------------------------------------------------------------


def test_new_security_finding_fires_and_old_one_is_silent(make_repo: MakeRepo) -> None:
    repo = make_repo({"a.py": "def f(s):\n    return eval(s)\n"})
    added = "def f(s):\n    return eval(s)\n\n\ndef g(c):\n    return eval(c)\n"
    base, after = repo.change({"a.py": added})
    security = check_lint(repo.root, base, after).security
    assert [(f.rule, f.line) for f in security.findings] == [("S307", 6)]

    moved_and_edited = "\n\ndef f(text):\n    return eval(text)\n"
    base, after = repo.change({"a.py": moved_and_edited})
    assert check_lint(repo.root, base, after).security.ok


def test_shell_true_subprocess_is_a_security_finding(make_repo: MakeRepo) -> None:
    repo = make_repo({"a.py": "import subprocess\n"})
    base, after = repo.change({"a.py": "import subprocess\n\nsubprocess.run('ls', shell=True)\n"})
    security = check_lint(repo.root, base, after).security
    assert "S602" in _rules(security.findings)


def test_a_rule_the_base_already_breaks_is_tolerated(make_repo: MakeRepo) -> None:
    base = "import os\n\n\ndef f(x):\n    return x\n"
    repo = make_repo({"pkg/a.py": base, "pkg/b.py": "def g(y):\n    return y\n"})
    edits = {
        "pkg/a.py": base.replace("import os\n", "import os\nimport sys\n"),
        "pkg/b.py": "import re\n\n\ndef g(y):\n    return y\n",
    }
    b, a = repo.change(edits)
    lint = check_lint(repo.root, b, a).lint
    assert [(f.path, f.rule, f.kind) for f in lint.findings] == [
        ("pkg/a.py", "F401", "tolerated"),
        ("pkg/b.py", "F401", "tolerated"),
    ]
    assert lint.ok and "tolerated" in lint.summary
    clean = "def g(y):\n    return y\n"
    repo = make_repo({"pkg/b.py": clean})
    b, a = repo.change({"pkg/b.py": "import re\n\n\n" + clean})
    lint = check_lint(repo.root, b, a).lint
    assert [(f.rule, f.kind) for f in lint.findings] == [("F401", "new")] and not lint.ok


def test_a_finding_whose_numbers_changed_on_an_edited_line_is_not_new() -> None:
    base = [RawFinding("C901", 1, "`f` is too complex (12 > 10)")]
    after = [RawFinding("C901", 1, "`f` is too complex (13 > 10)")]
    assert new_findings(base, after, "def f(x):\n", "def f(x, y):\n") == []
    other = [RawFinding("C901", 1, "`g` is too complex (13 > 10)")]
    assert new_findings(base, other, "def f(x):\n", "def g(x, y):\n") == other


def test_an_import_used_in_a_type_comment_is_tolerated(make_repo: MakeRepo) -> None:
    repo = make_repo({"pkg/a.py": "def f(x):\n    return x\n"})
    typed = (
        "from typing import Optional\n\n\n"
        "def f(x):\n    # type: (int) -> Optional[int]\n    return x\n"
    )
    b, a = repo.change({"pkg/a.py": typed})
    lint = check_lint(repo.root, b, a).lint
    assert [(f.rule, f.kind) for f in lint.findings] == [("F401", "tolerated")] and lint.ok
