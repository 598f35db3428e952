"""proctor.isolated sits at the grade level: it imports only the layers below it."""

from __future__ import annotations

import ast
from pathlib import Path

import proctor.isolated

ALLOWED = {"errors", "settings", "spec", "repo", "sandbox", "retrieval", "model", "isolated"}


def test_isolated_imports_only_lower_layers() -> None:
    package = Path(proctor.isolated.__file__).parent
    found: set[str] = set()
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("proctor."):
                found.add(node.module.split(".")[1])  # type: ignore[union-attr]
            elif isinstance(node, ast.Import):
                found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("proctor.")}
    assert found <= ALLOWED, found - ALLOWED


def test_public_api() -> None:
    assert sorted(proctor.isolated.__all__) == sorted(
        [
            "DEFAULT_LIMITS",
            "CanonicalChatModel",
            "EmptyChatModel",
            "Executor",
            "Extraction",
            "FunctionInfo",
            "HumanEvalResult",
            "IsolatedSolver",
            "Job",
            "Problem",
            "ProblemResult",
            "SampleRecord",
            "SpliceError",
            "SynthConfig",
            "SynthReport",
            "Verdict",
            "check_program",
            "data_file",
            "extract_completion",
            "find_functions",
            "isolated_message",
            "isolated_prompt",
            "load_problems",
            "mean_pass_at_k",
            "pass_at_k",
            "remove_body",
            "run_humaneval",
            "run_programs",
            "select_problems",
            "splice_function",
            "synthesize",
        ]
    )
