"""README "How to add a quality check": a toy check registered in one place shows up in the
quality report of a graded attempt, and in its record."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from proctor import grade
from proctor.errors import ConfigError
from proctor.grade import CheckResult, Finding, register_quality_check
from proctor.model import GoldModel
from proctor.run import (
    AttemptContext,
    AttemptInput,
    AttemptOptions,
    AttemptResult,
    Outcome,
    References,
    run_attempt,
)

README = Path(__file__).parents[2] / "README.md"


def no_bare_division(
    root: Path, base: Mapping[str, str | None], after: Mapping[str, str | None]
) -> CheckResult:
    """A toy check: every changed line that divides by ``len(...)`` unguarded."""
    findings = [
        Finding(check="division", kind="unguarded", path=path, line=n, message=line.strip())
        for path, text in sorted(after.items())
        if text is not None and path.endswith(".py")
        for n, line in enumerate(text.splitlines(), 1)
        if "/ len(" in line and line not in (base.get(path) or "").splitlines()
    ]
    return CheckResult(name="division", ok=not findings, findings=findings)


def broken(
    root: Path, base: Mapping[str, str | None], after: Mapping[str, str | None]
) -> CheckResult:
    raise RuntimeError("no idea")


@pytest.fixture
def registered() -> Iterator[None]:
    register_quality_check("division", no_bare_division)
    register_quality_check("broken", broken)
    yield
    grade.unregister_quality_check("division")
    grade.unregister_quality_check("broken")


def test_a_toy_check_reports_on_a_graded_attempt(calc, settings, tmp_path, registered) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    refs = References([task], settings.repos_dir)
    ctx = AttemptContext(GoldModel(refs.gold), refs, AttemptOptions(settings))
    result = run_attempt(AttemptInput.first(task), ctx, tmp_path / "a")
    assert result.outcome is Outcome.RESOLVED, result
    assert result.quality is not None
    by_name = {c.name: c for c in result.quality.checks}
    assert sorted(by_name) == ["broken", "division"]
    assert not by_name["division"].ok
    assert by_name["division"].findings[0].path == "calc.py"
    assert by_name["broken"].findings[0].kind == "error"
    assert by_name["broken"].findings[0].message == "the check raised: RuntimeError: no idea"
    assert result.holds_up, "a registered check never decides clean"
    recorded = AttemptResult.model_validate_json(result.model_dump_json())
    assert recorded.quality == result.quality


def test_built_in_checks_cannot_be_replaced() -> None:
    with pytest.raises(ConfigError, match="'lint' is built in"):
        register_quality_check("lint", no_bare_division)


def test_the_readme_says_how_to_add_a_quality_check() -> None:
    text = README.read_text().split("**How to add a quality check.**", 1)[1]
    section = text.split("\n\n## ", 1)[0].split("**How to add", 1)[0]
    assert "`proctor.grade.QualityCheck`" in section
    assert "`proctor.grade.register_quality_check(" in section
    assert "src/proctor/grade/quality/registry.py" in section
    assert all(f"`{arg}`" in section for arg in ("root", "base", "after", "CheckResult"))
    assert "tests/run/test_quality_check.py" in section
