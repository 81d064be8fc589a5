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
    """Print `stage: done/total (pct)` on one refreshed stderr line."""
    pct = (100.0 * done / total) if total else 100.0
    end = "\n" if done >= total else ""
    sys.stderr.write(f"\r{stage}: {done:,}/{total:,} ({pct:5.1f}%)" + end)
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
