"""Sandboxes: run an argv under limits where untrusted code cannot hurt the host."""

from proctor.sandbox.base import ExecResult, Limits, Mounts, Sandbox
from proctor.sandbox.env import PythonEnv, build_env, env_status, with_test_tools
from proctor.sandbox.local import LocalSandbox, detect_backend, scrub_env

__all__ = [
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
    "with_test_tools",
]
