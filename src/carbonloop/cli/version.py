"""``carbonloop version``."""

from __future__ import annotations

import typer

from carbonloop import __version__
from carbonloop.cli.app import app


@app.command()
def version() -> None:
    """Print the carbonloop version."""
    typer.echo(__version__)
