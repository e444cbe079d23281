"""Typer's own texts (usage line, usage errors) in Dutch, like everything else the CLI shows.

Typer 0.29 vendors click and builds these messages with f-strings, so gettext cannot reach them.
`install()` swaps the usage line's prefix and metavars and wraps typer's error printer, which renders every
usage error (unknown option or command, missing argument, bad value) through `translate`.
A message no pattern knows stays as typer wrote it.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from typer import rich_utils

USAGE = "Gebruik: "

# (pattern, replacement) applied in order; patterns match typer's English message texts.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"No such option: (\S+)", r"onbekende optie: \1"),
        (r"\(Possible options: ([^)]*)\)", r"(bedoelt u: \1?)"),
        (r"No such command '([^']*)'\.", r"onbekend commando '\1'."),
        (r"Did you mean ([^?]*)\?", r"Bedoelt u \1?"),
        (r"Missing argument '([^']*)'\.", r"argument '\1' ontbreekt."),
        (r"Missing option '([^']*)'\.", r"optie '\1' ontbreekt."),
        (r"Missing parameter: (\S+)", r"parameter \1 ontbreekt"),
        (r"Missing command\.", "commando ontbreekt."),
        (r"Got unexpected extra argument\(s\) \(([^)]*)\)", r"onverwacht extra argument: \1"),
        (r"Option '([^']*)' requires an argument\.", r"optie '\1' heeft een waarde nodig."),
        (r"Option '([^']*)' requires (\d+) arguments\.", r"optie '\1' heeft \2 waarden nodig."),
        (r"Option '([^']*)' does not take a value\.", r"optie '\1' neemt geen waarde."),
        (r"Invalid value for ([^:]*): ", r"ongeldige waarde voor \1: "),
        (r"Invalid value: ", "ongeldige waarde: "),
        (
            r"Input should be a valid integer, unable to parse string as an integer",
            "dit is geen geheel getal",
        ),
        (r"Input should be a valid number, unable to parse string as a number", "dit is geen getal"),
        (r"Input should be a valid boolean, unable to interpret input", "dit is geen ja/nee-waarde"),
        (r"Value ('[^']*') is not a valid ([\w ]+)\.", r"\1 is geen geldige \2."),
        (r"('[^']*') is not one of (.*)\.", r"\1 is niet een van \2."),
        (r"(\w+) ('[^']*') does not exist\.", r"\1 \2 bestaat niet."),
        (r"(\w+) ('[^']*') is a file\.", r"\1 \2 is een bestand."),
        (r"(\w+) ('[^']*') is a directory\.", r"\1 \2 is een map."),
        (r"(\w+) ('[^']*') is not readable\.", r"\1 \2 is niet leesbaar."),
        (r"(\w+) ('[^']*') is not writable\.", r"\1 \2 is niet schrijfbaar."),
        (r"\bPath\b", "Pad"),
        (r"\bFile\b", "Bestand"),
        (r"\bDirectory\b", "Map"),
    )
)


def translate(message: str) -> str:
    """`message` with every known typer phrase in Dutch."""
    for pattern, replacement in _RULES:
        message = pattern.sub(replacement, message)
    return message


def _dutch_usage(write_usage: Any) -> Any:
    @functools.wraps(write_usage)
    def wrapper(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        args = args.replace("[OPTIONS]", "[OPTIES]").replace("COMMAND [ARGS]...", "COMMANDO [ARGUMENTEN]...")
        write_usage(self, prog, args, USAGE if prefix is None else prefix)

    wrapper.__citaat_dutch__ = True  # type: ignore[attr-defined]
    return wrapper


def _dutch_error(format_error: Any) -> Any:
    @functools.wraps(format_error)
    def wrapper(exc: Any) -> None:
        text = translate(exc.format_message())
        exc.format_message = lambda: text
        format_error(exc)

    wrapper.__citaat_dutch__ = True  # type: ignore[attr-defined]
    return wrapper


def install() -> None:
    """Make typer print its usage line and usage errors in Dutch (idempotent)."""
    from typer._click.formatting import HelpFormatter

    if not getattr(HelpFormatter.write_usage, "__citaat_dutch__", False):
        HelpFormatter.write_usage = _dutch_usage(HelpFormatter.write_usage)  # type: ignore[method-assign]
    if not getattr(rich_utils.rich_format_error, "__citaat_dutch__", False):
        rich_utils.rich_format_error = _dutch_error(rich_utils.rich_format_error)
    # the usage line is highlighted by its (English) prefix; highlight the Dutch one instead
    highlighter = type(rich_utils.highlighter)
    highlighter.highlights = [h.replace("Usage: ", USAGE) for h in highlighter.highlights]
