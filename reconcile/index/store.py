"""Format 3 on disk: one directory, written atomically (a sibling temp directory renamed over the
old one), never pickle.

- `p.<name>.npy` per-person arrays, `tf.<vocab>.npy`, `rel.<field>.npy`, `rn.<feature>.npy`,
  `post.<kind>.<field>.npy` (NumPy, memory-mapped on load);
- `vocab.<name>.arrow` (Arrow IPC); `display.<column>.{data,offsets,valid}.npy` (display strings
  as UTF-8 bytes + offsets, memory-mapped: rows are gathered without reading the column);
- `people.parquet`, `kin_edges.parquet`, `kin_names.parquet` (frames for leads/report/train, read
  on first use);
- `model.json`; `manifest.json`: format name and version, library version, counts, the place-unit
  bit order, and per file its size and BLAKE2b-256 checksum.

Checks on load: format and version (format-2 indexes are refused with the rebuild command), every
file present with its recorded size (cheap: load stays well under a second at 1M people). The
checksums of all files are verified with `verify=True` (reads every byte: ~1 s per GB).
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import polars as pl

from reconcile._version import __version__
from reconcile.errors import IndexFormatError
from reconcile.io.write import atomic_path
from reconcile.index.arrays import Display, PersonArrays, Relatives, StringColumn

FORMAT_NAME = "reconcile-index"
FORMAT_VERSION = 3
FRAMES = ("people", "kin_edges", "kin_names")
_FIX = "Fix: rebuild it with `reconcile index POPULATION --out INDEX`"


def _blake2b(path: Path) -> str:
    h = hashlib.blake2b(digest_size=32)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def _is_index_dir(path: Path) -> bool:
    try:
        return json.loads((path / "manifest.json").read_text("utf-8")).get("format") == FORMAT_NAME
    except (OSError, ValueError, AttributeError):
        return False


def _write_arrays(index, d: Path) -> None:
    a = index.arrays
    for k, v in a.cols.items():
        np.save(d / f"p.{k}.npy", np.ascontiguousarray(v), allow_pickle=False)
    for k, v in a.tf.items():
        np.save(d / f"tf.{k}.npy", np.ascontiguousarray(v), allow_pickle=False)
    np.save(d / "rel.offsets.npy", np.ascontiguousarray(a.rel.offsets), allow_pickle=False)
    for k in Relatives.EDGE_FIELDS + Relatives.PERSON_FIELDS:
        np.save(d / f"rel.{k}.npy", np.ascontiguousarray(getattr(a.rel, k)), allow_pickle=False)
    for k, v in a.rel.names.items():
        np.save(d / f"rn.{k}.npy", np.ascontiguousarray(v), allow_pickle=False)
    for kind, post in index.postings.items():
        for f in post.FIELDS:
            np.save(d / f"post.{kind}.{f}.npy", np.ascontiguousarray(getattr(post, f)), allow_pickle=False)
    for name, v in index.vocabs.items():
        pl.DataFrame({"s": v.strings}).write_ipc(d / f"vocab.{name}.arrow", compression="uncompressed")
    for c, col in index.display.cols.items():
        for f in StringColumn.FIELDS:
            np.save(d / f"display.{c}.{f}.npy", np.ascontiguousarray(getattr(col, f)), allow_pickle=False)


def save_index(index, path: str | os.PathLike) -> Path:
    """Write the index atomically: a sibling temp dir, then rename over any earlier index."""
    path = Path(path)
    if path.exists() and not (path.is_dir() and (_is_index_dir(path) or not any(path.iterdir()))):
        raise IndexFormatError(f"{path}: exists and is not a reconcile index; refusing to overwrite "
                               "it. Fix: choose another output path or remove it yourself")
    frames = {name: getattr(index, name) for name in FRAMES}     # read before anything moves
    with atomic_path(path, folder=True) as tmp:
        _write_arrays(index, tmp)
        for name, frame in frames.items():
            frame.write_parquet(tmp / f"{name}.parquet", statistics=False)
        (tmp / "model.json").write_text(
            json.dumps(index.params, ensure_ascii=False, sort_keys=True, indent=1), "utf-8")
        manifest = {k: v for k, v in index.manifest.items() if k != "files"}
        manifest.update({
            "format": FORMAT_NAME, "format_version": FORMAT_VERSION,
            "library_version": __version__, "n_people": index.n_people,
            "rows": {"people": index.n_people, "relatives": index.arrays.rel.n_edges,
                     "rel_names": len(index.vocabs["rel_name"])},
            "units_now": list(index.arrays.units_now), "units_prov": list(index.arrays.units_prov),
            "vocabs": sorted(index.vocabs), "postings": sorted(index.postings),
            "display": list(index.display.cols),
            "files": {f.name: {"size": f.stat().st_size, "blake2b": _blake2b(f)}
                      for f in sorted(tmp.iterdir())}})
        manifest.setdefault("created", datetime.now(timezone.utc).isoformat(timespec="seconds"))
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
    index.manifest = manifest
    return path


def _manifest(path: Path) -> dict:
    if not path.exists():
        raise IndexFormatError(f"{path}: no index there. {_FIX}")
    if not path.is_dir():
        raise IndexFormatError(f"{path}: not an index directory. {_FIX}")
    mpath = path / "manifest.json"
    if not mpath.exists():
        raise IndexFormatError(f"{path}: not a reconcile index (no manifest.json). {_FIX}")
    try:
        manifest = json.loads(mpath.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise IndexFormatError(f"{mpath}: manifest is damaged ({exc.__class__.__name__}). {_FIX}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        fmt = manifest.get("format") if isinstance(manifest, dict) else "?"
        raise IndexFormatError(f"{path}: not a reconcile index (format {fmt!r}). {_FIX}")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexFormatError(f"{path}: index format version {manifest.get('format_version')!r}, "
                               f"this reconcile {__version__} reads version {FORMAT_VERSION}. {_FIX}")
    return manifest


def _check_files(path: Path, manifest: dict, verify: bool) -> dict:
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise IndexFormatError(f"{path}: the manifest lists no files. {_FIX}")
    for name, info in files.items():
        fp = path / name
        if not fp.exists():
            raise IndexFormatError(f"{fp}: missing from the index. {_FIX}")
        if fp.stat().st_size != info.get("size"):
            raise IndexFormatError(f"{fp}: size {fp.stat().st_size} bytes, the manifest says "
                                   f"{info.get('size')}: the file is damaged or was changed. {_FIX}")
        if verify and _blake2b(fp) != info.get("blake2b"):
            raise IndexFormatError(f"{fp}: checksum mismatch, the file is damaged or was changed "
                                   f"after the index was built. {_FIX}")
    return files


def read_frame(path: Path | None, name: str) -> pl.DataFrame:
    """One of the Parquet frames of a saved index (`people`, `kin_edges`, `kin_names`)."""
    if path is None:
        raise IndexFormatError(f"this index has no {name} frame and no directory to read it from. {_FIX}")
    fp = Path(path) / f"{name}.parquet"
    try:
        return pl.read_parquet(fp)
    except Exception as exc:  # noqa: BLE001 - any reader failure means a damaged index
        raise IndexFormatError(f"{fp}: cannot read it ({exc.__class__.__name__}). {_FIX}") from None


# What this version reads from a saved index of the same format (an index saved by an earlier
# version of format 3 may lack some; postings it lacks are only keys that find nothing).
READ_VOCABS = ("addr", "commune", "district", "eth", "fam_key", "fold", "giv_key", "household", "mid",
               "name_key", "norm_tok", "place_text", "rel_name", "tok")
READ_ARRAYS = ("by", "fam_key", "giv_key", "fold", "home_text", "res_text", "household", "sex")


def load_index(path: str | os.PathLike, verify: bool = False):
    """Load a saved index: arrays memory-mapped, frames read on first use.

    Checks format, version, that every file is present with its recorded size, and with
    `verify=True` also the BLAKE2b checksum of every file."""
    from reconcile.blocking.postings import Posting
    from reconcile.index import Index
    from reconcile.index.vocab import Vocab

    path = Path(path)
    manifest = _manifest(path)
    files = _check_files(path, manifest, verify)
    try:
        def arr(name: str) -> np.ndarray:
            # a plain ndarray view of the memory map (np.memmap's indexing is slow per call)
            return np.asarray(np.load(path / name, mmap_mode="r", allow_pickle=False))

        def group(prefix: str) -> dict[str, np.ndarray]:
            return {f[len(prefix):-4]: arr(f) for f in files if f.startswith(prefix) and f.endswith(".npy")}

        rel = Relatives(offsets=arr("rel.offsets.npy"),
                        **{k: arr(f"rel.{k}.npy") for k in Relatives.EDGE_FIELDS + Relatives.PERSON_FIELDS},
                        names=group("rn."))
        arrays = PersonArrays(cols=group("p."), tf=group("tf."), rel=rel,
                              units_now=tuple(manifest["units_now"]),
                              units_prov=tuple(manifest["units_prov"]))
        postings = {kind: Posting(**{f: arr(f"post.{kind}.{f}.npy") for f in Posting.FIELDS})
                    for kind in manifest["postings"]}
        vocabs = {name: Vocab(name, pl.read_ipc(path / f"vocab.{name}.arrow")
                              .to_series()) for name in manifest["vocabs"]}
        display = Display({c: StringColumn(*(arr(f"display.{c}.{f}.npy") for f in StringColumn.FIELDS))
                           for c in manifest["display"]}, arrays.cols["by"])
        params = json.loads((path / "model.json").read_text("utf-8"))
    except (OSError, ValueError, KeyError) as exc:
        raise IndexFormatError(f"{path}: cannot read the index ({exc.__class__.__name__}). {_FIX}") from None
    lacking = sorted(set(READ_VOCABS) - set(vocabs)) + sorted(f"p.{c}" for c in set(READ_ARRAYS) - set(arrays.cols))
    if lacking:
        raise IndexFormatError(f"{path}: built by reconcile {manifest.get('library_version', '?')} without "
                               f"{', '.join(lacking)}, which this version ({__version__}) reads. {_FIX}")
    if arrays.n != manifest.get("n_people") or display.height != arrays.n:
        raise IndexFormatError(f"{path}: {arrays.n} people in the arrays, the manifest says "
                               f"{manifest.get('n_people')}. {_FIX}")
    return Index(arrays=arrays, vocabs=vocabs, postings=postings, display=display, params=params,
                 manifest=manifest, path=path)
