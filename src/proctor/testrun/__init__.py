"""How tests run: what configures the runner, which plugins it loads, the argv it gets.

pytest first. Everything here is decided in proctor's own process from trusted inputs (the
base tree, the hidden tests, the read-only environment), never from what a change wrote.
"""

from proctor.testrun.pytest import (
    CONFIG_NAMES,
    PytestSetup,
    entry_point_plugins,
    locate_config,
    pytest_setup,
    top_level_modules,
)

__all__ = [
    "CONFIG_NAMES",
    "PytestSetup",
    "entry_point_plugins",
    "locate_config",
    "pytest_setup",
    "top_level_modules",
]
