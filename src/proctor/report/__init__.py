"""Reports of runs: summaries and tables; the isolated-vs-repo comparison, its statistics
and its plot; what a suite holds; the figures beside the resolve rate (calibration,
consistency, release-date fairness, paired significance)."""

from proctor.report.calibration import Calibration
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
from proctor.report.consistency import Consistency
from proctor.report.fairness import CutoffSplit, Window
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
from proctor.report.figures import FIGURES_FILE, RunFigures, run_figures, with_figures
from proctor.report.figures_table import (
    calibration_table,
    consistency_table,
    differences_table,
    fairness_table,
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
from proctor.report.measures import task_facts
from proctor.report.plot import (
    comparison_plots,
    comparison_svg,
    context_tax_svg,
    cutoff_split_svg,
    reliability_svg,
    risk_coverage_svg,
    write_plot,
)
from proctor.report.significance import PairedDifference
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
    "FIGURES_FILE",
    "INDEX",
    "REPORT_DIR",
    "WEAK_BELOW",
    "Calibration",
    "Comparison",
    "Compliance",
    "Consistency",
    "CutoffSplit",
    "Estimate",
    "FeedbackFigures",
    "ModelComparison",
    "ModelRuns",
    "PairedDifference",
    "RunFigures",
    "RunFolder",
    "SuiteStats",
    "Summary",
    "Window",
    "WordCounts",
    "bootstrap_ci",
    "build_comparison",
    "calibration_table",
    "comparison_plots",
    "comparison_svg",
    "comparison_table",
    "compliance_cell",
    "consistency_table",
    "context_tax_svg",
    "cutoff_split_svg",
    "differences_table",
    "edit_compliance",
    "fairness_table",
    "feedback_cells",
    "feedback_figures",
    "feedback_table",
    "headline",
    "is_weak",
    "load_comparison",
    "paired_bootstrap_ci",
    "rate_ci",
    "read_manifests",
    "read_run",
    "reliability_svg",
    "report_name",
    "results_table",
    "risk_coverage_svg",
    "run_figures",
    "save_comparison",
    "serve_report",
    "suite_stats",
    "suite_stats_table",
    "summarize",
    "summary_table",
    "swebench_report",
    "task_facts",
    "task_strength",
    "weak_sandbox_note",
    "wilson_ci",
    "with_figures",
    "write_manifest",
    "write_plot",
    "write_report",
    "write_swebench_reports",
]
