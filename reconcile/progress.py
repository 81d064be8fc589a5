"""Progress reporting for long work, on stderr, silent by default inside the library.

Owns the progress callback protocol `fn(stage, done, total)`, the `Reporter` that prints it, and
`Timer`. The command line turns progress on; library callers pass `progress=True` (a new `Reporter`)
or their own callable. Only counts, stage names and seconds are printed: never personal data.

On a terminal the `Reporter` refreshes one line per stage. Elsewhere (a log file, a pipe, CI) carriage
returns would pile up, so it prints a whole line at most every `every` seconds, one when a stage
ends, and, while a stage runs without news, a "still working" line every `every` seconds from a
small background thread, so a long stage is never silent. State lives in the object: no globals.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

ProgressFn = Callable[[str, int, int], None]

EVERY_SECONDS = 5.0   # log mode: at most one line per stage this often, and a heartbeat this often


class Reporter:
    """A progress callback `reporter(stage, done, total)` writing to `stream` (stderr by default).

    `tty`: force terminal (True) or log (False) mode; None asks the stream. `every`: seconds between
    lines in log mode. `clock`: a monotonic clock (tests pass a fake one). `heartbeat`: in log mode,
    print a "still working" line while a stage runs without news (a daemon thread that stops by
    itself when the stage ends, or with `close()`). `enabled=False`: a reporter that prints nothing
    (the command line's --quiet)."""

    def __init__(self, stream: TextIO | None = None, *, every: float = EVERY_SECONDS,
                 tty: bool | None = None, clock: Callable[[], float] = time.monotonic,
                 heartbeat: bool = True, enabled: bool = True) -> None:
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.every = float(every)
        self.clock = clock
        self.heartbeat = heartbeat
        if tty is None:
            isatty = getattr(self.stream, "isatty", None)
            tty = bool(isatty and isatty())
        self.tty = tty
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stage: str | None = None
        self._done = 0
        self._total = 0
        self._started = 0.0      # when the current stage began
        self._last_line = 0.0    # when the last line was written (log mode)
        self._open = False       # the current stage has not finished

    # -------------------------------------------------------------------------------- protocol
    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = self.clock()
        with self._lock:
            first = stage != self._stage or not self._open
            if first:
                self._stage, self._started, self._open = stage, now, True
            self._done, self._total = done, total
            finished = done >= total
            if self.tty:
                self._write(f"\r{self._line(now)}" + ("\n" if finished else ""))
            elif finished:
                self._write(f"{self._line(now)} done\n")
            elif first or now - self._last_line >= self.every:
                self._write(self._line(now) + "\n")
            if finished:
                self._open = False
        if not finished and not self.tty and self.heartbeat:
            self._ensure_thread()

    def close(self) -> None:
        """Stop the heartbeat thread (it also stops by itself when a stage ends)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2 * self.every + 1)
        self._thread = None
        self._stop = threading.Event()

    def __enter__(self) -> "Reporter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -------------------------------------------------------------------------------- internals
    def _line(self, now: float) -> str:
        done, total = self._done, self._total
        pct = (100.0 * done / total) if total else 100.0
        return f"{self._stage}: {done:,}/{total:,} ({pct:5.1f}%, {now - self._started:.0f} s)"

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
        self._last_line = self.clock()

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._beat, args=(self._stop,),
                                            name="reconcile-progress", daemon=True)
            self._thread.start()

    def beat(self) -> bool:
        """One heartbeat check: write a "still working" line if a stage is running and nothing was
        written for `every` seconds. Returns False when no stage is running (the thread then stops)."""
        with self._lock:
            if not self._open:
                return False
            now = self.clock()
            if now - self._last_line >= self.every:
                self._write(f"{self._line(now)} still working\n")
            return True

    def _beat(self, stop: threading.Event) -> None:
        while not stop.wait(self.every / 2):
            if not self.beat():
                break


def silent(stage: str, done: int, total: int) -> None:  # noqa: ARG001
    return None


def resolve(progress: bool | ProgressFn | None) -> ProgressFn:
    """`True` → a new stderr `Reporter` (no heartbeat thread: nobody would close it if the work
    stopped half-way); a callable → itself; anything else → `silent`."""
    if progress is True:
        return Reporter(heartbeat=False)
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
