"""Start a graded pytest session (run by proctor inside the sandbox; never imported by it).

    python -s proctor_boot.py --path DIR [--path DIR ...] -- PYTEST_ARGS...

The interpreter starts with no PYTHONPATH, so nothing of the checkout (``sitecustomize``,
``usercustomize``, ``*.pth``) is read at start-up. This script then imports proctor's guard
plugin from its own folder, takes that folder off ``sys.path``, puts the checkout's folders
first (and on ``PYTHONPATH`` for child processes), and runs ``pytest.main`` with the guard
registered before any other plugin. pytest is imported only now, so a repository that pytest
itself imports is imported from the checkout.
"""

import os
import sys


def _split(argv):
    paths = []
    i = 0
    while i + 1 < len(argv) and argv[i] == "--path":
        paths.append(argv[i + 1])
        i += 2
    if i >= len(argv) or argv[i] != "--":
        raise SystemExit("usage: proctor_boot.py --path DIR ... -- PYTEST_ARGS")
    return paths, argv[i + 1 :]


def main():
    paths, args = _split(sys.argv[1:])
    here = os.path.dirname(os.path.abspath(__file__))
    import proctor_guard  # noqa: PLC0415 - from this folder, before the checkout is on the path

    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    sys.path[:0] = paths
    os.environ["PYTHONPATH"] = os.pathsep.join(paths)
    sys.argv = ["pytest", *args]
    import pytest  # noqa: PLC0415

    raise SystemExit(pytest.main(args, plugins=[proctor_guard]))


if __name__ == "__main__":
    main()
