"""Typed input errors: every problem names the file, the row, the field and the fix.

One family (`ReconcileInputError`) so callers can catch all bad-input cases at once;
`InputErrors` carries every problem found in one file (all of them in `.errors`, and as a
frame in `.problems` when the loader made one); its printed message stays short (the first
`MAX_SHOWN`, then "… and K more"). Messages never quote whole records (personal data stays out
of logs): at most the offending cell value, shortened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_SHOWN = 20          # problems printed in an InputErrors message; `.errors` holds all of them
MAX_REPORTED = MAX_SHOWN  # former name, kept for callers


def _short(value: object, limit: int = 40) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ReconcileError(Exception):
    """Base of every error raised on purpose by reconcile."""


class ReconcileInputError(ReconcileError, ValueError):
    """Bad input: names the source, the row (as a spreadsheet numbers it), the field and a fix."""

    kind = "input"

    def __init__(self, problem: str, *, source: str | None = None, row: int | None = None,
                 field: str | None = None, value: object = None, hint: str | None = None):
        self.problem = problem
        self.source = source
        self.row = row
        self.field = field
        self.value = value
        self.hint = hint
        super().__init__(self.describe())

    def describe(self) -> str:
        where = []
        if self.source:
            where.append(str(self.source))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"column '{self.field}'")
        head = ", ".join(where)
        msg = f"{head}: {self.problem}" if head else self.problem
        if self.value is not None:
            msg += f" (value: {_short(self.value)!r})"
        if self.hint:
            msg += f". Fix: {self.hint}"
        return msg


class MissingColumnError(ReconcileInputError):
    kind = "missing_column"


class DuplicateIdError(ReconcileInputError):
    kind = "duplicate_id"


class BadValueError(ReconcileInputError):
    kind = "bad_value"


class EncodingProblemError(ReconcileInputError):
    kind = "encoding"


class EmptyInputError(ReconcileInputError):
    kind = "empty"


class InputFileNotFoundError(ReconcileInputError, FileNotFoundError):
    """The path given does not exist."""

    kind = "not_found"


class IndexFormatError(ReconcileError):
    """A saved index that is damaged, foreign or from an incompatible version."""


@dataclass
class InputErrors(ReconcileInputError):
    """All problems found in one input, reported together.

    `errors`: every problem (no cap); `problems`: the same as a polars frame (file, row, column,
    value, reason, action) when a reader raised it, else None; `truncated`: problems known to exist
    but not in `errors` (0 from reconcile's readers)."""

    errors: list[ReconcileInputError] = field(default_factory=list)
    source: str | None = None
    truncated: int = 0
    problems: Any = None

    def __post_init__(self) -> None:
        shown = self.errors[:MAX_SHOWN]
        lines = [f"{len(self.errors) + self.truncated} problem(s) in {self.source or 'input'}:"]
        lines += [f"  - {e.describe()}" for e in shown]
        more = self.truncated + max(0, len(self.errors) - MAX_SHOWN)
        if more:
            lines.append(f"  … and {more} more (all of them are in InputErrors.errors)")
        Exception.__init__(self, "\n".join(lines))
        self.problem = lines[0]
        self.row = self.errors[0].row if self.errors else None
        self.field = self.errors[0].field if self.errors else None
        self.value = None
        self.hint = self.errors[0].hint if self.errors else None

    def describe(self) -> str:  # noqa: D401
        return str(self)


class ReconcileWarning(UserWarning):
    """Base of reconcile's warnings (input accepted, but the officer/analyst should know)."""


class EncodingConverted(ReconcileWarning):
    """Input text was converted from a legacy or mis-decoded encoding (the message says which)."""


class DataQualityWarning(ReconcileWarning):
    """Input accepted but doubtful (e.g. sex or birth year disagreeing with the citizen id)."""
