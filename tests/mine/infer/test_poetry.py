"""Poetry constraints in PEP 440 terms."""

from __future__ import annotations

import pytest

from proctor.mine.infer.poetry import poetry_constraint


@pytest.mark.parametrize(
    ("poetry", "pep440"),
    [
        ("^1.2.3", ">=1.2.3,<2.0.0"),
        ("^0.2.3", ">=0.2.3,<0.3.0"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("^1.2", ">=1.2,<2.0"),
        ("~1.2.3", ">=1.2.3,<1.3.0"),
        ("~1", ">=1,<2"),
        ("*", ""),
        ("1.2.*", "==1.2.*"),
        ("1.2.3", "==1.2.3"),
        (">= 1.2, < 1.5", ">=1.2,<1.5"),
        ("~=1.4", "~=1.4"),
        ("1.0 || 2.0", None),
        ("^1.x", None),
    ],
)
def test_poetry_constraint(poetry: str, pep440: str | None) -> None:
    assert poetry_constraint(poetry) == pep440
