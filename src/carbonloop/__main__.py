"""``python -m carbonloop`` runs the CLI."""

from carbonloop.cli import main

main()
