"""Whether the docker sandbox's tests can run here, and why not (said in the skip reason)."""

from __future__ import annotations

import functools

import pytest

from proctor.sandbox import base_image, docker_client, engine_problem
from proctor.settings import get_settings


@functools.cache
def docker_problem(python: str = "3.11") -> str | None:
    """Why a docker test cannot run here (no engine, or no base image for ``python``)."""
    problem = engine_problem()
    if problem is not None:
        return problem
    image = base_image(python, get_settings().docker_base_image)
    try:
        docker_client().images.get(image)
    except Exception:
        return f"base image {image} missing (build it: proctor env base-image --python {python})"
    return None


def needs_docker(python: str = "3.11") -> pytest.MarkDecorator:
    """Skip, saying why, where no engine answers or the base image is missing."""
    problem = docker_problem(python)
    return pytest.mark.skipif(problem is not None, reason=f"docker: {problem}")
