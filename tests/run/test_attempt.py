"""End to end on a small repository: baselines, outcomes, and a change that tries to cheat."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import CALC_BUGGY, calc_task, make_calc_repo

from proctor.model import EmptyModel, GoldModel, Problem, Submission
from proctor.run import (
    AttemptContext,
    AttemptInput,
    AttemptKey,
    AttemptOptions,
    ErrorCause,
    Outcome,
    References,
    run_attempt,
)
from proctor.settings import Settings
from proctor.spec import Task


class Scripted:
    """A model that edits the checkout with a function (a test double for an adversary)."""

    def __init__(self, edit: Callable[[Path], None], name: str = "scripted") -> None:
        self.name = name
        self._edit = edit

    def solve(self, problem: Problem) -> Submission:
        self._edit(problem.checkout)
        return Submission()


def attempt(task: Task, model: object, settings: Settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    refs = References([task], settings.repos_dir)
    if model == "gold":
        model = GoldModel(refs.gold)
    ctx = AttemptContext(model, refs, AttemptOptions(settings))  # type: ignore[arg-type]
    return run_attempt(AttemptInput.first(task), ctx, tmp_path / "attempt")


def fix(checkout: Path) -> None:
    path = checkout / "calc.py"
    path.write_text(path.read_text().replace("(len(values) + 1)", "len(values)"))


def test_gold_resolves_and_records_everything(calc, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    result = attempt(task, "gold", settings, tmp_path)
    assert result.outcome is Outcome.RESOLVED, result
    assert (result.f2p_passed, result.f2p_total, result.p2p_passed, result.p2p_total) == (
        2,
        2,
        2,
        2,
    )
    adir = tmp_path / "attempt"
    assert "len(values)" in (adir / "model.patch").read_text()
    assert "tests/" not in (adir / "model.patch").read_text()
    assert (adir / "junit.xml").is_file()
    assert not (adir / "checkout").exists()


def test_empty_fails_every_f2p(calc, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    result = attempt(task, EmptyModel(), settings, tmp_path)
    assert result.outcome is Outcome.UNRESOLVED
    assert result.f2p_passed == 0 and result.p2p_passed == 2


def test_a_real_fix_by_another_model_resolves(calc, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    assert attempt(task, Scripted(fix), settings, tmp_path).resolved


def test_unappliable_gold_is_patch_failed(calc, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    refs = References([task], settings.repos_dir)
    model = GoldModel(
        lambda _id: (
            "diff --git a/nope.py b/nope.py\n--- a/nope.py\n+++ b/nope.py\n@@ -1 +1 @@\n-x\n+y\n"
        )
    )
    ctx = AttemptContext(model, refs, AttemptOptions(settings))
    result = run_attempt(AttemptInput.first(task), ctx, tmp_path / "a")
    assert result.outcome is Outcome.PATCH_FAILED
    assert "nope.py" in result.message


def test_broken_environment_is_environment_error(calc, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    bad = task.model_copy(
        update={
            "environment": task.environment.model_copy(
                update={"packages": ["no-such-package-proctor-xyz"]}
            )
        }
    )
    result = attempt(bad, EmptyModel(), settings, tmp_path)
    assert result.outcome is Outcome.ENVIRONMENT_ERROR
    assert "no-such-package-proctor-xyz" in result.message


def test_missing_commit_is_environment_error(calc, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    bad = task.model_copy(update={"base_commit": "0" * 40})
    result = attempt(bad, EmptyModel(), settings, tmp_path)
    assert result.outcome is Outcome.ENVIRONMENT_ERROR
    assert result.error_cause is ErrorCause.INFRASTRUCTURE  # retried on resume


def test_hanging_tests_time_out(calc, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    quick = settings.model_copy(update={"test_timeout_s": 3, "per_test_timeout_s": 30})

    def hang(co: Path) -> None:
        (co / "calc.py").write_text(
            (co / "calc.py").read_text() + "\nimport time\ntime.sleep(60)\n"
        )

    result = attempt(task, Scripted(hang), quick, tmp_path)
    assert result.outcome is Outcome.TIMEOUT
    assert result.durations["total"] < 30


class Says:
    """A model that changes nothing and ends with a given status."""

    name = "says"

    def __init__(self, status: str) -> None:
        self.status = status

    def solve(self, problem: Problem) -> Submission:
        return Submission(self.status, f"{self.status} happened")


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("malformed", Outcome.PATCH_FAILED),
        ("patch-failed", Outcome.PATCH_FAILED),
        ("error", Outcome.ENVIRONMENT_ERROR),
        ("cannot-fix", Outcome.UNRESOLVED),
        ("limit", Outcome.UNRESOLVED),
    ],
)
def test_model_status_maps_to_one_outcome(calc, settings, tmp_path, status, outcome) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    result = attempt(task, Says(status), settings, tmp_path)
    assert result.outcome is outcome
    assert result.model_status == status
    assert status in result.message


def test_a_clean_fix_holds_up(calc, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    result = attempt(task, Scripted(fix), settings, tmp_path)
    assert result.resolved and result.holds_up
    assert result.quality is not None and result.quality.lint.ok


def _fix_with_unused_import(co: Path) -> None:
    fix(co)
    (co / "calc.py").write_text("import os\n" + (co / "calc.py").read_text())


def _fix_and_touch_tests(co: Path) -> None:
    fix(co)
    test = co / "tests" / "test_calc.py"
    test.write_text(test.read_text().replace("== -5", "== -5  # fine"))


@pytest.mark.parametrize(
    ("edit", "check", "kind"),
    [(_fix_with_unused_import, "lint", "F401"), (_fix_and_touch_tests, "hygiene", "tampering")],
    ids=["new lint finding", "tampering"],
)
def test_a_fix_that_is_not_clean_resolves_but_does_not_hold_up(  # type: ignore[no-untyped-def]
    calc, settings, tmp_path, edit, check, kind
) -> None:
    task, _ = calc
    result = attempt(task, Scripted(edit), settings, tmp_path)
    assert result.resolved and not result.holds_up
    assert result.quality is not None
    findings = getattr(result.quality, check).findings
    assert any(kind in (f.rule or f.kind) for f in findings), findings


def test_a_model_api_failure_says_so(calc, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    result = attempt(task, Says("error"), settings, tmp_path)
    assert result.outcome is Outcome.ENVIRONMENT_ERROR
    assert result.error_cause is ErrorCause.MODEL_API  # retried only with --retry-errors


def _with_f2p(task: Task, *extra: str) -> Task:
    hidden = task.hidden_tests
    return task.model_copy(
        update={
            "hidden_tests": hidden.model_copy(
                update={"fail_to_pass": [*hidden.fail_to_pass, *extra]}
            )
        }
    )


def test_an_f2p_id_that_does_not_exist_is_the_tasks_fault(calc, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    bad = _with_f2p(task, "tests/test_calc.py::test_nope")
    result = attempt(bad, "gold", settings, tmp_path)
    assert result.outcome is Outcome.ENVIRONMENT_ERROR, result
    assert result.error_cause is ErrorCause.TASK
    assert result.message == "F2P test id not found: tests/test_calc.py::test_nope"
    assert result.tests_not_found == ["tests/test_calc.py::test_nope"]
    assert not (tmp_path / "attempt" / "base-check").exists()


def test_an_f2p_module_that_imports_what_only_the_fix_defines_is_unresolved_not_broken(
    settings: Settings, tmp_path: Path
) -> None:
    # At base, the hidden test module's `from calc import add, mean` fails: pytest before 7
    # then says "not found" for every id of it (later ones, "found no collectors"), at base
    # too. Those tests exist and fail.
    without_mean = CALC_BUGGY[: CALC_BUGGY.index("def mean")]
    repo, base, fix = make_calc_repo(tmp_path / "calc", base_source=without_mean)
    task = calc_task(repo, base, fix)
    old_pytest = task.environment.model_copy(update={"packages": ["pytest==6.2.5"]})
    task = task.model_copy(update={"environment": old_pytest})
    empty = attempt(task, EmptyModel(), settings, tmp_path / "empty")
    assert empty.outcome is Outcome.UNRESOLVED, empty
    assert empty.tests_not_found == [] and empty.error_cause is None
    assert (empty.f2p_passed, empty.f2p_total) == (0, 2)
    gold = attempt(task, "gold", settings, tmp_path / "gold")
    assert gold.outcome is Outcome.RESOLVED, gold


def _claim(text: bytes) -> Callable[[Path], None]:
    def edit(co: Path) -> None:
        # Past pytest's capture: write the claim to every open descriptor, then die as pytest
        # would.
        (co / "calc.py").write_text(
            (co / "calc.py").read_text() + "\nimport os\nfor fd in range(1, 64):\n    try:\n"
            f"        os.write(fd, {text!r})\n"
            "    except OSError:\n        pass\nos._exit(4)\n"
        )

    return edit


_claim_not_found = _claim(b"\nERROR: not found: tests/test_calc.py::test_mean\n")


def test_a_change_that_forges_not_found_is_still_unresolved(calc, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    result = attempt(task, Scripted(_claim_not_found), settings, tmp_path)
    assert result.outcome is Outcome.UNRESOLVED, result  # the base has the test
    assert "F2P test id not found: tests/test_calc.py::test_mean" in result.message


def test_a_change_that_forges_an_import_failure_is_still_unresolved(
    calc, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    forged = b"\n_____ ERROR collecting tests/test_calc.py _____\nERROR: not found: " + (
        b"tests/test_calc.py::test_mean\n"
    )
    result = attempt(task, Scripted(_claim(forged)), settings, tmp_path)
    assert result.outcome is Outcome.UNRESOLVED, result
    assert result.tests_not_found == []


def test_the_result_carries_the_attempts_key_and_try(calc, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    task, _ = calc
    refs = References([task], settings.repos_dir)
    one = AttemptInput(task, AttemptKey(task.id, 2, 1, "f00"), tries=3)
    ctx = AttemptContext(EmptyModel(), refs, AttemptOptions(settings))
    result = run_attempt(one, ctx, tmp_path / "attempt")
    assert result.outcome is Outcome.UNRESOLVED, result
    assert result.key == one.key and result.tries == 3
    assert (result.sample, result.round, result.patch_sha256) == (2, 1, "f00")


def test_setup_time_is_its_own_duration(calc, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An in-place build of extensions runs as a setup command: its time is shown apart."""
    task, _ = calc
    sleepy = ["python", "-c", "import time; time.sleep(0.3)"]
    built = task.model_copy(
        update={"environment": task.environment.model_copy(update={"setup": [sleepy]})}
    )
    result = attempt(built, "gold", settings, tmp_path)
    assert result.outcome is Outcome.RESOLVED, result
    assert result.durations["setup"] >= 0.3
    assert "setup" not in attempt(task, "gold", settings, tmp_path / "plain").durations
