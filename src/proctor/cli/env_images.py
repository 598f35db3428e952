"""`proctor env list | prune | export | import | base-image`: the environments cache (venvs and
the docker sandbox's images), what is in it, what can go, and how images move between machines
without a registry."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from proctor.cli.common import chatter, console, fail, settings_from
from proctor.errors import ProctorError
from proctor.sandbox import (
    DEBIAN_PYTHONS,
    MARKER,
    build_base_image,
    engine_problem,
    export_image,
    held,
    import_images,
    list_images,
    remove_image,
)
from proctor.spec import load_suite

SUITES_OPT = typer.Option(
    [], "--suite", metavar="PATH", help="A suite whose environments stay (repeat for several)."
)


@dataclass(frozen=True)
class _Venv:
    key: str
    path: Path
    size_bytes: int
    last_used: str


def _venvs(envs_dir: Path) -> list[_Venv]:
    """Every built venv of the cache (folders with a marker), with its size and last use."""
    found: list[_Venv] = []
    if not envs_dir.is_dir():
        return found
    for folder in sorted(envs_dir.iterdir()):
        marker = folder / MARKER
        if not marker.is_file():
            continue
        lock = folder.with_name(folder.name + ".lock")
        stamp = max(marker.stat().st_mtime, lock.stat().st_mtime if lock.exists() else 0.0)
        used = datetime.fromtimestamp(stamp, timezone.utc).isoformat(timespec="seconds")
        found.append(_Venv(folder.name, folder, _du(folder), used))
    return found


def _du(folder: Path) -> int:
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
    return total


def _mib(size: int) -> str:
    return f"{size / 2**20:,.1f} MiB"


def env_list() -> None:
    """Show every environment in the cache: venvs, and the docker sandbox's images (when an
    engine answers), with their sizes and last use.

    Examples:

    \b
        proctor env list
    """
    settings = settings_from()
    table = Table("kind", "key / tag", "size", "python", "system packages", "last used")
    table.columns[1].no_wrap = True
    for venv in _venvs(settings.envs_dir):
        meta = json.loads((venv.path / MARKER).read_text(encoding="utf-8"))
        python = str(meta.get("python_version", ""))
        table.add_row("venv", venv.key, _mib(venv.size_bytes), python, "", venv.last_used)
    problem = engine_problem()
    if problem is None:
        for image in list_images(settings.envs_dir):
            packages = " ".join(image.system_packages)
            state = "" if image.ready else " (not described here: import it)"
            table.add_row(
                "image",
                image.tag + state,
                f"{_mib(image.size_bytes)} ({_mib(image.own_bytes)} own)",
                image.python,
                packages,
                image.last_used or "never here",
            )
    console.print(table)
    if problem is not None:
        chatter.print(f"no images listed: {escape(problem)}", highlight=False)


def env_prune(
    suites: list[Path] = SUITES_OPT,
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would go; remove nothing."),
) -> None:
    """Remove the venvs and images no task of the given suites uses, except those a running
    attempt holds (it holds its environment's lock; so does a build).

    Examples:

    \b
        proctor env prune --suite tasks/core --suite tasks/main
    """
    settings = settings_from()
    try:
        keep = {t.env_key for suite in suites for t in load_suite(suite)}
    except ProctorError as exc:
        raise fail(str(exc)) from None
    removed = freed = kept_busy = 0
    for venv in _venvs(settings.envs_dir):
        if venv.key in keep:
            continue
        if held(venv.path):
            kept_busy += 1
            continue
        chatter.print(f"venv {venv.key}: {_mib(venv.size_bytes)}", highlight=False)
        if not dry_run:
            shutil.rmtree(venv.path, ignore_errors=True)
        removed, freed = removed + 1, freed + venv.size_bytes
    if engine_problem() is None:
        for image in list_images(settings.envs_dir):
            if image.key in keep:
                continue
            chatter.print(f"image {image.tag}: {_mib(image.size_bytes)}", highlight=False)
            if not dry_run and not remove_image(settings.envs_dir, image.tag):
                kept_busy += 1
                continue
            removed += 1
    verb = "would remove" if dry_run else "removed"
    busy = f"; {kept_busy} in use kept" if kept_busy else ""
    console.print(f"{verb} {removed} environment(s), {_mib(freed)} of venvs{busy}")


def env_export(
    out: Path = typer.Argument(..., metavar="FOLDER", help="Folder to write one .tar per image."),
    suites: list[Path] = SUITES_OPT,
) -> None:
    """Save environment images (those of the given suites, else all) as `docker save` archives,
    to load on another machine with `proctor env import`: no registry needed.

    Examples:

    \b
        proctor env export /mnt/share/images --suite tasks/core
    """
    settings = settings_from()
    problem = engine_problem()
    if problem is not None:
        raise fail(problem)
    try:
        keys = {t.env_key for suite in suites for t in load_suite(suite)}
    except ProctorError as exc:
        raise fail(str(exc)) from None
    out.mkdir(parents=True, exist_ok=True)
    images = [i for i in list_images(settings.envs_dir) if not keys or i.key in keys]
    for image in images:
        dest = out / (image.tag.replace(":", "-") + ".tar")
        size = export_image(image.tag, dest)
        chatter.print(f"{image.tag} -> {dest} ({_mib(size)})", highlight=False)
    console.print(f"{len(images)} image(s) exported to {out}")


def env_import(
    archives: list[Path] = typer.Argument(..., metavar="ARCHIVE...", help="Archives to load."),
) -> None:
    """Load images written by `proctor env export` and make them usable here.

    Examples:

    \b
        proctor env import /mnt/share/images/*.tar
    """
    settings = settings_from()
    loaded = 0
    for archive in archives:
        try:
            tags = import_images(settings.envs_dir, archive)
        except (ProctorError, OSError) as exc:
            raise fail(f"{archive}: {exc}") from None
        for tag in tags:
            chatter.print(f"{archive} -> {tag}", highlight=False)
        loaded += len(tags)
    console.print(f"{loaded} image(s) imported")


def env_base_image(
    python: str = typer.Option(
        "3.11", "--python", metavar="X.Y", help="The Python version it must have."
    ),
    mirror: str = typer.Option(
        "http://deb.debian.org/debian", "--mirror", metavar="URL", help="Debian mirror."
    ),
    release: str | None = typer.Option(
        None,
        "--release",
        metavar="NAME",
        help="Debian release (default: the one that ships --python).",
    ),
    interpreter: Path | None = typer.Option(
        None,
        "--interpreter",
        metavar="PREFIX",
        help="Copy this machine's Python (e.g. ~/.pyenv/versions/3.11.7) into the image instead "
        "of Debian's, so the image runs the same interpreter as the host venvs.",
    ),
) -> None:
    """Build the docker sandbox's base image for a Python without any registry: debootstrap the
    Debian release that ships it, then `docker import` (needs root and debootstrap).

    Examples:

    \b
        proctor env base-image --python 3.11
        proctor env base-image --python 3.9
        proctor env base-image --python 3.11 --interpreter ~/.pyenv/versions/3.11.7
    """
    settings = settings_from()
    problem = engine_problem()
    if problem is not None:
        raise fail(problem)
    known = ", ".join(f"{v}: {r}" for v, r in DEBIAN_PYTHONS.items())
    chatter.print(f"debootstrap ({known}) ...", highlight=False)
    try:
        name = build_base_image(
            python,
            template=settings.docker_base_image,
            mirror=mirror,
            suite=release,
            interpreter=interpreter.expanduser().resolve() if interpreter else None,
        )
    except ProctorError as exc:
        raise fail(str(exc)) from None
    console.print(f"base image {name} ready")
