"""Environment images for the docker sandbox: a base image, then one image per environment hash.

Layers, as SWE-bench has them but fewer and smaller:

* the **base image** holds an OS and one Python (:func:`base_image`; the name is configurable,
  ``PROCTOR_DOCKER_BASE_IMAGE``, default ``proctor-base:py{python}``). Without a registry,
  :func:`build_base_image` makes it from Debian's package mirror (debootstrap, then
  ``docker import``): bookworm ships Python 3.11, bullseye 3.9, trixie 3.13. With one, any image
  with that Python on PATH serves (``python:{python}-slim``).
* an **environment image** (``proctor-env:<key>-<base>``) adds the task's system packages
  (``apt-get``) and a venv at :data:`VENV` with its Python packages (the same ``uv`` commands as
  a host venv, locked pins included). It is shared by every task with the same environment hash,
  and keyed by that hash and the base image's digest.
* the **attempt** is a container on the environment image with the sealed checkout mounted
  (:class:`~proctor.sandbox.docker_sandbox.DockerSandbox`).

An environment image is built in a container with network (``apt-get`` and ``uv`` need the
mirrors; the host's CA bundle and uv cache are lent to it), committed under its tag only once
every step passed, and described on the host by a small folder, ``envs_dir/images/<tag>``: its
marker (written last) and the venv's package metadata, which grading reads to find pytest plugins.
An image without a marker was half-built by a killed run: it is removed and built again, never
used. A container left by a killed build is removed before the next build of its tag.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from proctor.errors import EnvironmentBuildError, SandboxError
from proctor.sandbox import env_probe
from proctor.sandbox.docker_engine import docker_client
from proctor.sandbox.docker_sandbox import LABEL
from proctor.sandbox.env import MARKER, PythonEnv, _install_args
from proctor.sandbox.uvtool import last_error, refuse_options, uv_bin, with_test_tools
from proctor.settings import get_settings
from proctor.spec import Environment

__all__ = [
    "BASE_TEMPLATE",
    "DEBIAN_PYTHONS",
    "IMAGE_REPO",
    "VENV",
    "ImageInfo",
    "ImageProvider",
    "base_image",
    "build_base_image",
    "export_image",
    "held",
    "hold_env",
    "import_images",
    "list_images",
    "remove_image",
]

BASE_TEMPLATE = "proctor-base:py{python}"
"""Default base image name; ``{python}`` is the task's Python version ('3.11')."""
IMAGE_REPO = "proctor-env"
"""Repository name of every environment image."""
VENV = Path("/opt/proctor/env")
"""Where the venv lies inside an environment image."""
DEBIAN_PYTHONS = {"3.9": "bullseye", "3.11": "bookworm", "3.13": "trixie"}
"""The Debian release whose python3 is each version (for :func:`build_base_image`)."""
_WITH_DISTUTILS = ("buster", "bullseye", "bookworm")
_TOOLS = "/opt/proctor-tools"
_CA_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")
_STEP_TIMEOUT_S = 1800.0


def base_image(python: str, template: str = BASE_TEMPLATE) -> str:
    """The base image name for ``python`` ('3.11' or '3.11.7': the minor version counts)."""
    minor = ".".join(python.split(".")[:2])
    return template.format(python=minor)


@dataclass(frozen=True)
class ImageInfo:
    """One environment image, as ``proctor env list`` shows it."""

    tag: str
    key: str
    python: str
    system_packages: tuple[str, ...]
    size_bytes: int
    """Its whole size, base image included."""
    own_bytes: int
    """What it adds to its base image (the disk it costs once the base is there)."""
    created: str
    last_used: str | None
    ready: bool
    """Its marker is on this machine (a built, usable image)."""


class ImageProvider:
    """Environment images per content hash (the ``image`` provider of the registry).

    Args:
        envs_dir: the environments cache; image descriptions live in ``envs_dir/images``.
        base_template: the base image name, ``{python}`` standing for the version.
    """

    name = "image"

    def __init__(self, envs_dir: Path, base_template: str | None = None) -> None:
        self.envs_dir = envs_dir.expanduser().resolve()
        self.base_template = base_template or get_settings().docker_base_image

    @property
    def images_dir(self) -> Path:
        """Where each image's marker and metadata folder lives."""
        return self.envs_dir / "images"

    def tag(self, env: Environment, repo: str) -> str:
        """The image tag for ``env``: its key and its base image's digest.

        Raises:
            EnvironmentBuildError: the base image is not there.
        """
        base = base_image(env.python, self.base_template)
        key = env.key(repo)
        return f"{IMAGE_REPO}:{key}-{_base_id(base, key, env.python)[7:19]}"

    def status(
        self, env: Environment, repo: str, *, as_of: datetime | None = None
    ) -> PythonEnv | None:
        """The environment's image if completely built, else None; changes nothing."""
        del as_of
        try:
            tag = self.tag(env, repo)
        except EnvironmentBuildError:
            return None
        return _load(self.images_dir, tag)

    def build(
        self,
        env: Environment,
        repo: str,
        *,
        as_of: datetime | None = None,
        log: Path | None = None,
    ) -> PythonEnv:
        """Build the environment image (or reuse the one with the same tag).

        Raises:
            EnvironmentBuildError: the base image is missing, or a step (apt, venv, install,
                check) failed; one line naming the key, the step and its last error line, the
                full transcript in ``log``.
        """
        key = env.key(repo)
        refuse_options(env, key)
        tag = self.tag(env, repo)
        ready = _load(self.images_dir, tag)
        if ready is not None:
            _touch(self.images_dir, tag)
            return ready
        self.images_dir.mkdir(parents=True, exist_ok=True)
        with _locked(_lock_file(self.images_dir, tag)):
            ready = _load(self.images_dir, tag)
            if ready is None:
                _build(env, repo, key, tag, self.images_dir, as_of, log, self.base_template)
                ready = _load(self.images_dir, tag)
        if ready is None:
            raise EnvironmentBuildError(f"environment {key}: image {tag} vanished after its build")
        _touch(self.images_dir, tag)
        return ready


def _base_id(base: str, key: str, python: str) -> str:
    import docker

    client = _client(key)
    try:
        return client.images.get(base).id or ""
    except docker.errors.ImageNotFound:
        minor = ".".join(python.split(".")[:2])
        raise EnvironmentBuildError(
            f"environment {key}: base image {base} is not there; build it with "
            f"`proctor env base-image --python {minor}` (or pull it where a registry is reachable)"
        ) from None


def _client(key: str) -> Any:
    try:
        return docker_client()
    except SandboxError as exc:
        raise EnvironmentBuildError(f"environment {key}: {exc}") from None


def _build(
    env: Environment,
    repo: str,
    key: str,
    tag: str,
    images_dir: Path,
    as_of: datetime | None,
    log: Path | None,
    template: str,
) -> None:
    """Build ``tag`` in a container, commit it, then write its description folder."""
    import docker

    client = _client(key)
    base = base_image(env.python, template)
    name = "proctor-build-" + tag.replace(":", "-")
    _remove_container(client, name)  # left by a killed build
    _remove_image(client, tag)  # committed by a build killed before its marker
    shutil.rmtree(images_dir / _folder(tag), ignore_errors=True)
    transcript: list[str] = []
    started = time.monotonic()
    try:
        container = client.containers.run(
            base,
            ["sleep", "infinity"],
            name=name,
            detach=True,
            user="0:0",
            mounts=_build_mounts(key),
            environment=_build_environ(),
            labels={LABEL: "build"},
            init=True,
        )
    except docker.errors.DockerException as exc:
        message = f"environment {key}: cannot start a build container: {exc}"
        raise EnvironmentBuildError(message) from None
    try:
        packages = with_test_tools(env.packages)
        if env.system_packages:
            apt = "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "
            apt += "--no-install-recommends " + " ".join(sorted(set(env.system_packages)))
            script = f"{apt} && rm -rf /var/lib/apt/lists/*"
            _step(container, key, "apt", ["sh", "-c", script], transcript, log)
        uv = f"{_TOOLS}/uv"
        version = _step(container, key, "uv version", [uv, "--version"], transcript, log).strip()
        venv = [uv, "venv", "--python", env.python, "--python-preference", "only-system"]
        _step(container, key, "venv", [*venv, str(VENV)], transcript, log)
        python = str(VENV / "bin" / "python")
        install = [uv, "pip", "install", "--python", python, *_install_args(env, as_of)]
        _step(container, key, "install", install, transcript, log)
        probe = _step(
            container, key, "check", [python, "-I", f"{_TOOLS}/probe.py", *packages], transcript
        )
        report = json.loads(probe.strip().splitlines()[-1])
        meta = _step(container, key, "metadata", [python, "-I", "-c", _METADATA], transcript)
        container.kill()
        marker = {
            "key": key,
            "image": tag,
            "spec": {"repo": repo, "python": env.python, "packages": list(env.packages)},
            "system_packages": sorted(set(env.system_packages)),
            "locked": env.lock is not None,
            "python_version": report["version"],
            "base_prefix": report["prefixes"][0] if report["prefixes"] else "/usr",
            "base_image": base,
            "uv_version": version,
            "build_seconds": 0.0,
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        labels = {"proctor.env.key": key, "proctor.env.marker": json.dumps(marker)}
        image = container.commit(IMAGE_REPO, tag.split(":", 1)[1], conf={"Labels": labels})
        marker["image_id"] = image.id
        marker["build_seconds"] = round(time.monotonic() - started, 3)
        _describe(images_dir, tag, marker, json.loads(meta.strip().splitlines()[-1]))
    except docker.errors.DockerException as exc:
        raise EnvironmentBuildError(f"environment {key}: docker engine: {exc}") from None
    finally:
        _remove_container(client, name)
        if log is not None:
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("a", encoding="utf-8") as fh:
                fh.write("".join(transcript))


# Prints {relative path: text} of the venv's entry-point files (what grading reads on the host).
_METADATA = (
    "import glob, json, os\n"
    f"root = {str(VENV)!r}\n"
    "pattern = os.path.join(root, 'lib/python*/site-packages/*.*-info/entry_points.txt')\n"
    "print(json.dumps({os.path.relpath(p, root): open(p, encoding='utf-8', errors='replace')"
    ".read() for p in glob.glob(pattern)}))"
)


def _step(
    container: Any,
    key: str,
    step: str,
    argv: list[str],
    transcript: list[str] | None = None,
    log: Path | None = None,
) -> str:
    """Run one build step in the build container; its stdout, or the error of its failure."""
    record = transcript if transcript is not None else []
    record.append(f"$ {' '.join(argv)}\n")
    result = container.exec_run(argv, demux=True, environment=_build_environ())
    out = (result.output[0] or b"").decode(errors="replace")
    err = (result.output[1] or b"").decode(errors="replace")
    record.append(f"{out}{err}[exit {result.exit_code}]\n")
    if result.exit_code == 0:
        return out
    detail = last_error(err or out) or f"exit status {result.exit_code}"
    where = f" (log: {log})" if log is not None else ""
    raise EnvironmentBuildError(f"environment {key}: step '{step}' failed: {detail}{where}")


def _build_mounts(key: str) -> list[Any]:
    """uv, the probe script, the CA bundle and (as root) the host's uv cache, lent to a build."""
    from docker.types import Mount

    mounts = [
        Mount(f"{_TOOLS}/uv", uv_bin(key), type="bind", read_only=True),
        Mount(f"{_TOOLS}/probe.py", env_probe.__file__, type="bind", read_only=True),
    ]
    ca = next((p for p in _CA_BUNDLES if Path(p).is_file()), None)
    if ca is not None:
        mounts.append(Mount(f"{_TOOLS}/ca.crt", ca, type="bind", read_only=True))
    links = os.environ.get("PIP_FIND_LINKS") or os.environ.get("UV_FIND_LINKS")
    if links and Path(links).is_dir():
        mounts.append(Mount(f"{_TOOLS}/wheels", links, type="bind", read_only=True))
    cache = _uv_cache()
    if cache is not None:
        mounts.append(Mount("/root/.cache/uv", str(cache), type="bind"))
    return mounts


def _uv_cache() -> Path | None:
    """The host's uv cache, shared with builds only when proctor runs as root (the build's
    root would otherwise leave files there its owner cannot remove)."""
    if os.geteuid() != 0:
        return None
    path = Path(os.environ.get("UV_CACHE_DIR") or Path.home() / ".cache" / "uv")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _build_environ() -> dict[str, str]:
    environ = {"UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1", "NO_COLOR": "1"}
    if any(Path(p).is_file() for p in _CA_BUNDLES):
        environ |= {"SSL_CERT_FILE": f"{_TOOLS}/ca.crt", "UV_NATIVE_TLS": "1"}
    links = os.environ.get("PIP_FIND_LINKS") or os.environ.get("UV_FIND_LINKS")
    if links and Path(links).is_dir():
        environ["UV_FIND_LINKS"] = f"{_TOOLS}/wheels"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"):
        if name in os.environ:
            environ[name] = os.environ[name]
    index = os.environ.get("UV_INDEX_URL") or os.environ.get("PIP_INDEX_URL")
    if index:
        environ["UV_INDEX_URL"] = index
    return environ


def _folder(tag: str) -> str:
    return tag.replace(":", "-")


def _lock_file(images_dir: Path, tag: str) -> Path:
    return images_dir / f"{_folder(tag)}.lock"


def _describe(images_dir: Path, tag: str, marker: dict[str, Any], meta: dict[str, str]) -> None:
    """Write the image's folder on the host: package metadata first, the marker last."""
    folder = images_dir / _folder(tag)
    shutil.rmtree(folder, ignore_errors=True)
    for rel, text in meta.items():
        dest = folder / rel
        if dest.resolve().is_relative_to(folder.resolve()):
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(text, encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{MARKER}.tmp"
    tmp.write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, folder / MARKER)


def _load(images_dir: Path, tag: str) -> PythonEnv | None:
    """The image's environment if its marker is here and the image with that id exists."""
    import docker

    folder = images_dir / _folder(tag)
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    try:
        image_id = docker_client().images.get(tag).id
    except (docker.errors.DockerException, SandboxError):
        return None
    if not isinstance(marker, dict) or marker.get("image_id") != image_id:
        return None
    return PythonEnv(
        key=str(marker["key"]),
        path=folder,
        python=VENV / "bin" / "python",
        bin_dir=VENV / "bin",
        base_prefix=Path(str(marker.get("base_prefix", "/usr"))),
        image=tag,
        image_id=str(image_id),
    )


def _touch(images_dir: Path, tag: str) -> None:
    """Record the image's last use (the mtime of its ``.used`` file)."""
    (images_dir / f"{_folder(tag)}.used").touch()


def _remove_container(client: Any, name: str) -> None:
    import docker

    with suppress(docker.errors.NotFound):
        client.containers.get(name).remove(force=True)


def _remove_image(client: Any, tag: str) -> None:
    import docker

    with suppress(docker.errors.ImageNotFound):
        client.images.remove(tag, force=True)


@contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def hold_env(env: PythonEnv) -> Iterator[None]:
    """Hold a shared lock on ``env`` (its ``.lock`` file beside it) while an attempt uses it,
    so that ``proctor env prune`` leaves it alone (prune takes the lock exclusively)."""
    lock_path = env.path.with_name(env.path.name + ".lock")
    try:
        fh = lock_path.open("a")
    except OSError:  # a read-only cache: nothing can prune it either
        yield
        return
    with fh:
        os.utime(lock_path)  # its mtime is the environment's last use (proctor env list)
        fcntl.flock(fh, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def held(path: Path) -> bool:
    """Whether an attempt (or a build) holds the environment at ``path`` now."""
    lock_path = path.with_name(path.name + ".lock")
    if not lock_path.exists():
        return False
    with lock_path.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
    return False


def list_images(envs_dir: Path) -> list[ImageInfo]:
    """Every environment image of the engine, with its size and last use here."""
    images_dir = envs_dir.expanduser().resolve() / "images"
    found = []
    client = docker_client()
    for image in client.images.list(name=IMAGE_REPO):
        labels = image.labels or {}
        try:
            marker = json.loads(labels.get("proctor.env.marker", "{}"))
        except ValueError:
            marker = {}
        size = int(image.attrs.get("Size", 0))
        for tag in image.tags:
            own = size - _base_size(client, tag)
            used = images_dir / f"{_folder(tag)}.used"
            when = (
                datetime.fromtimestamp(used.stat().st_mtime, timezone.utc).isoformat(
                    timespec="seconds"
                )
                if used.exists()
                else None
            )
            found.append(
                ImageInfo(
                    tag=tag,
                    key=str(labels.get("proctor.env.key", "")),
                    python=str(marker.get("python_version", "")),
                    system_packages=tuple(marker.get("system_packages", [])),
                    size_bytes=size,
                    own_bytes=own,
                    created=str(image.attrs.get("Created", ""))[:19],
                    last_used=when,
                    ready=_load(images_dir, tag) is not None,
                )
            )
    return sorted(found, key=lambda i: i.tag)


def _base_size(client: Any, tag: str) -> int:
    """The size of the base image ``tag`` was built on (its tag ends with the base's id), or
    0 where that base is gone (an imported image carries its layers)."""
    import docker

    try:
        return int(client.images.get(tag.rsplit("-", 1)[-1]).attrs.get("Size", 0))
    except docker.errors.DockerException:
        return 0


def remove_image(envs_dir: Path, tag: str) -> bool:
    """Remove the image ``tag`` and its folder, unless an attempt holds it (False then)."""
    images_dir = envs_dir.expanduser().resolve() / "images"
    folder = images_dir / _folder(tag)
    if held(folder):
        return False
    _remove_image(docker_client(), tag)
    shutil.rmtree(folder, ignore_errors=True)
    for suffix in (".used",):
        (images_dir / f"{_folder(tag)}{suffix}").unlink(missing_ok=True)
    return True


def export_image(tag: str, dest: Path) -> int:
    """Write ``tag`` (with every layer below it) to ``dest`` as ``docker save`` does; its size."""
    image = docker_client().images.get(tag)
    tmp = dest.with_name(f".{dest.name}.tmp")
    with tmp.open("wb") as fh:
        for chunk in image.save(named=True):
            fh.write(chunk)
    os.replace(tmp, dest)
    return dest.stat().st_size


def import_images(envs_dir: Path, archive: Path) -> list[str]:
    """Load an archive written by :func:`export_image` (``docker load``) and describe each
    environment image in it here, so that runs use it; returns the tags loaded.

    Raises:
        SandboxError: the archive holds no proctor environment image.
    """
    client = docker_client()
    with archive.open("rb") as fh:
        images = client.images.load(fh.read())
    images_dir = envs_dir.expanduser().resolve() / "images"
    tags = []
    for image in images:
        labels = image.labels or {}
        if "proctor.env.marker" not in labels:
            continue
        marker = json.loads(labels["proctor.env.marker"])
        for tag in image.tags:
            out = client.containers.run(
                tag,
                ["python", "-I", "-c", _METADATA],
                remove=True,
                network_mode="none",
                entrypoint=[],
                environment={"PATH": f"{VENV}/bin:/usr/bin:/bin"},
            )
            meta = json.loads(out.decode().strip().splitlines()[-1])
            _describe(images_dir, tag, {**marker, "image_id": image.id}, meta)
            tags.append(tag)
    if not tags:
        raise SandboxError(f"{archive}: no proctor environment image in it")
    return tags


def build_base_image(
    python: str,
    *,
    template: str = BASE_TEMPLATE,
    mirror: str = "http://deb.debian.org/debian",
    suite: str | None = None,
    interpreter: Path | None = None,
    log: Path | None = None,
) -> str:
    """Make the base image for ``python`` without a registry: debootstrap the Debian release
    that ships it (:data:`DEBIAN_PYTHONS`), then ``docker import``; returns the image name.

    ``interpreter`` is the prefix of a Python built on this machine (pyenv's
    ``~/.pyenv/versions/3.11.7``): its stdlib is copied into the image at
    ``/opt/python/<version>`` and put first on PATH, so the image runs exactly the interpreter
    the host venvs use (Debian's patch release may differ), or a version Debian does not ship
    (``--release`` then names a release as new as this machine's, for its C library).

    Raises:
        EnvironmentBuildError: no known release ships it (and none was given), debootstrap is
            missing or fails (needs root), or the import fails.
    """
    minor = ".".join(python.split(".")[:2])
    release = suite or DEBIAN_PYTHONS.get(minor) or ("bookworm" if interpreter else None)
    label = f"base image for Python {minor}"
    if release is None:
        known = ", ".join(f"{v} ({r})" for v, r in DEBIAN_PYTHONS.items())
        raise EnvironmentBuildError(
            f"{label}: no Debian release known to ship it (known: {known}); build it from a "
            "pyenv interpreter, or name a registry image with PROCTOR_DOCKER_BASE_IMAGE"
        )
    debootstrap = shutil.which("debootstrap")
    if debootstrap is None:
        raise EnvironmentBuildError(
            f"{label}: debootstrap not found; install it (apt-get install debootstrap)"
        )
    name = base_image(minor, template)
    with tempfile.TemporaryDirectory(prefix="proctor-rootfs-", dir="/var/tmp") as tmp:
        root = Path(tmp) / "root"
        # uv needs distutils to inspect Pythons before 3.12, which Debian packages apart.
        extra = ",python3-distutils" if release in _WITH_DISTUTILS else ""
        include = f"--include=python3{extra},ca-certificates"
        argv = [debootstrap, "--variant=minbase", include, release, str(root), mirror]
        _host_step(label, "debootstrap", argv, log)
        changes = [f'LABEL proctor.base.python="{minor}"', 'CMD ["python3"]']
        if interpreter is not None:
            python3 = _copy_interpreter(label, interpreter, minor, root, log)
            changes.append(f"ENV PATH={Path(python3).parent}:{_IMAGE_PATH}")
        else:
            python3 = "python3"
        version = _host_step(label, "check", ["chroot", str(root), python3, "-V"], log)
        if f"Python {minor}." not in version:
            raise EnvironmentBuildError(f"{label}: {release} ships {version.strip()}")
        shutil.rmtree(root / "var" / "cache" / "apt" / "archives", ignore_errors=True)
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        assert tar.stdout is not None
        repository, _, tag = name.partition(":")
        try:
            docker_client().api.import_image_from_stream(
                tar.stdout,
                repository=repository,
                tag=tag or "latest",
                changes=changes,
            )
        finally:
            tar.stdout.close()
            tar.wait()
    return name


_IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_STDLIB_CHECK = "import bz2, ctypes, json, lzma, sqlite3, ssl, zlib, sys; print(sys.version)"


def _copy_interpreter(label: str, prefix: Path, minor: str, root: Path, log: Path | None) -> str:
    """Copy the interpreter at ``prefix`` (its stdlib, no site-packages or tests) into
    ``root/opt/python/<name>`` and prove it starts with its C modules; returns its path inside
    the image. (Its bin folder goes first on the image's PATH: a link in /usr/local/bin would
    make a venv look for its stdlib beside Debian's, under /usr/lib.)"""
    binary = prefix / "bin" / f"python{minor}"
    if not binary.is_file():
        raise EnvironmentBuildError(f"{label}: no {binary} (give the prefix of a Python {minor})")
    dest = Path("/opt/python") / prefix.name
    target = root / dest.relative_to("/")
    target.mkdir(parents=True)
    skip = [f"--exclude=lib/python{minor}/{d}" for d in ("site-packages/*", "test", "config-*")]
    parts = [p for p in ("bin", "lib", "include") if (prefix / p).exists()]
    tar = f"tar -C {prefix} -c {' '.join(skip)} {' '.join(parts)} | tar -C {target} -x"
    _host_step(label, "copy interpreter", ["sh", "-c", tar], log)
    # Its shared libpython is found through ld.so's cache, wherever the build's RUNPATH pointed.
    conf = root / "etc" / "ld.so.conf.d" / "proctor-python.conf"
    conf.write_text(f"{dest / 'lib'}\n", encoding="utf-8")
    _host_step(label, "ldconfig", ["chroot", str(root), "ldconfig"], log)
    inside = str(dest / "bin" / f"python{minor}")
    _host_step(label, "check interpreter", ["chroot", str(root), inside, "-c", _STDLIB_CHECK], log)
    return inside


def _host_step(label: str, step: str, argv: Sequence[str], log: Path | None) -> str:
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=_STEP_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EnvironmentBuildError(f"{label}: step '{step}' failed: {exc}") from None
    if log is not None:
        with log.open("a", encoding="utf-8") as fh:
            fh.write(f"$ {' '.join(argv)}\n{done.stdout}{done.stderr}[exit {done.returncode}]\n")
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        detail = lines[-1] if lines else f"exit {done.returncode}"
        raise EnvironmentBuildError(f"{label}: step '{step}' failed: {detail}")
    return done.stdout + done.stderr
