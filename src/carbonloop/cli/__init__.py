"""Command-line entry point: every command module in this package is loaded and registers on ``app``.

Errors in user input end as one line ``error: <file>: <field>: <message>`` on stderr and exit code 2; the
option parser's own errors are rewritten to the same form, ``error: <command>: <option>: <message>``
(:mod:`carbonloop.cli.options`), and every numeric option is checked finite, non-negative and of a sane
magnitude before a command runs.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer
import yaml

from carbonloop.cli.app import app
from carbonloop.cli.options import CLICK_EXCEPTION, USAGE_ERROR, check_numeric_options, option_error_line
from carbonloop.errors import SpecError, shorten

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _module not in {"app", "common", "options"}:
        importlib.import_module(f"{__name__}.{_module}")

check_numeric_options(app)


def run(argv: list[str]) -> int:
    """Run the CLI on ``argv`` and return the exit code (used by ``main`` and by tests)."""
    try:
        result = app(args=argv, prog_name="carbonloop", standalone_mode=False)
    except SpecError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except yaml.YAMLError as err:  # pragma: no cover - loaders convert these to SpecError
        print(f"error: {shorten(str(err), 400)}", file=sys.stderr)
        return 2
    except typer.Abort:
        print("error: aborted", file=sys.stderr)
        return 1
    except typer.Exit as err:
        return int(err.exit_code)
    except CLICK_EXCEPTION as err:
        if not err.format_message():  # type: ignore[attr-defined]  # bare ``carbonloop``: help was shown
            return 0
        print(f"error: {option_error_line(err, argv)}", file=sys.stderr)
        return 2 if isinstance(err, USAGE_ERROR) else int(err.exit_code)  # type: ignore[attr-defined]
    return int(result) if isinstance(result, int) else 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run(sys.argv[1:]))


__all__ = ["app", "main", "run"]
