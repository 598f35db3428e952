"""Reports of runs: summaries and tables."""

from proctor.report.summary import Summary, results_table, summarize, summary_table

__all__ = ["Summary", "results_table", "summarize", "summary_table"]
