"""Choosing a backend: ``auto`` is full isolation or one line saying what to install; the
weaker backends run only when named, and their warning says what they leave open."""

from __future__ import annotations

import pytest
from tests.conftest import NO_DOCKER

from proctor.errors import SandboxError
from proctor.sandbox import LocalSandbox, Mounts, backends, detect_backend, weak_isolation_warning

REFUSAL = (
    "no full-isolation sandbox here: bubblewrap (bwrap) is not installed or cannot create "
    "namespaces (bwrap not found on PATH), and no Docker engine can be used (no docker engine "
    f"answers at {NO_DOCKER}); install it (Debian/Ubuntu: apt-get install bubblewrap) or run a "
    "Docker engine (Debian/Ubuntu: apt-get install docker.io; dockerd &) with pip install "
    "'proctor[docker]' or pass --sandbox unshare / --sandbox none to run with weaker isolation"
)


def works(backend: str) -> bool:
    try:
        detect_backend(backend)
    except SandboxError:
        return False
    return True


def test_unknown_backend_is_one_clear_line() -> None:
    with pytest.raises(SandboxError, match=r"unknown sandbox backend 'podman'"):
        detect_backend("podman")


def test_unavailable_backend_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "_probe", lambda name: None if name == "none" else "missing")
    with pytest.raises(SandboxError, match=r"'bwrap' is not available: missing"):
        LocalSandbox(Mounts(), backend="bwrap")


@pytest.mark.usefixtures("without_bwrap")
def test_auto_without_bwrap_refuses_in_one_line() -> None:
    with pytest.raises(SandboxError) as caught:
        detect_backend("auto")
    assert str(caught.value) == REFUSAL
    with pytest.raises(SandboxError, match="no full-isolation sandbox here"):
        LocalSandbox(Mounts())


def test_auto_never_downgrades_even_where_weaker_backends_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = "bwrap: setting up uid map: Permission denied"
    no_engine = "no docker engine answers at unix:///x; start it"
    probes = {"bwrap": broken, "docker": no_engine}
    monkeypatch.setattr(backends, "_probe", lambda name: probes.get(name))
    with pytest.raises(SandboxError) as caught:
        detect_backend()
    message = str(caught.value)
    assert "\n" not in message
    assert f"cannot create namespaces ({broken}), and no Docker engine can be used" in message
    assert "(no docker engine answers at unix:///x); install it" in message
    assert detect_backend("unshare") == "unshare"
    assert detect_backend("none") == "none"


@pytest.mark.skipif(not works("bwrap"), reason="bubblewrap does not work here")
def test_auto_picks_bwrap_where_it_works() -> None:
    assert detect_backend() == "bwrap"


def test_probe_runs_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    backends._probe.cache_clear()
    try:
        first = works("auto")
        assert works("auto") == first
        assert backends._probe.cache_info().misses == 1
    finally:
        backends._probe.cache_clear()


def test_weak_backends_warn_on_one_line_and_full_isolation_does_not() -> None:
    assert weak_isolation_warning("bwrap") is None
    assert weak_isolation_warning("auto") is None  # auto only ever picks full isolation
    unshare = weak_isolation_warning("unshare") or ""
    none = weak_isolation_warning("none") or ""
    assert "does not hide the host filesystem" in unshare
    assert "isolates nothing" in none and "shared environments" in none
    assert "\n" not in unshare + none
    assert weak_isolation_warning("docker") is None  # full isolation too
    with pytest.raises(SandboxError, match="unknown sandbox backend 'podman'"):
        weak_isolation_warning("podman")
