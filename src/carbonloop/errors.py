"""The one error type users see: it names the file, the field path and the bad value."""

from __future__ import annotations


class SpecError(ValueError):
    """A user-supplied spec (file, zoo name, option) is wrong.

    Rendered by the CLI as one line, ``error: <file>: <field>: <message>``, with exit code 2.
    """

    def __init__(self, source: str, field: str, message: str) -> None:
        self.source = source or "<input>"
        self.field = field or "<root>"
        self.message = message
        super().__init__(f"{self.source}: {self.field}: {self.message}")

    def located(self, source: str) -> SpecError:
        """The same error attributed to ``source`` (when a loader learns the file name late)."""
        return SpecError(source, self.field, self.message)
