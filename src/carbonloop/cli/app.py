"""The single typer application; command modules in this package register on it."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="carbonloop",
    help="Performance-carbon design-space exploration of AI accelerators.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Performance-carbon design-space exploration of AI accelerators."""
