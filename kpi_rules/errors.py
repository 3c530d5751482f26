"""One error hierarchy: every problem a user can fix is a KpiError whose text is one line naming
the file, sheet, cell or key. Anything else that escapes is a bug, shown as "internal error"."""

from __future__ import annotations

MAX_MESSAGE = 200


def one_line(text: object, limit: int = MAX_MESSAGE) -> str:
    """Text folded onto one line and cut to `limit` characters (with an ellipsis)."""
    folded = " ".join(str(text).split())
    return folded if len(folded) <= limit else folded[: limit - 1] + "…"


def shorten(text: object, limit: int = 40) -> str:
    """A value quoted inside a message (a header, a sheet name): one line, at most `limit`."""
    return one_line(text, limit)


def internal_error(exc: BaseException) -> str:
    """How a bug is said to the user, in one line: 'internal error (KeyError: 'x')'."""
    return one_line(f"internal error ({type(exc).__name__}: {exc})")


class KpiError(Exception):
    """A problem the user can fix; str() is one line of at most 200 characters."""

    def __str__(self) -> str:
        return one_line(super().__str__())
