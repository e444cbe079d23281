"""The one root of every error a user can cause or fix, so the CLI and UI catch a single class.

Each layer keeps its own subclass (IngestError, StoreError, SearchIndexError, EmbedderError,
LLMError, DatasetError, EvalError, ConfigError); all of them carry a Dutch message and, when there
is one, a Dutch hint saying what to do. `str()` is always a single line: `message; hint`.
It lives in the lowest layer (ingest) so every layer above can subclass it.
"""

from __future__ import annotations


class CitaatError(Exception):
    """A problem the user can act on: `message` says what is wrong, `hint` what to do (both Dutch)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.message}; {self.hint}" if self.hint else self.message
        return " ".join(line.strip() for line in text.splitlines())


class ConfigError(CitaatError, ValueError):
    """An invalid setting (option, configuration value); a ValueError too, as dataclass checks raise."""
