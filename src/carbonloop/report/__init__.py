"""Reports of a sweep: tables, static figures (matplotlib) and a self-contained interactive HTML report."""

from carbonloop.report.figures import FIGURES, write_figures
from carbonloop.report.html import build_report, write_report
from carbonloop.report.tables import best_rows, markdown_table, rich_best_table

__all__ = [
    "FIGURES",
    "best_rows",
    "build_report",
    "markdown_table",
    "rich_best_table",
    "write_figures",
    "write_report",
]
