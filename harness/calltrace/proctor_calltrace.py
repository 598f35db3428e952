"""pytest plugin: each test's outcome and the functions of the code under test it called.

Loaded by proctor's function synthesis (``proctor synth``) with ``-p proctor_calltrace``,
this folder on ``PYTHONPATH``; never imported by proctor itself. Options:

``--calltrace-out PATH``   where to write the JSON report (required to enable the plugin)
``--calltrace-root DIR``   only code objects from files under DIR are recorded
``--calltrace-off``        record outcomes only, no tracing (fast)

A global trace function (``sys.settrace``, and ``threading.settrace`` for new threads) that
returns None sees one ``call`` event per Python function call and no line events; every code
object seen from setup to teardown of a test is attributed to it. The report::

    {"tests": {NODEID: {"outcome": "passed" | "failed" | "error" | "skipped" | "xfailed"
                                   | "xpassed",
                        "functions": [[PATH, FIRSTLINENO, QUALNAME], ...]}}}

A test marked ``xfail`` is ``xfailed`` or ``xpassed``, never ``passed``: its failure is reported
as a skip, so it is no test a task may require to pass or to fail.

PATH is relative to the root; FIRSTLINENO is ``co_firstlineno`` (the first decorator's line
for a decorated function).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from types import CodeType, FrameType
from typing import Any

import pytest


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("proctor-calltrace")
    group.addoption("--calltrace-out", default=None, help="write the JSON report here")
    group.addoption("--calltrace-root", default=None, help="record code under this folder")
    group.addoption("--calltrace-off", action="store_true", help="outcomes only")


def pytest_configure(config: Any) -> None:
    out = config.getoption("--calltrace-out")
    if out:
        root = config.getoption("--calltrace-root") or str(config.rootpath)
        recorder = _Recorder(out, root, trace=not config.getoption("--calltrace-off"))
        config.pluginmanager.register(recorder, "proctor-calltrace-recorder")


class _Recorder:
    def __init__(self, out: str, root: str, trace: bool) -> None:
        self.out = out
        self.root = os.path.realpath(root).rstrip(os.sep) + os.sep
        self.trace = trace
        self.codes: set[CodeType] = set()
        self.tests: dict[str, dict[str, Any]] = {}
        self.paths: dict[str, str | None] = {}

    def _tracer(self, frame: FrameType, event: str, arg: Any) -> None:
        self.codes.add(frame.f_code)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: Any, nextitem: Any) -> Any:
        self.codes = set()
        if self.trace:
            threading.settrace(self._tracer)
            sys.settrace(self._tracer)
        try:
            yield
        finally:
            if self.trace:
                sys.settrace(None)
                threading.settrace(None)  # type: ignore[arg-type]
        entry = self.tests.setdefault(item.nodeid, {"outcome": "passed"})
        entry["functions"] = self._functions()

    def _functions(self) -> list[list[Any]]:
        found = set()
        for code in self.codes:
            path = self._relative(code.co_filename)
            if path is not None:
                name = getattr(code, "co_qualname", code.co_name)
                found.add((path, code.co_firstlineno, name))
        return [list(f) for f in sorted(found)]

    def _relative(self, filename: str) -> str | None:
        if filename not in self.paths:
            path = os.path.realpath(filename)
            inside = path.startswith(self.root)
            self.paths[filename] = path[len(self.root) :] if inside else None
        return self.paths[filename]

    def pytest_runtest_logreport(self, report: Any) -> None:
        entry = self.tests.setdefault(report.nodeid, {"outcome": "passed", "functions": []})
        if report.failed:
            entry["outcome"] = "failed" if report.when == "call" else "error"
        elif hasattr(report, "wasxfail"):
            entry["outcome"] = "xpassed" if report.passed else "xfailed"
        elif report.skipped and entry["outcome"] == "passed":
            entry["outcome"] = "skipped"

    def pytest_sessionfinish(self, session: Any) -> None:
        tmp = f"{self.out}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"tests": self.tests}, fh)
        os.replace(tmp, self.out)
