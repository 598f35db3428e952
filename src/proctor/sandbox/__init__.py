"""Sandboxes: run an argv under limits where untrusted code cannot hurt the host; and a pool
of warm sandboxed workers (:class:`Executor`) that runs many small programs fast."""

from proctor.sandbox.backends import (
    BACKENDS,
    CONTAINER_BACKENDS,
    FULL_ISOLATION,
    SYSTEM_DIRS,
    bwrap_prefix,
    detect_backend,
    unshare_prefix,
    weak_isolation_warning,
)
from proctor.sandbox.base import ExecResult, Limits, Mounts, Sandbox
from proctor.sandbox.cgroup import PidsCgroup
from proctor.sandbox.docker_engine import docker_client, engine_problem
from proctor.sandbox.docker_env import (
    BASE_TEMPLATE,
    DEBIAN_PYTHONS,
    ImageInfo,
    ImageProvider,
    base_image,
    build_base_image,
    export_image,
    held,
    hold_env,
    import_images,
    list_images,
    remove_image,
)
from proctor.sandbox.docker_sandbox import SANDBOX_UID, DockerSandbox
from proctor.sandbox.env import PythonEnv, build_env, env_status, with_test_tools
from proctor.sandbox.local import LocalSandbox, scrub_env
from proctor.sandbox.pool import DEFAULT_LIMITS, Executor, Job, ProgramResult, run_programs
from proctor.sandbox.registry import (
    EnvProvider,
    SandboxFactory,
    VenvProvider,
    env_provider,
    open_sandbox,
    provider_for,
    register_env_provider,
    register_sandbox,
    sandbox_names,
)
from proctor.sandbox.uvtool import (
    ALWAYS_INSTALLED,
    UNDATED,
    python_found,
    resolve_pins,
    uv_environ,
)

__all__ = [
    "ALWAYS_INSTALLED",
    "BACKENDS",
    "BASE_TEMPLATE",
    "CONTAINER_BACKENDS",
    "DEBIAN_PYTHONS",
    "DEFAULT_LIMITS",
    "FULL_ISOLATION",
    "SANDBOX_UID",
    "SYSTEM_DIRS",
    "UNDATED",
    "DockerSandbox",
    "EnvProvider",
    "ExecResult",
    "Executor",
    "ImageInfo",
    "ImageProvider",
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
    "base_image",
    "build_base_image",
    "build_env",
    "bwrap_prefix",
    "detect_backend",
    "docker_client",
    "engine_problem",
    "env_provider",
    "env_status",
    "export_image",
    "held",
    "hold_env",
    "import_images",
    "list_images",
    "open_sandbox",
    "provider_for",
    "python_found",
    "register_env_provider",
    "register_sandbox",
    "remove_image",
    "resolve_pins",
    "run_programs",
    "sandbox_names",
    "scrub_env",
    "unshare_prefix",
    "uv_environ",
    "weak_isolation_warning",
    "with_test_tools",
]
