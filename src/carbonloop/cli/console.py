"""The console tables are printed on: the terminal's width on a TTY, and wide enough that no table is cut
when the output goes to a file or a pipe (a cluster job's log, ``| less``), where rich would assume 80."""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console

PIPE_WIDTH = 240
"""Columns assumed without a terminal: the widest table (``show-accelerator``) fits with room to spare."""


def table_console(*, min_width: int = 80, stderr: bool = False) -> Console:
    """A console for tables: never narrower than ``min_width`` on a terminal, ``PIPE_WIDTH`` off one."""
    stream: TextIO = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return Console(file=stream, width=max(Console(file=stream).width, min_width))
    return Console(file=stream, width=PIPE_WIDTH)
