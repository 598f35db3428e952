"""`proctor env build | lock`: build every environment a suite needs ahead of a run (venvs, or
the docker sandbox's images), and pin each task's dependency closure in the suite's
``environments.lock``; `list | prune | export | import | base-image` are in :mod:`env_images`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from proctor.cli.common import (
    LEGACY_SUITE,
    SANDBOX_OPT,
    SUITE_OPT,
    Command,
    chatter,
    console,
    fail,
    settings_from,
    suite_from,
)
from proctor.cli.env_images import env_base_image, env_export, env_import, env_list, env_prune
from proctor.cli.infer import infer
from proctor.errors import ProctorError
from proctor.files import write_atomic
from proctor.sandbox import env_provider, provider_for, resolve_pins
from proctor.spec import (
    EnvironmentsLock,
    LockedEnv,
    Task,
    dump_lock,
    load_suite,
    load_suite_files,
    lock_path,
    read_lock,
    utc_stamp,
)

app = typer.Typer(help="Task environments.", no_args_is_help=True)


@app.command("build", context_settings=LEGACY_SUITE)
def build(
    ctx: typer.Context, suite: Path | None = SUITE_OPT, sandbox: str | None = SANDBOX_OPT
) -> None:
    """Build (or reuse) one venv per distinct environment of the suite (with --sandbox docker:
    one environment image each, on the base image of its Python).

    A task locked in the suite's environments.lock gets exactly its pins; any other resolves
    as published before its date (environment.exclude_newer, else created_at).

    Examples:

    \b
        proctor env build --suite tasks/core
        proctor env build --suite tasks/core --sandbox docker
    """
    try:
        tasks = load_suite(suite_from(suite, ctx))
    except ProctorError as exc:
        raise fail(str(exc)) from None
    settings = settings_from(sandbox=sandbox)
    try:
        provider = env_provider(provider_for(settings.sandbox), settings.envs_dir)
    except ProctorError as exc:
        raise fail(str(exc)) from None
    unique = {t.env_key: t for t in tasks}
    failed = 0
    for key, task in unique.items():
        how = "locked" if task.environment.lock is not None else "unlocked"
        try:
            env = provider.build(task.environment, task.repo, as_of=task.resolve_date)
            where = env.image or str(env.path)
            chatter.print(f"{key} ({task.repo}, {how}): [green]ready[/] {escape(where)}")
        except ProctorError as exc:
            failed += 1
            console.print(f"{key} ({task.repo}): [red]{escape(str(exc))}[/]", highlight=False)
    if failed:
        raise fail(f"{failed} of {len(unique)} environment(s) failed to build")
    console.print(f"{len(unique)} environment(s) ready")


@app.command("lock", context_settings=LEGACY_SUITE)
def lock(ctx: typer.Context, suite: Path | None = SUITE_OPT) -> None:
    """Resolve every task's environment as of its date and pin it in environments.lock.

    The lock lies beside the task files: in the suite's folder, in each subfolder for the
    tasks there, and for a task file in the file's folder (whose other entries are kept);
    `env build`, `run` and `validate` then install exactly its pins.

    Examples:

    \b
        proctor env lock --suite tasks/core
    """
    path = suite_from(suite, ctx)
    try:
        loaded = load_suite_files(path, locked=False)
        groups: dict[Path, list[Task]] = {}
        for file, task in loaded:
            groups.setdefault(lock_path(file), []).append(task)
        olds = {out: read_lock(out).tasks if out.is_file() else {} for out in groups}
    except ProctorError as exc:
        raise fail(str(exc)) from None
    resolved: dict[str, LockedEnv | ProctorError] = {}
    failed = 0
    for out, tasks in sorted(groups.items()):
        old = olds[out]
        ids = {t.id for t in tasks}
        # A task file is locked into its folder's lock: the other tasks' entries stay.
        entries = {tid: e for tid, e in old.items() if path.is_file() and tid not in ids}
        for task in sorted(tasks, key=lambda t: t.id):
            if task.lock_inputs not in resolved:
                resolved[task.lock_inputs] = _resolve(task)
            result = resolved[task.lock_inputs]
            if isinstance(result, LockedEnv):
                entries[task.id] = result
                when = utc_stamp(result.exclude_newer)
                chatter.print(
                    f"{task.id}: [green]{len(result.resolved)} pins[/] as of {when}", soft_wrap=True
                )
                continue
            failed += 1
            console.print(f"{task.id}: [red]{escape(str(result))}[/]", highlight=False)
            if task.id in old and old[task.id].inputs == task.lock_inputs:
                entries[task.id] = old[task.id]  # still valid: keep it rather than drop it
        write_atomic(out, dump_lock(EnvironmentsLock(tasks=entries)))
    where = str(next(iter(groups))) if len(groups) == 1 else f"{len(groups)} locks under {path}"
    if failed:
        count = f"{failed} of {len(loaded)} task(s)"
        raise fail(f"{count} could not be locked; the rest are in {where}")
    console.print(f"{len(loaded)} task(s) locked in {where}")


def _resolve(task: Task) -> LockedEnv | ProctorError:
    """The task's locked environment, or the error that kept it from resolving."""
    env = task.environment
    try:
        pins = resolve_pins(env, task.id, task.resolve_date)
    except ProctorError as exc:
        return exc
    return LockedEnv(
        inputs=task.lock_inputs, python=env.python, exclude_newer=task.resolve_date, resolved=pins
    )


app.command("infer", cls=Command)(infer)
app.command("list", cls=Command)(env_list)
app.command("prune", cls=Command)(env_prune)
app.command("export", cls=Command)(env_export)
app.command("import", cls=Command)(env_import)
app.command("base-image", cls=Command)(env_base_image)
