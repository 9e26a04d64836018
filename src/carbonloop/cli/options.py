"""Option values at the edge: the parser's errors in our one-line form, and numeric options checked once.

The option parser (click, vendored by typer) words its errors its own way (``Invalid value for
'--budget': ...``) and accepts ``nan``, ``inf`` and ``-1e9`` for a float option. Every numeric option of
carbonloop is a count or a physical quantity, so each one is refused here, before its command runs, when
it is not finite, negative, absurdly large or out of its range in :data:`OPTION_RANGES`.
"""

from __future__ import annotations

import functools
import inspect
import sys
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any

import typer

from carbonloop.carbon.parameters import FPS_RANGE, LIFETIME_YEARS_RANGE, NODE_NM_RANGE
from carbonloop.errors import SpecError, shorten
from carbonloop.specio import MAX_ABS_NUMBER, MAX_DIE_AREA_MM2, finite_number

OPTION_RANGES: dict[str, tuple[float, float]] = {
    "--area-mm2": (0.0, MAX_DIE_AREA_MM2),
    "--fps": FPS_RANGE,
    "--lifetime-years": LIFETIME_YEARS_RANGE,
    "--node-nm": NODE_NM_RANGE,
}
"""Ranges of options that share a meaning across commands (docs/carbon.md gives the reasons); any other
numeric option must be in ``[0, MAX_ABS_NUMBER]``. A tiny ``--fps`` or ``--lifetime-years`` gave an
infinite carbon before (issue #13)."""

# typer vendors click in recent versions: find its exception classes through a public one.
USAGE_ERROR: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")
CLICK_EXCEPTION: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)
_EXCEPTIONS = sys.modules[USAGE_ERROR.__module__]
_NO_SUCH_OPTION: type[Exception] = _EXCEPTIONS.NoSuchOption
_BAD_OPTION_USAGE: type[Exception] = _EXCEPTIONS.BadOptionUsage
_MISSING_PARAMETER: type[Exception] = _EXCEPTIONS.MissingParameter
_BAD_PARAMETER: type[Exception] = _EXCEPTIONS.BadParameter


# --- the parser's errors -----------------------------------------------------------------------------
def option_error_line(err: Exception, argv: Sequence[str]) -> str:
    """``<command>: <option>: <message>`` for an error raised by the option parser (no ``error:`` prefix)."""
    e: Any = err
    command = _command_name(getattr(e, "ctx", None))
    if isinstance(err, _NO_SUCH_OPTION):
        hint = f" (did you mean {', '.join(sorted(e.possibilities))}?)" if e.possibilities else ""
        return str(SpecError(command, e.option_name, f"no such option{hint}"))
    if isinstance(err, _MISSING_PARAMETER):
        field = _param_name(e.param) or "<arguments>"
        what = e.param_type or getattr(e.param, "param_type_name", None) or "value"
        return str(SpecError(command, field, f"missing required {what}"))
    if isinstance(err, _BAD_PARAMETER):
        field = _param_name(e.param) or shorten(str(e.param_hint or "<arguments>"))
        message = _sentence(e.message)
        value = _value_in(argv, getattr(e.param, "opts", []) if e.param is not None else [])
        if value is not None and repr(value) not in message and value not in message:
            message += f" (got {shorten(repr(value))})"
        return str(SpecError(command, field, message))
    if isinstance(err, _BAD_OPTION_USAGE):
        return str(SpecError(command, e.option_name, _sentence(e.message)))
    message = _sentence(e.format_message())
    field = "<command>" if message.startswith("no such command") else "<arguments>"
    return str(SpecError(command, field, message))


def _command_name(ctx: Any) -> str:
    """``evaluate`` or ``results best`` (the program name left out); ``carbonloop`` at the top."""
    path = str(getattr(ctx, "command_path", "") or "").split()
    return " ".join(path[1:]) or "carbonloop"


def _param_name(param: Any) -> str | None:
    if param is None:
        return None
    opts = [o for o in getattr(param, "opts", []) if o.startswith("-")]
    if opts:
        return max(opts, key=len)  # the long form, as the docs write it
    name = getattr(param, "human_readable_name", None) or getattr(param, "name", None)
    return str(name).upper() if name else None


def _sentence(text: str) -> str:
    """Click's ``'x' is not a valid integer.`` -> ``'x' is not a valid integer`` (our lines end bare)."""
    text = " ".join(str(text).split()).rstrip(".")
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        text = text[0].lower() + text[1:]
    return text


def _value_in(argv: Sequence[str], opts: Sequence[str]) -> str | None:
    """The value typed for an option (last occurrence): ``--x v``, ``--x=v`` or ``-xv``."""
    found = None
    for i, token in enumerate(argv):
        for opt in opts:
            if token == opt and i + 1 < len(argv):
                found = argv[i + 1]
            elif opt.startswith("--") and token.startswith(opt + "="):
                found = token[len(opt) + 1 :]
            elif not opt.startswith("--") and token.startswith(opt) and len(token) > len(opt):
                found = token[len(opt) :]
    return found


# --- numeric option values ---------------------------------------------------------------------------
def check_numeric_options(app: typer.Typer) -> None:
    """Wrap every command of ``app`` (and its sub-apps) so that its numeric options are checked first.

    The wrapper keeps the command's signature (``functools.wraps``), so typer builds the same options.
    """
    for info in app.registered_commands:
        if info.callback is not None:
            name = info.name or info.callback.__name__.removesuffix("_command").replace("_", "-")
            info.callback = _checked(info.callback, name)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            _check_group(group.typer_instance, group.name or "")


def _check_group(sub: typer.Typer, group_name: str) -> None:
    for info in sub.registered_commands:
        if info.callback is not None:
            name = info.name or info.callback.__name__.replace("_", "-")
            info.callback = _checked(info.callback, f"{group_name} {name}".strip())
    for group in sub.registered_groups:
        if group.typer_instance is not None:
            _check_group(group.typer_instance, f"{group_name} {group.name or ''}".strip())


def numeric_options(callback: Callable[..., Any]) -> dict[str, str]:
    """Parameter name -> option as typed (``--lifetime-years``) for every int or float option."""
    hints = typing.get_type_hints(callback, include_extras=True)
    defaults = {n: p.default for n, p in inspect.signature(callback).parameters.items()}
    out: dict[str, str] = {}
    for name, hint in hints.items():
        if name == "return":
            continue
        base, infos = hint, []
        if typing.get_origin(hint) is typing.Annotated:
            base, *infos = typing.get_args(hint)
        if not _is_number_type(base):
            continue
        decls: list[str] = []
        for info in [*infos, defaults.get(name)]:
            decls += [d for d in getattr(info, "param_decls", None) or () if isinstance(d, str)]
        long = [d for d in decls if d.startswith("--")]
        out[name] = long[0] if long else "--" + name.replace("_", "-")
    return out


def _is_number_type(hint: Any) -> bool:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
    else:
        args = [hint]
    return bool(args) and all(a in (int, float) for a in args)


def _checked(callback: Callable[..., Any], command: str) -> Callable[..., Any]:
    if getattr(callback, "__carbonloop_checked__", False):
        return callback
    options = numeric_options(callback)
    if not options:
        return callback

    @functools.wraps(callback)
    def checked(*args: Any, **kwargs: Any) -> Any:
        for name, option in options.items():
            value = kwargs.get(name)
            if value is not None and not isinstance(value, bool):
                low, high = OPTION_RANGES.get(option, (0.0, MAX_ABS_NUMBER))
                finite_number(value, command, option, low=low, high=high)
        return callback(*args, **kwargs)

    checked.__carbonloop_checked__ = True  # type: ignore[attr-defined]
    return checked
