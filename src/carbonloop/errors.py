"""The one error type users see: it names the file, the field path and the bad value."""

from __future__ import annotations

MAX_PART_CHARS = 200
"""Longest file name or field path an error line shows; the message gets twice that."""


def shorten(text: str, limit: int = MAX_PART_CHARS) -> str:
    """``text`` on one line (whitespace runs become one space), cut to ``limit`` characters with an ellipsis.

    An error line must stay readable whatever the input: a value may be a megabyte long or hold newlines.
    """
    flat = " ".join(str(text).split())
    if len(flat) <= limit:
        return flat
    return flat[: max(limit - 3, 0)] + "..."


class SpecError(ValueError):
    """A user-supplied spec (file, zoo name, option) is wrong.

    Rendered by the CLI as one line, ``error: <file>: <field>: <message>``, with exit code 2; every part is
    flattened to one line and shortened (:func:`shorten`), so the line stays readable for any input.
    """

    def __init__(self, source: str, field: str, message: str) -> None:
        self.source = shorten(source or "<input>")
        self.field = shorten(field or "<root>")
        self.message = shorten(message, 2 * MAX_PART_CHARS)
        super().__init__(f"{self.source}: {self.field}: {self.message}")

    def located(self, source: str) -> SpecError:
        """The same error attributed to ``source`` (when a loader learns the file name late)."""
        return SpecError(source, self.field, self.message)
