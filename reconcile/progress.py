"""Progress reporting for long work, on stderr, silent by default inside the library.

The command line turns it on; library callers pass `progress=True` or their own callable.
Only counts and stage names are printed: never personal data.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

ProgressFn = Callable[[str, int, int], None]


def stderr_progress(stage: str, done: int, total: int) -> None:
    """Print `stage: done/total (pct)` on one refreshed stderr line (a terminal), or one line per
    finished stage (a log file or a pipe, where carriage returns would pile up)."""
    pct = (100.0 * done / total) if total else 100.0
    finished = done >= total
    if sys.stderr.isatty():
        sys.stderr.write(f"\r{stage}: {done:,}/{total:,} ({pct:5.1f}%)" + ("\n" if finished else ""))
    elif finished:
        sys.stderr.write(f"{stage}: {done:,}/{total:,} done\n")
    sys.stderr.flush()


def silent(stage: str, done: int, total: int) -> None:  # noqa: ARG001
    return None


def resolve(progress: bool | ProgressFn | None) -> ProgressFn:
    if progress is True:
        return stderr_progress
    if callable(progress):
        return progress
    return silent


class Timer:
    """Context manager measuring wall time of a stage (seconds in `.elapsed`)."""

    def __enter__(self) -> "Timer":
        self.start = time.perf_counter()
        self.elapsed = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.elapsed = time.perf_counter() - self.start
