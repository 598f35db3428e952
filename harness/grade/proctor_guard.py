"""proctor's guard plugin for graded sessions (loaded by proctor_boot; never imported by proctor).

It writes one JSON report (``--proctor-report PATH``) when the session ends:

``plugins``  plugins registered after configuration (conftests, and anything code imported
             by the tests registered), each ``{"name", "file"}``;
``modules``  for each name in ``--proctor-modules``, where the imported module came from.

The report is written by the test process, so proctor treats it as forgeable: it serves to
prove that an honest session imported the checkout's code, and to catch hooks registered from
library code; the verdict's integrity rests on checks made outside this process.
"""

import json
import sys

_initial = set()


def pytest_addoption(parser):
    group = parser.getgroup("proctor")
    group.addoption("--proctor-report", default=None, help="write the guard's JSON report here")
    group.addoption("--proctor-modules", default="", help="comma-separated modules to locate")


def pytest_configure(config):
    _initial.update(id(p) for p in config.pluginmanager.get_plugins())


def _file_of(plugin):
    """The plugin's module file, else the file its first hook function was written in."""
    found = getattr(plugin, "__file__", None)
    if found:
        return found
    for name in dir(plugin):
        if name.startswith("pytest_"):
            func = getattr(plugin, name, None)
            code = getattr(getattr(func, "__func__", func), "__code__", None)
            if code is not None:
                return code.co_filename
    module = sys.modules.get(getattr(type(plugin), "__module__", ""), None)
    return getattr(module, "__file__", None)


def _origin(name):
    module = sys.modules.get(name)
    if module is None:
        return None
    found = getattr(module, "__file__", None)
    if found:
        return [found]
    return [str(p) for p in getattr(module, "__path__", [])]


def pytest_unconfigure(config):
    out = config.getoption("--proctor-report", None)
    if not out:
        return
    plugins = [
        {"name": str(name), "file": _file_of(plugin)}
        for name, plugin in config.pluginmanager.list_name_plugin()
        if plugin is not None and id(plugin) not in _initial
    ]
    names = [n for n in config.getoption("--proctor-modules", "").split(",") if n]
    modules = {n: _origin(n) for n in names}
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"plugins": plugins, "modules": modules}, fh)
