"""The public API of proctor.isolated (its layering is checked by tests/test_architecture.py)."""

from __future__ import annotations

import proctor.isolated


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
            "HumanEvalProblem",
            "ProblemResult",
            "ProgramResult",
            "SampleRecord",
            "SpliceError",
            "SynthConfig",
            "SynthReport",
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
