"""Sandboxes: run an argv under limits where untrusted code cannot hurt the host; and a pool
of warm sandboxed workers (:class:`Executor`) that runs many small programs fast."""

from proctor.sandbox.backends import (
    BACKENDS,
    FULL_ISOLATION,
    SYSTEM_DIRS,
    bwrap_prefix,
    detect_backend,
    unshare_prefix,
    weak_isolation_warning,
)
from proctor.sandbox.base import ExecResult, Limits, Mounts, Sandbox
from proctor.sandbox.cgroup import PidsCgroup
from proctor.sandbox.env import PythonEnv, build_env, env_status, with_test_tools
from proctor.sandbox.local import LocalSandbox, scrub_env
from proctor.sandbox.pool import DEFAULT_LIMITS, Executor, Job, ProgramResult, run_programs
from proctor.sandbox.registry import (
    EnvProvider,
    SandboxFactory,
    VenvProvider,
    env_provider,
    open_sandbox,
    register_env_provider,
    register_sandbox,
    sandbox_names,
)
from proctor.sandbox.uvtool import ALWAYS_INSTALLED, UNDATED, resolve_pins, uv_environ

__all__ = [
    "ALWAYS_INSTALLED",
    "BACKENDS",
    "DEFAULT_LIMITS",
    "FULL_ISOLATION",
    "SYSTEM_DIRS",
    "UNDATED",
    "EnvProvider",
    "ExecResult",
    "Executor",
    "Job",
    "Limits",
    "LocalSandbox",
    "Mounts",
    "PidsCgroup",
    "ProgramResult",
    "PythonEnv",
    "Sandbox",
    "SandboxFactory",
    "VenvProvider",
    "build_env",
    "bwrap_prefix",
    "detect_backend",
    "env_provider",
    "env_status",
    "open_sandbox",
    "register_env_provider",
    "register_sandbox",
    "resolve_pins",
    "run_programs",
    "sandbox_names",
    "scrub_env",
    "unshare_prefix",
    "uv_environ",
    "weak_isolation_warning",
    "with_test_tools",
]
