"""What ``proctor mine`` looks for: one frozen pydantic model, every field documented."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from proctor.spec import Environment, python_version, task_id

DOC_GLOBS = (
    "*.md",
    "*.rst",
    "*.txt",
    "docs/*",
    "doc/*",
    "CHANGES*",
    "CHANGELOG*",
    "HISTORY*",
    "NEWS*",
    "AUTHORS*",
    "LICENSE*",
)
"""Files that count as documentation or changelog by default."""

ENVIRONMENT_FIELDS = ("python", "packages", "pythonpath")
"""Options that describe the environment rather than which commits are mined."""


class MineOptions(BaseModel):
    """Which commits become candidates, and the environment their tests run in.

    Globs are fnmatch patterns: one without ``/`` matches a file's name, one with ``/``
    matches the whole path, and ``*`` also matches ``/``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = Field(
        None, description="Prefix of task ids (default: the repository's name)."
    )
    rev: str = Field("HEAD", description="Where the first-parent walk starts.")
    since: str | None = Field(None, description="Only commits after this date (git's syntax).")
    until: str | None = Field(None, description="Only commits before this date (git's syntax).")
    max_candidates: int | None = Field(
        None, ge=1, description="Verify at most this many candidates, newest first."
    )
    src_globs: list[str] = Field(
        default_factory=lambda: ["*.py"], description="Files that count as source code."
    )
    test_globs: list[str] = Field(
        default_factory=list,
        description="Extra test files, besides what proctor always calls a test (tests/, "
        "test_*.py, *_test.py, conftest.py).",
    )
    doc_globs: list[str] = Field(
        default_factory=lambda: list(DOC_GLOBS),
        description="Documentation and changelog files: never source, and a commit touching "
        "only these is dropped.",
    )
    max_files: int = Field(6, ge=1, description="Most non-test, non-doc files a fix may touch.")
    max_lines: int = Field(
        300, ge=1, description="Most lines (added + deleted) of non-test, non-doc files."
    )
    single_file: bool = Field(False, description="Keep only fixes of exactly one source file.")
    min_files: int = Field(
        1, ge=1, description="Fewest source files a fix must touch (2+: multi-file fixes only)."
    )
    python: str = Field("3.11", description="Python version of the environment.")
    packages: list[str] = Field(
        default_factory=list, description="Requirements of the environment (pytest is added)."
    )
    pythonpath: list[str] = Field(
        default_factory=lambda: ["."], description="Checkout folders put on PYTHONPATH."
    )
    infer: bool = Field(
        True,
        description="Infer the environment from each fix commit (build system, dependencies, "
        "layout, generated version files, Python version); python, packages and pythonpath "
        "given explicitly still win. Off: the defaults above.",
    )
    min_statement_words: int = Field(
        4, ge=1, description="A commit message shorter than this cannot be a problem statement."
    )

    @field_validator("rev", "since", "until")
    @classmethod
    def _not_an_option(cls, v: str | None) -> str | None:
        if v is not None and (not v.strip() or v.startswith("-")):
            raise ValueError(f"{v!r} is not a revision or date")
        return v

    @field_validator("name")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        return None if v is None else task_id(v)

    @field_validator("python")
    @classmethod
    def _python(cls, v: str) -> str:
        return python_version(v)

    def environment(self) -> Environment:
        """The task environment these options describe (without inference)."""
        return Environment(python=self.python, packages=self.packages, pythonpath=self.pythonpath)

    def given_environment(self) -> dict[str, object]:
        """The environment fields set explicitly: they win over inferred ones."""
        return {k: getattr(self, k) for k in ENVIRONMENT_FIELDS if k in self.model_fields_set}
