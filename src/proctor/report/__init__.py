"""Reports of runs: summaries and tables; the isolated-vs-repo comparison, its statistics
and its plot; what a suite holds."""

from proctor.report.compare import (
    COMPARISON_FILE,
    Comparison,
    ModelComparison,
    ModelRuns,
    build_comparison,
    comparison_table,
    load_comparison,
    read_manifests,
    save_comparison,
    write_manifest,
)
from proctor.report.html import (
    CSP,
    INDEX,
    REPORT_DIR,
    RunFolder,
    read_run,
    serve_report,
    write_report,
)
from proctor.report.plot import comparison_svg, write_plot
from proctor.report.stats import (
    Estimate,
    bootstrap_ci,
    paired_bootstrap_ci,
    rate_ci,
    wilson_ci,
)
from proctor.report.suite_stats import (
    WEAK_BELOW,
    SuiteStats,
    WordCounts,
    is_weak,
    suite_stats,
    suite_stats_table,
    task_strength,
)
from proctor.report.summary import (
    Summary,
    results_table,
    summarize,
    summary_table,
    weak_sandbox_note,
)
from proctor.report.swebench_report import report_name, swebench_report, write_swebench_reports

__all__ = [
    "COMPARISON_FILE",
    "CSP",
    "INDEX",
    "REPORT_DIR",
    "WEAK_BELOW",
    "Comparison",
    "Estimate",
    "ModelComparison",
    "ModelRuns",
    "RunFolder",
    "SuiteStats",
    "Summary",
    "WordCounts",
    "bootstrap_ci",
    "build_comparison",
    "comparison_svg",
    "comparison_table",
    "is_weak",
    "load_comparison",
    "paired_bootstrap_ci",
    "rate_ci",
    "read_manifests",
    "read_run",
    "report_name",
    "results_table",
    "save_comparison",
    "serve_report",
    "suite_stats",
    "suite_stats_table",
    "summarize",
    "summary_table",
    "swebench_report",
    "task_strength",
    "weak_sandbox_note",
    "wilson_ci",
    "write_manifest",
    "write_plot",
    "write_report",
    "write_swebench_reports",
]
