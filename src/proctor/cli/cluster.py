"""``--ray [ADDRESS]``: the commands that run attempts run them on a Ray cluster instead."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import typer
from rich.markup import escape
from rich.progress import Progress, TaskID

from proctor.cli.common import console
from proctor.mine import Verifier
from proctor.run import RAY_LOCAL, Executor, open_ray, open_ray_verifier
from proctor.settings import Settings

LOCAL_WORD = "local"
"""What a bare ``--ray`` stands for: start a local Ray instance."""

RAY_OPT = typer.Option(
    None,
    "--ray",
    metavar="[ADDRESS]",
    help="Run attempts on Ray (needs the ray extra): alone (or 'local') it starts a local Ray; "
    "auto, HOST:PORT or ray://HOST:PORT joins that cluster.",
)
MINE_RAY_OPT = typer.Option(
    None,
    "--ray",
    metavar="[ADDRESS]",
    help="Run each candidate's tests on Ray (needs the ray extra; -j: candidates in flight): "
    "alone (or 'local') it starts a local Ray; auto, HOST:PORT or ray://HOST:PORT joins "
    "that cluster.",
)
ENDPOINT_CAP_OPT = typer.Option(
    None,
    "--endpoint-cap",
    min=1,
    metavar="N",
    help="With --ray: model calls in flight to one endpoint across the cluster (default 8).",
)


@contextmanager
def executor_for(ray: str | None, endpoint_cap: int | None = None) -> Iterator[Executor | None]:
    """The Ray executor ``--ray`` asks for (None without it: the local pool).

    Raises:
        ConfigError: Ray is missing, cannot start, or nothing answers at the address.
    """
    if ray is None:
        yield None
        return
    address = RAY_LOCAL if ray == LOCAL_WORD else ray
    with open_ray(address, endpoint_cap=endpoint_cap) as executor:
        yield executor


@contextmanager
def verifier_for(ray: str | None, settings: Settings) -> Iterator[Verifier | None]:
    """The Ray verifier ``mine --ray`` asks for (None without it: candidates verified here).

    Raises:
        ConfigError: Ray is missing, cannot start, or nothing answers at the address.
    """
    if ray is None:
        yield None
        return
    address = RAY_LOCAL if ray == LOCAL_WORD else ray
    with open_ray_verifier(address, settings) as verifier:
        yield verifier


def bare_ray(argv: Sequence[str]) -> list[str]:
    """``argv`` with a ``--ray`` that has no address (last, or before another option) given
    :data:`LOCAL_WORD` (typer has no options with an optional value)."""
    out: list[str] = []
    for i, arg in enumerate(argv):
        out.append(arg)
        following = argv[i + 1] if i + 1 < len(argv) else None
        if arg == "--ray" and (following is None or following.startswith("-")):
            out.append(LOCAL_WORD)
    return out


def nodes_on_bar(executor: Executor | None, progress: Progress, bar: TaskID, label: str) -> None:
    """Keep the attempts per node in the progress bar's description as results arrive."""
    if executor is None or not hasattr(executor, "on_node"):
        return
    counts: Counter[str] = Counter()

    def on_node(node: str) -> None:
        counts[node] += 1
        shown = ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
        progress.update(bar, description=escape(f"{label} [{shown}]"))

    executor.on_node = on_node


def check_shippable(executor: Executor | None, model: object) -> None:
    """Refuse, before anything is written, a model the cluster's nodes cannot make.

    Raises:
        ConfigError: e.g. a ``local:`` model served by this machine.
    """
    ship = getattr(executor, "ship_model", None)
    if ship is not None:
        ship(model)


def print_nodes(executor: Executor | None) -> None:
    """Attempts per node, after a run on Ray."""
    counts = getattr(executor, "per_node", None)
    if counts:
        shown = ", ".join(f"{node} {n}" for node, n in sorted(counts.items()))
        console.print(f"attempts per node: {shown}", highlight=False)
