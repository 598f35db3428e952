"""``--ray`` with or without an address."""

from __future__ import annotations

from proctor.cli.cluster import LOCAL_WORD, bare_ray


def test_a_bare_ray_flag_means_a_local_instance() -> None:
    assert bare_ray(["run", "--ray"]) == ["run", "--ray", LOCAL_WORD]
    assert bare_ray(["run", "--ray", "--model", "gold"]) == [
        "run", "--ray", LOCAL_WORD, "--model", "gold",
    ]  # fmt: skip
    assert bare_ray(["run", "--ray", "auto", "-j", "2"]) == ["run", "--ray", "auto", "-j", "2"]
    assert bare_ray(["run", "--ray", "ray://h:10001"]) == ["run", "--ray", "ray://h:10001"]
