"""Command-line entry point: every command module in this package is loaded and registers on ``app``.

Errors in user input end as one line ``error: <file>: <field>: <message>`` on stderr and exit code 2.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer
import yaml

from carbonloop.cli.app import app
from carbonloop.errors import SpecError

# typer vendors click in recent versions: find its exception classes through a public one.
_USAGE_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")
_CLICK_EXCEPTION = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")

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
    except typer.Abort:
        print("error: aborted", file=sys.stderr)
        return 1
    except typer.Exit as err:
        return int(err.exit_code)
    except _CLICK_EXCEPTION as err:
        if not err.format_message():  # type: ignore[attr-defined]  # bare ``carbonloop``: help was shown
            return 0
        print(f"error: {err.format_message()}", file=sys.stderr)  # type: ignore[attr-defined]
        return 2 if isinstance(err, _USAGE_ERROR) else int(err.exit_code)  # type: ignore[attr-defined]
    return int(result) if isinstance(result, int) else 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run(sys.argv[1:]))


__all__ = ["app", "main", "run"]
