"""Writing what the library produces, always atomically: one writer for every output file and folder.

Owns `atomic_path` (the one place that writes aside and renames: frames, the report, decision exports,
the review app's cached results and the index folder all go through it), `write_frame` (a polars frame
by extension) and `write_text`. A failed write never destroys what was already there.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

import polars as pl

FRAME_FORMATS = {
    ".csv": "CSV, UTF-8 (nested evidence written as JSON text)",
    ".parquet": "Parquet",
    ".jsonl": "JSON Lines (one object per line)",
    ".ndjson": "JSON Lines (one object per line)",
    ".json": "one JSON array of objects",
}


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink()


@contextlib.contextmanager
def atomic_path(out: str | os.PathLike, *, folder: bool = False):
    """Yield a temporary path beside `out`; when the block ends without error it replaces `out` (a file,
    or with `folder=True` a directory, created empty for the block); on error it is removed and `out`
    is left as it was. An existing folder is moved aside first and removed after the rename."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    _remove(tmp)
    if folder:
        tmp.mkdir()
    try:
        yield tmp
        old = None
        if folder and out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            _remove(old)
            os.replace(out, old)
        os.replace(tmp, out)
        if old is not None:
            _remove(old)
    finally:
        _remove(tmp)


def write_text(text: str, out: str | os.PathLike) -> Path:
    """Write UTF-8 text to `out` atomically."""
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(out)


def _plain(value):
    if hasattr(value, "to_list"):
        return value.to_list()
    return value


def records(value) -> list[dict]:
    """The list of dicts of a nested cell (evidence_detail, relatives): a polars list value, a Python
    list, or the JSON text `write_frame` puts in CSV files; anything else gives []."""
    if value is None:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if hasattr(value, "to_list"):
        value = value.to_list()
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def write_frame(frame: pl.DataFrame, out: str | os.PathLike) -> Path:
    """Write a polars frame by extension (.csv, .parquet, .jsonl/.ndjson, .json), atomically.
    Raises ValueError for any other extension (never writes CSV under another name). CSV writes nested
    columns (evidence_detail, relatives) as JSON text."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FRAME_FORMATS:
        raise ValueError(f"{out}: unknown output format {suffix or '(no extension)'}; "
                         f"use one of {', '.join(FRAME_FORMATS)}")
    with atomic_path(out) as tmp:
        if suffix == ".parquet":
            frame.write_parquet(tmp)
        elif suffix in (".jsonl", ".ndjson"):
            frame.write_ndjson(tmp)
        elif suffix == ".json":
            frame.write_json(tmp)
        else:
            nested = [c for c, t in frame.schema.items() if isinstance(t, (pl.List, pl.Struct, pl.Array))]
            flat = frame.with_columns(
                pl.col(c).map_elements(lambda v: json.dumps(_plain(v), ensure_ascii=False),
                                       return_dtype=pl.Utf8)
                for c in nested
            ) if nested else frame
            flat.write_csv(tmp)
    return out


__all__ = ["FRAME_FORMATS", "atomic_path", "records", "write_frame", "write_text"]
