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
from proctor.report.feedback import (
    Compliance,
    FeedbackFigures,
    compliance_cell,
    edit_compliance,
    feedback_cells,
    feedback_figures,
    feedback_table,
    headline,
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

__all__ = [
    "COMPARISON_FILE",
    "WEAK_BELOW",
    "Comparison",
    "Compliance",
    "Estimate",
    "FeedbackFigures",
    "ModelComparison",
    "ModelRuns",
    "SuiteStats",
    "Summary",
    "WordCounts",
    "bootstrap_ci",
    "build_comparison",
    "comparison_svg",
    "comparison_table",
    "compliance_cell",
    "edit_compliance",
    "feedback_cells",
    "feedback_figures",
    "feedback_table",
    "headline",
    "is_weak",
    "load_comparison",
    "paired_bootstrap_ci",
    "rate_ci",
    "read_manifests",
    "results_table",
    "save_comparison",
    "suite_stats",
    "suite_stats_table",
    "summarize",
    "summary_table",
    "task_strength",
    "weak_sandbox_note",
    "wilson_ci",
    "write_manifest",
    "write_plot",
]
