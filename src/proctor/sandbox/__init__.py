"""Sandboxes: run an argv under limits where untrusted code cannot hurt the host."""

from proctor.sandbox.backends import (
    BACKENDS,
    FULL_ISOLATION,
    detect_backend,
    weak_isolation_warning,
)
from proctor.sandbox.base import ExecResult, Limits, Mounts, Sandbox
from proctor.sandbox.env import PythonEnv, build_env, env_status, with_test_tools
from proctor.sandbox.local import LocalSandbox, scrub_env

__all__ = [
    "BACKENDS",
    "FULL_ISOLATION",
    "ExecResult",
    "Limits",
    "LocalSandbox",
    "Mounts",
    "PythonEnv",
    "Sandbox",
    "build_env",
    "detect_backend",
    "env_status",
    "scrub_env",
    "weak_isolation_warning",
    "with_test_tools",
]
