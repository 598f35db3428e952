"""Validation's judgement of a task from its baseline attempts."""

from __future__ import annotations

from tests.conftest import calc_task
from tests.run.test_results import result

from proctor.run import ErrorCause, Outcome
from proctor.run.validate import check_task


def test_test_ids_that_do_not_exist_are_named_and_nothing_else_is_blamed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    task = calc_task(tmp_path, "0" * 40, "1" * 40)
    nope = "tests/test_calc.py::test_nope"
    task = task.model_copy(
        update={
            "hidden_tests": task.hidden_tests.model_copy(
                update={"fail_to_pass": [*task.hidden_tests.fail_to_pass, nope]}
            )
        }
    )
    missing = result("calc-1", Outcome.ENVIRONMENT_ERROR, ErrorCause.TASK).model_copy(
        update={"tests_not_found": [nope], "message": f"F2P test id not found: {nope}"}
    )
    check = check_task(task, [missing], missing)
    assert check.problems == [f"F2P test ids do not exist: {nope}"]
