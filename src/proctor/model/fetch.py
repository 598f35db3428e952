"""``python -m proctor.model.fetch NAME...``: fetch and verify offline weights, print their paths.

Its own module, which the ``proctor.model`` package never imports, so that ``-m`` runs it
without runpy's warning about a module already imported by its package.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from proctor.errors import ConfigError
from proctor.model.weights import WEIGHTS, ensure_weights


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m proctor.model.fetch NAME...``: fetch and verify weights, print paths."""
    names = list(sys.argv[1:] if argv is None else argv)
    if not names:
        print(f"usage: python -m proctor.model.fetch NAME... ({', '.join(WEIGHTS)})")
        return 2
    try:
        for name in names:
            print(ensure_weights(name))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
