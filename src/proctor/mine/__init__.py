"""Tasks from git history: commits that change source and tests together, verified by tests.

``mine`` screens the first-parent history, runs each candidate's tests before and after its
fix in the sandbox, and writes the survivors as task specs with a report of every commit.
"""

from proctor.mine.candidates import Commit, FileChange, Screened, parse_log, screen
from proctor.mine.derive import rebuild_derived
from proctor.mine.describe import Describe, chat_describer, clean_message, find_leak
from proctor.mine.functions import FunctionInfo, find_functions, isolated_prompt, remove_body
from proctor.mine.ledger import REPORT_NAME, MineEntry, ReportLog, reasons_table, verified_table
from proctor.mine.miner import MineResult, mine, repo_name
from proctor.mine.options import MineOptions
from proctor.mine.synth import SynthConfig, SynthReport, synthesize
from proctor.mine.verify import CandidateCheck, judge_runs

__all__ = [
    "REPORT_NAME",
    "CandidateCheck",
    "Commit",
    "Describe",
    "FileChange",
    "FunctionInfo",
    "MineEntry",
    "MineOptions",
    "MineResult",
    "ReportLog",
    "Screened",
    "SynthConfig",
    "SynthReport",
    "chat_describer",
    "clean_message",
    "find_functions",
    "find_leak",
    "isolated_prompt",
    "judge_runs",
    "mine",
    "parse_log",
    "reasons_table",
    "rebuild_derived",
    "remove_body",
    "repo_name",
    "screen",
    "synthesize",
    "verified_table",
]
