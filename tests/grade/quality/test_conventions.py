"""Conventions: norms learned from small repositories; departures of new code only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from proctor.grade.quality.conventions import (
    base_sources,
    build_norms,
    check_conventions,
    learn,
)
from proctor.grade.quality.samples import file_samples, name_styles, package_of

MakeRepo = Callable[..., Any]


def _departures(repo: Any, edits: dict[str, str | None]) -> list[tuple[str | None, int | None]]:
    base, after = repo.change(edits)
    result = check_conventions(repo.root, base, after)
    return [(f.rule, f.line) for f in result.findings]


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _package(module: str, n: int = 3) -> dict[str, str]:
    return {"pkg/__init__.py": "", **{f"pkg/m{i}.py": module for i in range(n)}}


# --- pure parts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "styles"),
    [
        ("get_value", {"snake_case"}),
        ("getValue", {"camelCase"}),
        ("value", {"snake_case", "camelCase"}),
        ("HttpServer", {"PascalCase"}),
        ("MAX_SIZE", {"UPPER_CASE"}),
        ("_private_thing", {"snake_case"}),
        ("X", {"PascalCase", "UPPER_CASE"}),
        ("Mixed_Case", {"other"}),
        ("_", {"snake_case", "camelCase", "PascalCase", "UPPER_CASE"}),  # a placeholder
        ("_GUID", {"PascalCase", "UPPER_CASE"}),  # an acronym
    ],
)
def test_name_styles(name: str, styles: set[str]) -> None:
    assert name_styles(name) == styles


def test_samples_of_a_file() -> None:
    text = (
        "from . import sibling\n"
        "LIMIT = 3\n\n"
        "class Thing:\n"
        '    """Doc."""\n\n'
        "    def run(self, count: int) -> None:\n"
        "        import os\n"
        "        return 'x'\n"
    )
    got = {(s.check, s.key, tuple(sorted(s.values))) for s in file_samples(text, "pkg/mod.py")}
    assert ("import.style", "from . import sibling", ("relative",)) in got
    assert ("import.placement", "Thing.run:import os", ("function",)) in got
    assert ("naming.constant", "LIMIT", ("PascalCase", "UPPER_CASE")) in got  # one word
    assert ("docstring.class", "Thing", ("documented",)) in got
    assert ("docstring.method", "Thing.run", ("missing",)) in got
    assert ("annotations.params", "Thing.run", ("annotated",)) in got
    assert ("quotes", "'x'", ("single",)) in got
    assert package_of("src/pkg/a.py") == "pkg" and package_of("setup.py") is None


def test_docstrings_and_triple_or_quoted_strings_are_not_quote_samples() -> None:
    text = 'def f():\n    """Doc."""\n    a = "it\'s"\n    b = """x"""\n    return f"{a[\'k\']}"\n'
    assert [s for s in file_samples(text, "m.py") if s.check == "quotes"] == []


def test_norm_text_reads_as_a_share(make_repo: MakeRepo, module_text: Callable[..., str]) -> None:
    repo = make_repo(_package(module_text(12)))
    norms = build_norms(learn(base_sources(repo.root, {})))
    assert norms["docstring.function"].text == "100% of public functions have docstrings (36/36)"
    assert norms["naming.function"].value == "snake_case"


# --- docstrings ----------------------------------------------------------------------------


def test_undocumented_new_function_departs_where_everything_is_documented(
    make_repo: MakeRepo, module_text: Callable[..., str]
) -> None:
    repo = make_repo(_package(module_text(12)))
    new = repo.read("pkg/m0.py") + "\n\ndef fresh(x: int) -> int:\n    return x\n"
    line = _line_of(new, "def fresh")
    assert _departures(repo, {"pkg/m0.py": new}) == [("docstring.function", line)]


def test_documented_new_function_is_silent(
    make_repo: MakeRepo, module_text: Callable[..., str]
) -> None:
    repo = make_repo(_package(module_text(12)))
    new = repo.read("pkg/m0.py") + '\n\ndef fresh(x: int) -> int:\n    """Same."""\n    return x\n'
    assert _departures(repo, {"pkg/m0.py": new}) == []


def test_undocumented_new_function_is_silent_where_nothing_is_documented(
    make_repo: MakeRepo, module_text: Callable[..., str]
) -> None:
    repo = make_repo(_package(module_text(12, docstrings=False)))
    new = repo.read("pkg/m0.py") + "\n\ndef fresh(x: int) -> int:\n    return x\n"
    assert _departures(repo, {"pkg/m0.py": new}) == []


def test_editing_an_old_undocumented_function_is_silent(
    make_repo: MakeRepo, module_text: Callable[..., str]
) -> None:
    legacy = "\n\ndef legacy(x: int) -> int:\n    return x\n"
    repo = make_repo(_package(module_text(12) + legacy))
    edited = repo.read("pkg/m0.py").replace("return x\n", "return x + 1\n")
    assert _departures(repo, {"pkg/m0.py": edited}) == []


def test_unannotated_new_function_departs(
    make_repo: MakeRepo, module_text: Callable[..., str]
) -> None:
    repo = make_repo(_package(module_text(12)))
    new = repo.read("pkg/m0.py") + '\n\ndef fresh(x):\n    """Same."""\n    return x\n'
    line = _line_of(new, "def fresh")
    assert _departures(repo, {"pkg/m0.py": new}) == [
        ("annotations.params", line),
        ("annotations.return", line),
    ]


# --- imports -------------------------------------------------------------------------------


def _importing(style: str, n: int = 12) -> dict[str, str]:
    files = {"pkg/__init__.py": "", "pkg/base.py": "VALUE = 1\n"}
    for i in range(n):
        line = (
            "from .base import VALUE\n" if style == "relative" else "from pkg.base import VALUE\n"
        )
        files[f"pkg/m{i}.py"] = line + f"\nRESULT_{i} = VALUE\n"
    return files


def test_absolute_intra_package_import_departs_in_a_relative_repo(make_repo: MakeRepo) -> None:
    repo = make_repo(_importing("relative"))
    new = "from pkg.base import VALUE\n\nOTHER = VALUE\n"
    assert _departures(repo, {"pkg/new.py": new}) == [("import.style", 1)]


def test_relative_import_in_a_relative_repo_is_silent(make_repo: MakeRepo) -> None:
    repo = make_repo(_importing("relative"))
    assert _departures(repo, {"pkg/new.py": "from .base import VALUE\n\nOTHER = VALUE\n"}) == []


def test_import_inside_a_function_departs(
    make_repo: MakeRepo, module_text: Callable[..., str]
) -> None:
    repo = make_repo(_importing("relative"))
    new = (
        'import os\n\n\ndef f() -> str:\n    """Doc."""\n    import sys\n\n    return sys.prefix\n'
    )
    assert _departures(repo, {"pkg/new.py": new}) == [("import.placement", 6)]


# --- naming and quotes ---------------------------------------------------------------------


def _named(style: str, n: int = 12) -> dict[str, str]:
    body = "".join(
        f"\n\ndef {'getValue' if style == 'camel' else 'get_value'}{i}(x):\n    return x\n"
        for i in range(n)
    )
    return {"lib/a.py": body}


def test_snake_case_function_departs_in_a_camel_case_repo(make_repo: MakeRepo) -> None:
    repo = make_repo(_named("camel"))
    new = (
        repo.read("lib/a.py")
        + "\n\ndef fetch_item(x):\n    return x\n\n\ndef fetchItem(x):\n    return x\n"
    )
    assert _departures(repo, {"lib/a.py": new}) == [("naming.function", _line_of(new, "fetch_"))]


def test_camel_case_function_departs_in_a_snake_case_repo(make_repo: MakeRepo) -> None:
    repo = make_repo(_named("snake"))
    new = (
        repo.read("lib/a.py")
        + "\n\ndef fetch_item(x):\n    return x\n\n\ndef fetchItem(x):\n    return x\n"
    )
    assert _departures(repo, {"lib/a.py": new}) == [("naming.function", _line_of(new, "fetchI"))]


def test_quotes_follow_the_repository(make_repo: MakeRepo, module_text: Callable[..., str]) -> None:
    repo = make_repo(_package(module_text(12, quote="'")))
    new = repo.read("pkg/m0.py") + "\nGREETING = \"hello\"\nFAREWELL = 'bye'\n"
    found = _departures(repo, {"pkg/m0.py": new})
    assert found == [("quotes", _line_of(new, "GREETING"))]


def test_style_norms_are_reported_but_do_not_decide(
    make_repo: MakeRepo, module_text: Callable[..., str]
) -> None:
    repo = make_repo(_package(module_text(12, quote="'")))
    base, after = repo.change({"pkg/m0.py": repo.read("pkg/m0.py") + 'NAME = "x"\n'})
    result = check_conventions(repo.root, base, after)
    assert [(f.rule, f.kind) for f in result.findings] == [("quotes", "style")]
    assert result.ok and "1 in style only" in result.summary
    base, after = repo.change(
        {"pkg/m1.py": repo.read("pkg/m1.py") + "\n\ndef lateName(x):\n    return x\n"}
    )
    result = check_conventions(repo.root, base, after)
    assert not result.ok and {f.kind for f in result.findings} == {"departure"}


def test_an_edited_string_keeps_its_old_quotes_silently(
    make_repo: MakeRepo, module_text: Callable[..., str]
) -> None:
    repo = make_repo({**_package(module_text(12, quote="'")), "pkg/v.py": 'VERSION = "1.0"\n'})
    assert _departures(repo, {"pkg/v.py": 'VERSION = "1.1"\n'}) == []
    assert _departures(repo, {"pkg/v.py": 'VERSION = "1.1"\nNAME = "x"\n'}) == [("quotes", 2)]


def test_moved_code_is_not_judged_again(
    make_repo: MakeRepo, module_text: Callable[..., str]
) -> None:
    legacy = '\n\ndef legacy(x: int) -> int:\n    return "old"\n'
    repo = make_repo(_package(module_text(12, quote="'") + legacy))
    moved = 'def legacy(x: int) -> int:\n    return "old"\n'
    old = repo.read("pkg/m0.py").replace(legacy, "\n")
    assert _departures(repo, {"pkg/m0.py": old, "pkg/moved.py": moved}) == []


def test_code_moved_out_of_a_deleted_file_is_not_judged_again(
    make_repo: MakeRepo, module_text: Callable[..., str]
) -> None:
    legacy = "def legacy(x: int) -> int:\n    return x\n"
    repo = make_repo({**_package(module_text(12)), "pkg/old.py": legacy})
    assert _departures(repo, {"pkg/old.py": None, "pkg/new.py": legacy}) == []
    assert _departures(repo, {"pkg/extra.py": legacy.replace("legacy", "fresh")}) == [
        ("docstring.function", 1)
    ]


def test_long_new_line_departs_from_the_line_length_norm(
    make_repo: MakeRepo, module_text: Callable[..., str]
) -> None:
    repo = make_repo(_package(module_text(12)))
    new = repo.read("pkg/m0.py") + 'TEXT = "' + "x" * 100 + '"\n'
    found = _departures(repo, {"pkg/m0.py": new})
    assert found == [("line_length", _line_of(new, "TEXT"))]
    pragma = repo.read("pkg/m0.py") + "X = 1  # type: ignore[" + "m" * 90 + "]\n"
    assert _departures(repo, {"pkg/m0.py": pragma}) == []


def test_a_large_repository_is_sampled_evenly(make_repo: MakeRepo) -> None:
    repo = make_repo({f"pkg/m{i:02}.py": "x = 1\n" * 10 for i in range(30)})
    assert len(base_sources(repo.root, {})) == 30
    assert list(base_sources(repo.root, {}, limit=10)) == [
        f"pkg/m{i:02}.py" for i in range(0, 30, 3)
    ]
    assert len(base_sources(repo.root, {}, budget=60 * 5)) == 5


def test_test_files_are_neither_learned_nor_judged(
    make_repo: MakeRepo, module_text: Callable[..., str]
) -> None:
    repo = make_repo({**_package(module_text(12)), "tests/test_a.py": "def test_x():\n    pass\n"})
    assert "tests/test_a.py" not in base_sources(repo.root, {})
    assert _departures(repo, {"tests/test_b.py": "def test_y():\n    pass\n"}) == []
