"""Tasks from git history: commits that change source and tests together, verified by tests.

``mine`` screens the first-parent history, runs each candidate's tests before and after its
fix in the sandbox, and writes the survivors as task specs with a report of every commit.
``infer_environment`` proposes the environment a repository's tests need from its files alone.
"""

from proctor.mine.accept import (
    MAX_FILES,
    EnvironmentCheck,
    FoundEnvironment,
    RepoEnvironments,
    check_environment,
    environments_for,
    find_environment,
)
from proctor.mine.candidates import Commit, FileChange, Screened, parse_log, screen
from proctor.mine.derive import rebuild_derived
from proctor.mine.describe import Describe, chat_describer, clean_message, find_leak
from proctor.mine.environment import propose_environment
from proctor.mine.functions import FunctionInfo, find_functions, isolated_prompt, remove_body
from proctor.mine.infer import (
    DirTree,
    GitTree,
    Proposal,
    RepoTree,
    available_pythons,
    infer_environment,
)
from proctor.mine.ledger import REPORT_NAME, MineEntry, ReportLog, reasons_table, verified_table
from proctor.mine.miner import MineResult, mine, repo_name
from proctor.mine.options import MineOptions
from proctor.mine.synth import SynthConfig, SynthReport, synthesize
from proctor.mine.verifier import Verifier, verify_here
from proctor.mine.verify import CandidateCheck, judge_runs

__all__ = [
    "MAX_FILES",
    "REPORT_NAME",
    "CandidateCheck",
    "Commit",
    "Describe",
    "DirTree",
    "EnvironmentCheck",
    "FileChange",
    "FoundEnvironment",
    "FunctionInfo",
    "GitTree",
    "MineEntry",
    "MineOptions",
    "MineResult",
    "Proposal",
    "RepoEnvironments",
    "RepoTree",
    "ReportLog",
    "Screened",
    "SynthConfig",
    "SynthReport",
    "Verifier",
    "available_pythons",
    "chat_describer",
    "check_environment",
    "clean_message",
    "environments_for",
    "find_environment",
    "find_functions",
    "find_leak",
    "infer_environment",
    "isolated_prompt",
    "judge_runs",
    "mine",
    "parse_log",
    "propose_environment",
    "reasons_table",
    "rebuild_derived",
    "remove_body",
    "repo_name",
    "screen",
    "synthesize",
    "verified_table",
    "verify_here",
]
