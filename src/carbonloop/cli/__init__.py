"""Command-line entry point: every command module in this package is loaded and registers on ``app``.

Errors in user input end as one line ``error: <file>: <field>: <message>`` on stderr and exit code 2.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click
import yaml

from carbonloop.cli.app import app
from carbonloop.errors import SpecError

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _module not in {"app", "common"}:
        importlib.import_module(f"{__name__}.{_module}")


def run(argv: list[str]) -> int:
    """Run the CLI on ``argv`` and return the exit code (used by ``main`` and by tests)."""
    try:
        result = app(args=argv, prog_name="carbonloop", standalone_mode=False)
    except SpecError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except yaml.YAMLError as err:  # pragma: no cover - loaders convert these to SpecError
        print(f"error: {' '.join(str(err).split())}", file=sys.stderr)
        return 2
    except click.exceptions.Abort:
        print("error: aborted", file=sys.stderr)
        return 1
    except click.exceptions.ClickException as err:
        print(f"error: {err.format_message()}", file=sys.stderr)
        return 2 if isinstance(err, click.exceptions.UsageError) else err.exit_code
    except click.exceptions.Exit as err:
        return int(err.exit_code)
    return int(result) if isinstance(result, int) else 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run(sys.argv[1:]))


__all__ = ["app", "main", "run"]
