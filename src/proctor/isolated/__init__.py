"""The isolated-function track: HumanEval-style problems, and same-function task pairs.

How much of a model's HumanEval score survives in real codebases: :func:`run_humaneval`
scores a chat model on HumanEval (prompt, extraction, a fast sandboxed :class:`Executor`,
pass@k); :func:`synthesize` makes pairs of tasks that ask for the same function in its
repository and in isolation, graded by the same tests.
"""

from proctor.isolated.baselines import CanonicalChatModel, EmptyChatModel
from proctor.isolated.executor import DEFAULT_LIMITS, Executor, Job, ProgramResult, run_programs
from proctor.isolated.extract import Extraction, extract_completion
from proctor.isolated.functions import FunctionInfo, find_functions, isolated_prompt, remove_body
from proctor.isolated.humaneval import (
    HumanEvalProblem,
    check_program,
    data_file,
    load_problems,
    select_problems,
)
from proctor.isolated.passk import mean_pass_at_k, pass_at_k
from proctor.isolated.solver import IsolatedSolver, isolated_message
from proctor.isolated.splice import SpliceError, splice_function
from proctor.isolated.synth import SynthConfig, SynthReport, synthesize
from proctor.isolated.track import HumanEvalResult, ProblemResult, SampleRecord, run_humaneval

__all__ = [
    "DEFAULT_LIMITS",
    "CanonicalChatModel",
    "EmptyChatModel",
    "Executor",
    "Extraction",
    "FunctionInfo",
    "HumanEvalProblem",
    "HumanEvalResult",
    "IsolatedSolver",
    "Job",
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
