"""Test ids the runner could not find: a task naming tests that do not exist, told apart from a
fix that fails them.

When a selected id matches nothing, the runner says so in its console output (pytest runs no
test at all and exits 4; see :meth:`proctor.testrun.TestRunner.not_found`), and its report then
holds no test case for the id, so without this every such id would look merely missing.
"""

from __future__ import annotations

from collections.abc import Sequence

from proctor.testrun import DEFAULT_RUNNER, get_runner


def not_found_ids(output: str, test_ids: Sequence[str], runner: str = DEFAULT_RUNNER) -> list[str]:
    """The ids of ``test_ids`` that the ``runner``'s ``output`` (stdout and stderr) reports
    not found.

    Pure: text in, ids out, in the order of ``test_ids``.

    Raises:
        ConfigError: no runner is called ``runner``.
    """
    return get_runner(runner).not_found(output, test_ids)
