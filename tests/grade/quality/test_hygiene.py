"""Hygiene checks on crafted changes, and the whole quality report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import proctor.grade.quality as quality
from proctor.grade.quality import CheckResult, Finding, QualityReport, grade_quality
from proctor.grade.quality.hygiene import (
    check_hygiene,
    looks_like_code,
    requirement_name,
    requirement_names,
    size_stats,
)

MakeRepo = Callable[..., Any]


def _kinds(
    repo: Any, edits: dict[str, str | None], **kwargs: Any
) -> list[tuple[str, str, int | None]]:
    base, after = repo.change(edits)
    sources = {p: repo.read(p) for p in kwargs.pop("learn", [])}
    result = check_hygiene(base, after, sources=sources, **kwargs)
    return [(f.kind, f.path, f.line) for f in result.findings]


def _library(n: int = 12, *, prints: bool = False) -> dict[str, str]:
    body = "def f(x):\n    print(x)\n    return x\n" if prints else "def f(x):\n    return x\n"
    return {f"pkg/m{i}.py": body for i in range(n)}


# --- tampering -----------------------------------------------------------------------------


def test_editing_a_test_file_is_tampering(make_repo: MakeRepo) -> None:
    repo = make_repo({"tests/test_a.py": "def test_a():\n    assert 1\n", "pkg/a.py": ""})
    found = _kinds(repo, {"tests/test_a.py": "def test_a():\n    assert True\n"})
    assert found == [("tampering", "tests/test_a.py", None)]


def test_test_configuration_changes_are_tampering(make_repo: MakeRepo) -> None:
    pyproject = '[project]\nname = "x"\n\n[tool.pytest.ini_options]\naddopts = "-q"\n'
    repo = make_repo({"pyproject.toml": pyproject})
    changed = pyproject.replace('"-q"', '"-q -p no:warnings --deselect tests/test_a.py"')
    assert _kinds(repo, {"pyproject.toml": changed, "conftest.py": "x = 1\n"}) == [
        ("tampering", "conftest.py", None),
        ("tampering", "pyproject.toml", None),
    ]


def test_tox_ini_is_test_configuration_only_in_its_pytest_section(make_repo: MakeRepo) -> None:
    tox = "[tox]\nenvlist = py311\n\n[flake8]\nmax-line-length = 100\n\n[pytest]\naddopts = -q\n"
    repo = make_repo({"tox.ini": tox})
    assert _kinds(repo, {"tox.ini": tox.replace("100", "120").replace("py311", "py312")}) == []
    changed = tox.replace("-q", "-q --deselect tests/test_a.py")
    assert _kinds(repo, {"tox.ini": changed}) == [("tampering", "tox.ini", None)]


def test_adding_a_test_or_editing_other_config_is_not_tampering(make_repo: MakeRepo) -> None:
    repo = make_repo({"pyproject.toml": '[project]\nname = "x"\n'})
    base, after = repo.change(
        {"pyproject.toml": '[project]\nname = "x"\nversion = "1"\n', "tests/test_new.py": "x = 1\n"}
    )
    result = check_hygiene(base, after, sources={})
    assert result.ok and result.details["tests_added"] == ["tests/test_new.py"]


# --- leftovers -----------------------------------------------------------------------------


def test_print_fires_where_the_library_does_not_print(make_repo: MakeRepo) -> None:
    repo = make_repo(_library())
    new = "def f(x):\n    print(x)\n    return x\n"
    files = list(_library())
    assert _kinds(repo, {"pkg/m0.py": new}, learn=files) == [("debug", "pkg/m0.py", 2)]


def test_print_is_silent_where_the_library_prints(make_repo: MakeRepo) -> None:
    repo = make_repo(_library(prints=True))
    new = "def f(x):\n    print(x)\n    print(x * 2)\n    return x\n"
    assert _kinds(repo, {"pkg/m0.py": new}, learn=list(_library())) == []


def test_one_leftover_print_does_not_make_a_small_library_a_printing_one(
    make_repo: MakeRepo,
) -> None:
    files = _library(6)
    files["pkg/m5.py"] = "def f(x):\n    print(x)\n    return x\n"  # one leftover
    files["pkg/m4.py"] = 'def f(x):\n    """>>> print(f(1))"""\n    print(x, file=out)\n'
    repo = make_repo(files)
    new = "def f(x):\n    print(x)\n    print(x, file=out)\n    return x\n"
    learn = [p for p in files if p != "pkg/m0.py"]  # learned at base
    found = _kinds(repo, {"pkg/m0.py": new}, learn=learn)
    assert found == [("debug", "pkg/m0.py", 2)]  # a print to a file= is output
    files["pkg/m3.py"] = files["pkg/m5.py"]  # two of five print: the library prints
    repo = make_repo(files)
    assert _kinds(repo, {"pkg/m0.py": new}, learn=learn) == []


def test_print_fires_in_a_single_module_that_never_prints(make_repo: MakeRepo) -> None:
    old = 'def f(x):\n    return x\n\n\nif __name__ == "__main__":\n    f(1)\n'
    repo = make_repo({"tool.py": old})
    new = old.replace("    return x\n", "    print(x)\n    return x\n")
    base, after = repo.change({"tool.py": new})
    result = check_hygiene(base, after, sources={"tool.py": old})
    assert [(f.kind, f.line) for f in result.findings] == [("debug", 2)]


def test_breakpoint_and_pdb_fire_anywhere(make_repo: MakeRepo) -> None:
    repo = make_repo({"pkg/a.py": "def f(x):\n    return x\n"})
    new = "import pdb\n\n\ndef f(x):\n    breakpoint()\n    pdb.set_trace()\n    return x\n"
    found = _kinds(repo, {"pkg/a.py": new})
    assert found == [("debug", "pkg/a.py", 5), ("debug", "pkg/a.py", 6)]  # import pdb: a module
    new = "from ipdb import set_trace\n\n\ndef f(x):\n    return x\n"
    assert _kinds(repo, {"pkg/a.py": new}) == [("debug", "pkg/a.py", 1)]


def test_commented_out_code_fires_and_prose_is_silent(make_repo: MakeRepo) -> None:
    repo = make_repo({"pkg/a.py": "def f(x):\n    return x\n"})
    new = (
        "def f(x):\n"
        "    # Keep the value as it is: callers rely on it.\n"
        "    # TODO: handle None\n"
        "    # if needed:\n"
        "    # y = compute(x)\n"
        "    # return y\n"
        "    return x\n"
    )
    assert _kinds(repo, {"pkg/a.py": new}) == [("commented_code", "pkg/a.py", 5)]


def test_commented_out_code_is_silent_in_a_file_that_holds_some_at_base(
    make_repo: MakeRepo,
) -> None:
    scratch = "# print(tree)\nx = parse()\n"
    repo = make_repo({"utils/scratch.py": scratch})
    assert _kinds(repo, {"utils/scratch.py": scratch + "# print(x.children)\n"}) == []


@pytest.mark.parametrize(
    ("comment", "code"),
    [
        ("x = compute(y)", True),
        ("import os", True),
        ("if x is None:", True),
        ("print(value)", True),
        ("Note: this is fine", False),
        ("see https://example.com", False),
        ("if needed:", False),
        ("noqa: E501", False),
        ("type: ignore", False),
        ("pyright: reportUnusedImport=false", False),
        ("-*- coding: utf-8 -*-", False),
        ("", False),
    ],
)
def test_looks_like_code(comment: str, code: bool) -> None:
    assert looks_like_code(comment) is code


# --- swallowed exceptions ------------------------------------------------------------------

SWALLOWING = "def f(x):\n    try:\n        return g(x)\n    except {}:\n        {}\n"


@pytest.mark.parametrize(
    ("caught", "body", "fires"),
    [
        ("Exception", "pass", True),
        ("BaseException", "...", True),
        ("", "pass", True),
        ("(KeyError, ValueError)", "...", False),  # a named type: a decision
        ("ValueError as exc", "pass", False),
        ("Exception", "return None", False),
        ("Exception", "log(x)", False),
    ],
)
def test_an_except_that_only_passes_fires(
    make_repo: MakeRepo, caught: str, body: str, fires: bool
) -> None:
    repo = make_repo({"pkg/a.py": "def f(x):\n    return g(x)\n"})
    found = _kinds(repo, {"pkg/a.py": SWALLOWING.format(caught, body)})
    assert found == ([("swallowed_exception", "pkg/a.py", 4)] if fires else [])


def test_a_swallowing_except_is_judged_only_where_new(make_repo: MakeRepo) -> None:
    bare = "def f(x):\n    try:\n        return g(x)\n    except:\n        pass\n"
    repo = make_repo({"pkg/a.py": bare, "pkg/b.py": "y = 1\n"})
    moved = {"pkg/a.py": "x = 1\n", "pkg/b.py": "y = 1\n\n\n" + bare}
    assert _kinds(repo, moved) == []  # the same handler moved to another file
    repo = make_repo({"pkg/a.py": bare, "tests/test_a.py": "x = 1\n"})
    edited = bare.replace("g(x)", "g(x) + 1") + "\n\n" + bare.replace("def f", "def h")
    found = _kinds(repo, {"pkg/a.py": edited})  # one of the two handlers is the old one
    assert [kind for kind, _, _ in found] == ["swallowed_exception"]
    test = "def test_a():\n    try:\n        g()\n    except Exception:\n        pass\n"
    assert _kinds(repo, {"tests/test_b.py": test}) == []  # a new test file: not judged


# --- dependencies, footprint, size ---------------------------------------------------------


def test_new_dependency_in_pyproject_fires(make_repo: MakeRepo) -> None:
    old = '[project]\nname = "x"\ndependencies = ["requests>=2"]\n'
    repo = make_repo({"pyproject.toml": old})
    new = old.replace('["requests>=2"]', '["requests>=2.31", "Left_Pad[extra]>=1"]')
    assert _kinds(repo, {"pyproject.toml": new}) == [("dependency", "pyproject.toml", None)]
    base, after = repo.change({"pyproject.toml": old.replace(">=2", ">=3")})
    assert check_hygiene(base, after, sources={}).ok


def test_a_new_extra_or_development_requirement_is_reported_not_deciding(
    make_repo: MakeRepo,
) -> None:
    old = '[project]\nname = "x"\ndependencies = []\n\n[project.optional-dependencies]\ndoc = []\n'
    repo = make_repo({"pyproject.toml": old, "requirements-dev.txt": "pytest\n"})
    edits = {
        "pyproject.toml": old.replace("doc = []", 'doc = ["sphinx-tabs"]'),
        "requirements-dev.txt": "pytest\nhypothesis\n",
    }
    assert _kinds(repo, edits) == [
        ("dev_dependency", "pyproject.toml", None),
        ("dev_dependency", "requirements-dev.txt", None),
    ]
    base, after = repo.change(edits)
    assert grade_quality(repo.root, base, after).clean


def test_requirement_names_of_every_dependency_file() -> None:
    assert requirement_names("requirements-dev.txt", "-r base.txt\nPyYAML==6  # yaml\n") == {
        "pyyaml"
    }
    setup_py = "setup(install_requires=['attrs>=20'], extras_require={'x': ['rich']})"
    assert requirement_names("setup.py", setup_py) == {"attrs", "rich"}
    setup_cfg = "[options]\ninstall_requires =\n    click>=8\n    zope.interface\n"
    assert requirement_names("setup.cfg", setup_cfg) == {"click", "zope-interface"}
    assert requirement_names("README.md", "requests") == set()


@pytest.mark.parametrize(
    ("requirement", "name"),
    [
        ("Left_Pad[extra]>=1", "left-pad"),
        ('zope.interface ; python_version < "3.9"', "zope-interface"),
        ("requests (>=2.0)", "requests"),
        ("pkg @ https://host/pkg-1.0.tar.gz", "pkg"),
        ("click>=8  # the CLI", "click"),
        # URL-only: the #egg= name when there is one, else the location itself
        ("git+https://github.com/o/r.git@v1#egg=Some_Pkg", "some-pkg"),
        ("https://host/pkg-1.0-py3-none-any.whl", "https://host/pkg-1.0-py3-none-any.whl"),
        ("./vendor/pkg", "./vendor/pkg"),
        # unparsable text declares nothing (pip refuses it too); nor does a blank line
        ("not a requirement!", None),
        ("foo>=1.0.*", None),
        ("   ", None),
    ],
)
def test_requirement_name_parses_with_packaging(requirement: str, name: str | None) -> None:
    assert requirement_name(requirement) == name


def test_requirements_txt_options_urls_and_continuations() -> None:
    text = (
        "# pinned\n"
        "-e .\n"
        "--index-url https://example.org/simple\n"
        "attrs==23.1 \\\n    --hash=sha256:abc\n"
        "git+https://github.com/o/r.git#egg=vendored\n"
        "https://host/wheel-1.0-py3-none-any.whl  # a wheel\n"
        "???\n"
    )
    assert requirement_names("requirements.txt", text) == {
        "attrs",
        "vendored",
        "https://host/wheel-1.0-py3-none-any.whl",
    }


def test_a_new_url_only_dependency_fires(make_repo: MakeRepo) -> None:
    repo = make_repo({"requirements.txt": "requests\n"})
    new = "requests\nhttps://host/wheel-1.0-py3-none-any.whl\n"
    assert _kinds(repo, {"requirements.txt": new}) == [("dependency", "requirements.txt", None)]


def test_files_outside_the_reference_footprint_fire(make_repo: MakeRepo) -> None:
    repo = make_repo({"pkg/a.py": "x = 1\n", "pkg/b.py": "y = 1\n"})
    edits = {"pkg/a.py": "x = 2\n", "pkg/b.py": "y = 2\n", "tests/test_c.py": "z = 1\n"}
    found = _kinds(repo, edits, reference_paths=["pkg/a.py"])
    assert found == [("outside_reference", "pkg/b.py", None)]


def test_size_is_compared_with_the_reference() -> None:
    base = {"a.py": "1\n2\n3\n", "tests/test_a.py": None}
    after = {"a.py": "1\ntwo\n3\n4\n", "tests/test_a.py": "x\n"}
    size = size_stats(sorted(base), base, after, ["a.py", "b.py"], reference_lines=6)
    assert size["lines_added"] == 2 and size["lines_removed"] == 1 and size["files"] == 1
    assert size["lines_ratio"] == 0.5 and size["files_ratio"] == 0.5


# --- the whole report ----------------------------------------------------------------------


def test_public_api_is_pinned() -> None:
    assert quality.__all__ == [
        "CheckResult",
        "Finding",
        "QualityCheck",
        "QualityReport",
        "grade_quality",
        "register_quality_check",
        "unregister_quality_check",
    ]


def test_a_clean_change_holds_up(make_repo: MakeRepo) -> None:
    repo = make_repo({"pkg/__init__.py": "", "pkg/a.py": "def f(x):\n    return x\n"})
    base, after = repo.change({"pkg/a.py": "def f(x):\n    return x + 1\n"})
    report = grade_quality(repo.root, base, after, reference_paths=["pkg/a.py"], reference_lines=2)
    assert report.clean and report.holds_up(resolved=True) and not report.holds_up(resolved=False)
    assert report.size["lines_ratio"] == 1.0
    assert list(QualityReport.model_fields) == [
        "lint",
        "format",
        "conventions",
        "hygiene",
        "security",
        "size",
        "checks",
    ]
    assert report.checks == [] and "checks" not in report.model_dump()  # records stay as before


@pytest.mark.parametrize(
    ("edit", "kind"),
    [
        ("def f(x):\n    breakpoint()\n    return x\n", "debug"),
        ("def f(x):\n    # x = g(x)\n    return x\n", "commented_code"),
        (
            "def f(x):\n    try:\n        return int(x)\n    except Exception:\n        pass\n",
            "swallowed_exception",
        ),
    ],
)
def test_what_a_reviewer_sends_back_is_not_clean(make_repo: MakeRepo, edit: str, kind: str) -> None:
    repo = make_repo({"pkg/a.py": "def f(x):\n    return x\n", "pkg/b.py": "y = 1\n"})
    base, after = repo.change({"pkg/a.py": edit})
    report = grade_quality(repo.root, base, after, reference_paths=["pkg/a.py"])
    assert [f.kind for f in report.deciding] == [kind] and not report.clean
    base, after = repo.change({"pkg/a.py": "def f(x):\n    return x\n", "pkg/b.py": "y = 2\n"})
    report = grade_quality(repo.root, base, after, reference_paths=["pkg/a.py"])
    assert [f.kind for f in report.deciding] == ["outside_reference"]


def test_line_length_is_left_to_the_repository_lint(make_repo: MakeRepo) -> None:
    lines = "".join(f"X{i} = {i}\n" for i in range(200))  # every line fits 79 columns
    repo = make_repo({"pkg/a.py": lines})
    long = lines + "MESSAGE = '" + "x" * 90 + "'\n"
    base, after = repo.change({"pkg/a.py": long})
    assert grade_quality(repo.root, base, after).clean  # the classic default has no E501
    repo = make_repo({"pkg/a.py": lines, "ruff.toml": 'line-length = 79\nlint.select = ["E501"]\n'})
    base, after = repo.change({"pkg/a.py": long})
    report = grade_quality(repo.root, base, after)
    assert [f.rule for f in report.deciding] == ["E501"]


def test_new_lint_or_tampering_is_not_clean_but_security_and_format_do_not_decide(
    make_repo: MakeRepo,
) -> None:
    repo = make_repo({"pkg/a.py": "def f(x):\n    return x\n", "tests/test_a.py": "x = 1\n"})
    base, after = repo.change({"pkg/a.py": "def f(x):\n    return eval(x)\n"})
    report = grade_quality(repo.root, base, after)
    assert not report.security.ok and report.clean

    base, after = repo.change({"pkg/a.py": "import os\n\n\ndef f(x):\n    return x\n"})
    assert not grade_quality(repo.root, base, after).clean
    base, after = repo.change(
        {"pkg/a.py": "def f(x):\n    return x\n", "tests/test_a.py": "x = 2\n"}
    )
    assert not grade_quality(repo.root, base, after).clean


def test_a_failing_check_is_an_error_finding_not_a_crash(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> CheckResult:
        raise ValueError("unreadable")

    monkeypatch.setattr(quality, "check_conventions", boom)
    repo = make_repo({"pkg/a.py": "x = 1\n"})
    base, after = repo.change({"pkg/a.py": "x = 2\n"})
    report = grade_quality(repo.root, base, after)
    assert report.conventions.findings == [
        Finding(
            check="conventions",
            kind="error",
            path="",
            line=None,
            message="cannot learn or check conventions: ValueError: unreadable",
            rule=None,
        )
    ]
    assert not report.conventions.ok and not report.clean
