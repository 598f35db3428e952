"""The sandbox and environment-provider registries: built-ins, registrations, entry points."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from proctor.errors import SandboxError
from proctor.sandbox import (
    ExecResult,
    Limits,
    LocalSandbox,
    Mounts,
    VenvProvider,
    env_provider,
    open_sandbox,
    register_env_provider,
    register_sandbox,
    registry,
    sandbox_names,
)


class EchoSandbox:
    """A toy backend: runs nothing, answers with the argv it was given."""

    name = "echo"

    def __init__(self, mounts: Mounts, limits: Limits) -> None:
        self.mounts = mounts
        self.limits = limits

    def exec(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        timeout: float,
        env: Mapping[str, str] | None = None,
    ) -> ExecResult:
        return ExecResult(tuple(argv), 0, " ".join(argv), "", 0.0)


@pytest.fixture(autouse=True)
def clean_registries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_SANDBOXES", {})
    monkeypatch.setattr(registry, "_PROVIDERS", {"venv": VenvProvider})
    registry._entry_point.cache_clear()


def test_a_registered_backend_is_what_open_sandbox_gives(tmp_path: Path) -> None:
    register_sandbox("echo", EchoSandbox)
    box = open_sandbox("echo", Mounts(writable=(tmp_path,)), Limits(memory_mb=64))
    assert isinstance(box, EchoSandbox) and box.limits.memory_mb == 64
    assert box.exec(["true"], cwd=tmp_path, timeout=1).stdout == "true"
    assert "echo" in sandbox_names()


def test_built_in_names_stay_built_in() -> None:
    with pytest.raises(SandboxError, match="built in"):
        register_sandbox("bwrap", EchoSandbox)


def test_an_unknown_backend_is_one_line_naming_the_choices() -> None:
    with pytest.raises(SandboxError) as err:
        open_sandbox("nope", Mounts())
    assert (
        str(err.value)
        == "unknown sandbox backend 'nope' (available: auto, bwrap, docker, unshare, none)"
    )


def test_a_backend_from_an_installed_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    point = EntryPoint("echo", f"{__name__}:EchoSandbox", "proctor.sandboxes")
    monkeypatch.setattr(
        "importlib.metadata.entry_points",
        lambda group: [point] if group == "proctor.sandboxes" else [],
    )
    assert isinstance(open_sandbox("echo", Mounts(writable=(tmp_path,))), EchoSandbox)


def test_built_in_names_make_a_local_sandbox() -> None:
    try:
        box = open_sandbox("none", Mounts())
    except SandboxError as exc:  # pragma: no cover - every Linux has the rlimits backend
        pytest.skip(str(exc))
    assert isinstance(box, LocalSandbox) and box.name == "none"


class ToyProvider:
    name = "toy"

    def __init__(self, envs_dir: Path) -> None:
        self.envs_dir = envs_dir

    def build(
        self, env: object, repo: str, *, as_of: object = None, log: Path | None = None
    ) -> object:
        return ("built", repo)

    def status(self, env: object, repo: str, *, as_of: object = None) -> object:
        return None


def test_environment_providers(tmp_path: Path) -> None:
    assert isinstance(env_provider("venv", tmp_path), VenvProvider)
    register_env_provider("toy", ToyProvider)  # type: ignore[arg-type]
    toy = env_provider("toy", tmp_path)
    assert toy.build(None, "r") == ("built", "r")  # type: ignore[arg-type,comparison-overlap]
    with pytest.raises(
        SandboxError, match=r"unknown environment provider 'x' \(available: toy, venv\)"
    ):
        env_provider("x", tmp_path)
