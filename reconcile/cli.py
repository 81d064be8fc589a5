"""Command line for verification staff: `reconcile index|match|leads|report|demo|generate`.

Bad input gets one clear message (file, row, problem, fix) on stderr and a non-zero exit;
outputs are written aside and renamed, so a failed run never destroys an earlier result.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

EXIT_INPUT = 2
EXIT_INDEX = 3


def write_frame(frame, out: str | Path) -> Path:
    """Write a polars frame by extension (.csv, .parquet, .jsonl/.json), atomically."""
    import polars as pl

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    suffix = out.suffix.lower()
    try:
        if suffix == ".parquet":
            frame.write_parquet(tmp)
        elif suffix in (".jsonl", ".ndjson", ".json"):
            frame.write_ndjson(tmp)
        else:
            nested = [c for c, t in frame.schema.items() if isinstance(t, (pl.List, pl.Struct, pl.Array))]
            flat = frame.with_columns(
                pl.col(c).map_elements(lambda v: json.dumps(_plain(v), ensure_ascii=False),
                                       return_dtype=pl.Utf8)
                for c in nested
            ) if nested else frame
            flat.write_csv(tmp)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return out


def _plain(value):
    if hasattr(value, "to_list"):
        return value.to_list()
    return value


def _progress(args) -> bool:
    return not getattr(args, "quiet", False)


def cmd_index(args) -> int:
    import reconcile as rc

    pop = rc.read_population(args.population)
    index = rc.build_index(pop, progress=_progress(args))
    index.save(args.out)
    print(f"index: {len(pop):,} people -> {args.out}")
    return 0


def _claims_and_index(args):
    """Load the index first (a bad index is reported before reading claims), then the claims."""
    import reconcile as rc

    return rc.load_index(args.index), rc.read_claims(args.claims)


def _frame_command(name: str, produce, unit: str):
    """A command that turns claims + index into one frame written to --out."""

    def run(args) -> int:
        index, claims = _claims_and_index(args)
        result = produce(claims, index, args)
        write_frame(result, args.out)
        print(f"{name}: {claims.height:,} claims, {result.height:,} {unit} -> {args.out}")
        return 0

    return run


def _match(claims, index, args):
    import reconcile as rc

    return rc.match(claims, index, top_k=args.top_k, lang=args.lang, progress=_progress(args))


def _leads(claims, index, args):
    import reconcile as rc

    return rc.leads(claims, index, top_k=args.top_k, lang=args.lang, progress=_progress(args))


cmd_match = _frame_command("match", _match, "candidate rows")
cmd_leads = _frame_command("leads", _leads, "leads")


def cmd_report(args) -> int:
    import reconcile as rc

    index, claims = _claims_and_index(args)
    path = rc.report(claims, index, out=args.out, lang=args.lang, progress=_progress(args))
    print(f"report: {claims.height:,} claims -> {path}")
    return 0


def cmd_demo(args) -> int:
    from reconcile.demo import run_demo

    run_demo(out_dir=args.out_dir, lang=args.lang)
    return 0


def cmd_generate(args) -> int:
    from reconcile import synth

    synth.write_dataset(args.out_dir, people=args.people, claims=args.claims, seed=args.seed)
    print(f"generate: synthetic register of {args.people:,} and {args.claims:,} claims -> {args.out_dir}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reconcile", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=_version())
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp, lang=True):
        sp.add_argument("-q", "--quiet", action="store_true", help="no progress output")
        if lang:
            sp.add_argument("--lang", default="vi", choices=["vi", "en"], help="language of explanations")

    s = sub.add_parser("index", help="build a searchable index from a population table")
    s.add_argument("population")
    s.add_argument("--out", required=True)
    common(s, lang=False)
    s.set_defaults(func=cmd_index)

    s = sub.add_parser("match", help="ranked, calibrated candidates for each claim")
    s.add_argument("claims")
    s.add_argument("--index", required=True)
    s.add_argument("--top-k", type=int, default=10)
    s.add_argument("--out", required=True)
    common(s)
    s.set_defaults(func=cmd_match)

    s = sub.add_parser("leads", help="verification leads: self, relatives, households, places")
    s.add_argument("claims")
    s.add_argument("--index", required=True)
    s.add_argument("--top-k", type=int, default=20)
    s.add_argument("--out", required=True)
    common(s)
    s.set_defaults(func=cmd_leads)

    s = sub.add_parser("report", help="self-contained HTML review report")
    s.add_argument("claims")
    s.add_argument("--index", required=True)
    s.add_argument("--out", required=True)
    common(s)
    s.set_defaults(func=cmd_report)

    s = sub.add_parser("demo", help="run everything on the bundled synthetic sample data")
    s.add_argument("--out-dir", default="reconcile-demo")
    common(s)
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("generate", help="write a synthetic register and claims with ground truth")
    s.add_argument("--out-dir", required=True)
    s.add_argument("--people", type=int, default=200_000)
    s.add_argument("--claims", type=int, default=3_000)
    s.add_argument("--seed", type=int, default=7)
    common(s, lang=False)
    s.set_defaults(func=cmd_generate)

    from reconcile.app import cli as app_cli

    app_cli.add_commands(sub)
    return p


def _version() -> str:
    from reconcile import __version__

    return f"reconcile {__version__}"


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ARG001
    """Warnings for staff: one line, the warning's own words, no Python source lines."""
    print(f"reconcile: {category.__name__}: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    import warnings

    from reconcile.errors import IndexFormatError, ReconcileInputError

    args = build_parser().parse_args(argv)
    warnings.showwarning = _show_warning
    try:
        return int(args.func(args) or 0)
    except ReconcileInputError as exc:
        print(f"reconcile {args.command}: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except IndexFormatError as exc:
        print(f"reconcile {args.command}: {exc}", file=sys.stderr)
        return EXIT_INDEX
    except FileNotFoundError as exc:
        print(f"reconcile {args.command}: file not found: {exc.filename}. Fix: check the path.", file=sys.stderr)
        return EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())
