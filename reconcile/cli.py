"""Command line for verification staff: reconcile index|match|leads|report|demo|generate.

Owns argument parsing, the checks of output paths made before any work starts, the error policy
for bad rows (--on-bad-rows, passed to the readers as errors=), the rejects file written next to
each output, progress per batch of claims, and the exit codes: 0 done, 2 a problem the user can fix
(bad input, bad option, an output path that cannot be written), 3 a damaged or foreign index.
Every such problem is one clear message on stderr naming the problem and the fix, never a Python
traceback. Outputs are written aside and renamed, so a failed run never destroys an earlier result.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from reconcile.io import DEFAULT_ERRORS as DEFAULT_BAD_ROWS  # the one default, owned by io
from reconcile.io import ERROR_POLICIES as BAD_ROW_POLICIES
from reconcile.batches import leads_in_batches, match_and_leads, match_in_batches
from reconcile.io.write import FRAME_FORMATS, write_frame

EXIT_INPUT = 2
EXIT_INDEX = 3

# Output formats of match and leads, by extension (anything else is refused before the work starts).
REPORT_FORMATS = {".html": "HTML", ".htm": "HTML"}
INDEX_SUFFIX = ".rcidx"
REJECTS_SUFFIX = ".rejects.csv"
REJECTS_COLUMNS = ("file", "row", "column", "value", "reason", "action")



INPUT_FORMATS = ("CSV (.csv, comma, semicolon, tab or | separated; UTF-8 or UTF-16, legacy Vietnamese "
                 "encodings are converted with a warning), JSON Lines (.jsonl; .json may also hold "
                 "one JSON array) or Parquet (.parquet)")


class CommandError(Exception):
    """A problem found by the command line itself (an option, an output path): message + exit code."""

    def __init__(self, message: str, code: int = EXIT_INPUT):
        super().__init__(message)
        self.code = code


# ------------------------------------------------------------------------------------------------
# Writing outputs
# ------------------------------------------------------------------------------------------------

def rejects_path(out: str | Path) -> Path:
    """Where the problems of an input go: `<out stem>.rejects.csv` next to the output."""
    out = Path(out)
    return out.with_name(out.stem + REJECTS_SUFFIX)


# ------------------------------------------------------------------------------------------------
# Checks made before the work starts
# ------------------------------------------------------------------------------------------------

def _nearest_existing(path: Path) -> Path:
    p = path.absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def check_folder_writable(folder: str | Path, option: str) -> Path:
    """The folder (or, when it does not exist yet, the folder it will be made in) must be a folder
    we can create files in. Tried for real with a probe file: permissions, read-only disks and
    administrator rights all answer the same way as the real write will."""
    folder = Path(folder)
    base = _nearest_existing(folder)
    if not base.is_dir():
        raise CommandError(f"{option} {folder}: {base} is a file, not a folder. "
                           "Fix: choose a path inside a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".reconcile-probe-", dir=base)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise CommandError(f"{option} {folder}: cannot write in the folder {base} "
                           f"({exc.strerror or exc}). Fix: choose a folder you can write in, "
                           "or make this one writable") from None
    return folder


def check_out_file(out: str | Path, formats: dict[str, str], example: str, option: str = "--out") -> Path:
    """An output file path: not a folder, a known extension, a writable folder, and a rejects file
    name next to it that is free."""
    out = Path(out)
    if out.is_dir():
        raise CommandError(f"{option} {out}: is a folder, but a file name is needed. "
                           f"Fix: give a file path such as {out / example}")
    suffix = out.suffix.lower()
    if suffix not in formats:
        known = ", ".join(formats)
        raise CommandError(f"{option} {out}: unknown output format "
                           f"{suffix if suffix else '(the name has no extension)'}; accepted: {known}. "
                           f"Fix: end the file name with one of them, for example {Path(example).suffix}")
    rej = rejects_path(out)
    if rej.is_dir():
        raise CommandError(f"{option} {out}: the problems file {rej} would be written next to it, but "
                           "that is a folder. Fix: choose another output name")
    check_folder_writable(out.parent, option)
    return out


def check_out_index(out: str | Path, option: str = "--out") -> Path:
    """An index path: a new name, an empty folder or an earlier index (replaced), ending in .rcidx
    or without extension, in a writable folder."""
    from reconcile.index.store import _is_index_dir

    out = Path(out)
    if out.suffix and out.suffix.lower() != INDEX_SUFFIX:
        raise CommandError(f"{option} {out}: an index is a folder named NAME{INDEX_SUFFIX}, not a "
                           f"{out.suffix} file. Fix: for example {option} {out.with_suffix(INDEX_SUFFIX)}")
    if out.exists() and not out.is_dir():
        raise CommandError(f"{option} {out}: a file of that name exists and is not an index. "
                           "Fix: choose another name, or remove the file yourself")
    if out.is_dir() and any(out.iterdir()) and not _is_index_dir(out):
        raise CommandError(f"{option} {out}: a folder of that name exists and is not a reconcile index; "
                           "it is not overwritten. Fix: choose another name, or remove it yourself")
    if rejects_path(out).is_dir():
        raise CommandError(f"{option} {out}: the problems file {rejects_path(out)} would be written next "
                           "to it, but that is a folder. Fix: choose another name")
    check_folder_writable(out.parent, option)
    return out


def check_out_dir(out_dir: str | Path, option: str = "--out-dir") -> Path:
    """An output folder: a folder (or a new name) we can write in."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise CommandError(f"{option} {out_dir}: is a file, but a folder is needed. "
                           "Fix: give a folder path (it is created when missing)")
    check_folder_writable(out_dir, option)
    return out_dir


# ------------------------------------------------------------------------------------------------
# Reading with the error policy
# ------------------------------------------------------------------------------------------------

def _errors_frame(exc):
    """The problems of an `InputErrors` as a rejects frame (the policy stopped the run)."""
    import polars as pl

    rows = [{"file": e.source or exc.source, "row": e.row, "column": e.field,
             "value": None if e.value is None else str(e.value), "reason": e.problem, "action": "raise"}
            for e in exc.errors]
    schema = {"file": pl.Utf8, "row": pl.Int64, "column": pl.Utf8, "value": pl.Utf8,
              "reason": pl.Utf8, "action": pl.Utf8}
    return pl.DataFrame(rows, schema=schema)


def read_input(kind: str, path: str, policy: str, out: Path):
    """Read the population or the claims with `errors=policy`, write every problem to the rejects
    file next to `out`, print one summary line, and return the frame and its `LoadReport` (the report
    shows its counts). When the policy stops the run, the rejects file still lists every problem found."""
    import polars as pl

    import reconcile as rc
    from reconcile.errors import InputErrors

    reader = rc.read_population if kind == "population" else rc.read_claims
    rejects = rejects_path(out)
    try:
        frame, load = reader(path, errors=policy, report=True)
    except InputErrors as exc:
        write_frame(_errors_frame(exc), rejects)
        more = (" Or run again with --on-bad-rows coerce (keep the rows, bad cells unknown) or skip "
                "(leave those rows out)." if policy == "raise" else "")
        raise CommandError(f"{exc}\nEvery problem found is listed in {rejects}.{more}") from None
    problems = load.problems
    write_frame(problems, rejects)
    coerced = problems.filter(pl.col("action").is_in(["coerced", "repaired"])).height
    print(f"{Path(path).name}: {load.rows_read:,} rows read, {load.rows_used:,} used, "
          f"{load.rows_set_aside:,} set aside, {coerced:,} cells coerced or repaired "
          f"(--on-bad-rows {policy}); problems listed in {rejects}")
    return frame, load


# ------------------------------------------------------------------------------------------------
# Work in batches of claims (progress per batch)
# ------------------------------------------------------------------------------------------------

# ------------------------------------------------------------------------------------------------
# Commands
# ------------------------------------------------------------------------------------------------

def _reporter(args):
    """Progress on stderr for this command (a context manager that stops its heartbeat)."""
    from reconcile.progress import Reporter

    return Reporter(enabled=not args.quiet)


def cmd_index(args) -> int:
    import reconcile as rc

    out = check_out_index(args.out)
    pop, _ = read_input("population", args.population, args.on_bad_rows, out)
    with _reporter(args) as say:
        index = rc.build_index(pop, progress=say)
    index.save(out)
    print(f"index: {pop.height:,} people -> {out}")
    return 0


def _claims_command(args, formats: dict[str, str], example: str):
    """Checks the output, loads the index (a bad index is reported before reading claims), then the
    claims with the error policy."""
    import reconcile as rc

    out = check_out_file(args.out, formats, example)
    index = rc.load_index(args.index)
    claims, load = read_input("claims", args.claims, args.on_bad_rows, out)
    return out, index, claims, load


def cmd_match(args) -> int:
    out, index, claims, _ = _claims_command(args, FRAME_FORMATS, "candidates.csv")
    with _reporter(args) as say:
        result = match_in_batches(claims, index, args.top_k, args.lang, say)
    write_frame(result, out)
    print(f"match: {claims.height:,} claims, {result.height:,} candidate rows -> {out}")
    return 0


def cmd_leads(args) -> int:
    out, index, claims, _ = _claims_command(args, FRAME_FORMATS, "leads.csv")
    with _reporter(args) as say:
        result = leads_in_batches(claims, index, args.top_k, args.lang, say)
    write_frame(result, out)
    print(f"leads: {claims.height:,} claims, {result.height:,} leads -> {out}")
    return 0


def cmd_report(args) -> int:
    import reconcile as rc

    out, index, claims, load = _claims_command(args, REPORT_FORMATS, "report.html")
    with _reporter(args) as say:
        # each batch of claims scored once, for both the candidates and the leads
        matches, leads = match_and_leads(claims, index, top_k=args.top_k, leads_top_k=max(args.top_k, 10),
                                         lang=args.lang, progress=say)
        path = rc.report(claims, index, out=out, lang=args.lang, top_k=args.top_k, progress=say,
                         matches=matches, leads=leads, load_reports=[load])
    print(f"report: {claims.height:,} claims -> {path}")
    return 0


def cmd_demo(args) -> int:
    from reconcile.demo import run_demo

    if args.out_dir is not None:
        check_out_dir(args.out_dir)
    with _reporter(args) as say:
        run_demo(out_dir=args.out_dir, lang=args.lang, progress=say)
    return 0


def cmd_generate(args) -> int:
    from reconcile import synth

    out_dir = check_out_dir(args.out_dir)
    with _reporter(args) as say:
        paths = synth.write_dataset(out_dir, people=args.people, claims=args.claims, seed=args.seed,
                                    progress=say)
    print(f"generate: synthetic register of {args.people:,} people and {args.claims:,} claims "
          f"(the same claims in {paths['claims_jsonl'].name} and {paths['claims_csv'].name}; the flat CSV "
          f"form does not carry relatives' birth years) -> {out_dir}")
    return 0


# ------------------------------------------------------------------------------------------------
# Parser
# ------------------------------------------------------------------------------------------------

def _whole_number(option: str, minimum: int = 1, example: int = 10):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(
                f"must be a whole number of {minimum} or more (got {text!r}). "
                f"Fix: for example {option} {example}")
        return value

    return parse


_BAD_ROWS_HELP = (
    "what to do with a row holding a bad cell (a date such as 1990-13-45, a sex written X, a row "
    "without a name): coerce keeps the row and sets only the bad cell to unknown, keeping what is "
    "still usable (the year of 1908-60-11), and sets aside a row that cannot be used at all (no name); "
    "skip leaves every such row out; raise stops and writes nothing but the problems file. "
    "Whatever the choice, every problem (file, row, column, value, reason, action) is written to "
    "OUT_STEM" + REJECTS_SUFFIX + " next to the output, and one line counts rows read, used, set "
    "aside and cells coerced. Default: " + DEFAULT_BAD_ROWS + ", because a verification office "
    "should not lose a registered person or a claimant over one unreadable cell: the rest of the "
    "row still finds or rules out candidates, and each changed cell is listed for checking.")

_EPILOG = (
    "Exit codes: 0 done; 2 a problem you can fix (bad input, a bad option, an output path that "
    "cannot be written), with one message naming it and the fix; 3 a damaged or foreign index. "
    "Outputs are checked before the work starts, written aside and renamed, so a failed run never "
    "destroys an earlier result.")


def build_parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    p = argparse.ArgumentParser(
        prog="reconcile", formatter_class=fmt,
        description="Identify people without papers against a population register: ranked, "
                    "calibrated, explained match candidates and verification leads.",
        epilog=_EPILOG + "\nRun reconcile COMMAND --help for the arguments of each command.")
    p.add_argument("--version", action="version", version=_version())
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, summary: str, description: str):
        return sub.add_parser(name, help=summary, description=f"{summary[0].upper()}{summary[1:]}.\n\n{description}",
                              epilog=_EPILOG, formatter_class=fmt)

    def quiet(sp):
        sp.add_argument("-q", "--quiet", action="store_true",
                        help="no progress lines on stderr (default: progress on; on a terminal one "
                             "refreshed line, elsewhere a line every few seconds)")

    def lang(sp):
        sp.add_argument("--lang", default="vi", choices=["vi", "en"],
                        help="language of the explanations and leads: vi (Vietnamese) or en "
                             "(English) (default: vi)")

    def bad_rows(sp):
        sp.add_argument("--on-bad-rows", choices=BAD_ROW_POLICIES, default=DEFAULT_BAD_ROWS,
                        metavar="{raise,skip,coerce}", help=_BAD_ROWS_HELP)

    def claims_args(sp, top_k: int, out_help: str):
        sp.add_argument("claims", metavar="CLAIMS",
                        help=f"the claims file, one claim per row or line. Accepted: {INPUT_FORMATS}; "
                             "in CSV, relatives as father_name, mother_name, spouse_name, "
                             "children_names, sibling_names (several names separated by ;)")
        sp.add_argument("--index", required=True, metavar="INDEX",
                        help="a saved index folder made by reconcile index (required)")
        sp.add_argument("--top-k", type=_whole_number("--top-k", 1, top_k), default=top_k, metavar="N",
                        help=f"at most N candidates per claim, a whole number of 1 or more "
                             f"(default: {top_k})")
        sp.add_argument("--out", required=True, metavar="FILE", help=out_help)
        bad_rows(sp)
        lang(sp)
        quiet(sp)

    frame_out = ("output file (required); the format follows the extension: "
                 + "; ".join(f"{k} {v}" for k, v in FRAME_FORMATS.items())
                 + ". Any other extension is refused. An earlier file of that name is replaced "
                   "only when the run succeeds")

    s = add("index", "build a searchable index from a population register",
            "Reads the register, builds the index and saves it as a folder.")
    s.add_argument("population", metavar="POPULATION",
                   help=f"the population register, one person per row. Accepted: {INPUT_FORMATS}")
    s.add_argument("--out", required=True, metavar="INDEX",
                   help=f"the index folder to write (required), named NAME{INDEX_SUFFIX} (or without "
                        "extension); an earlier index of that name is replaced only when the run "
                        "succeeds, any other existing file or folder is refused")
    bad_rows(s)
    quiet(s)
    s.set_defaults(func=cmd_index)

    s = add("match", "ranked, calibrated candidates for each claim",
            "One row per claim and candidate, best first: claim_id, rank, person_id, probability "
            "(0 to 1), weight, evidence (one readable line per field).")
    claims_args(s, 10, frame_out)
    s.set_defaults(func=cmd_match)

    s = add("leads", "verification leads for each claim: self, relatives, households, places",
            "One row per lead, most useful first: claim_id, rank, kind, person_id, household_id, "
            "place, relation, probability, reason (a sentence an officer can act on).")
    claims_args(s, 20, frame_out)
    s.set_defaults(func=cmd_leads)

    s = add("report", "a self-contained HTML review report for officers",
            "Candidates, evidence and leads of every claim in one HTML file that opens offline.")
    claims_args(s, 5, "output file (required), ending in .html or .htm; an earlier file of that "
                      "name is replaced only when the run succeeds")
    s.set_defaults(func=cmd_report)

    s = add("demo", "run everything on the bundled synthetic sample data",
            "Builds an index of the bundled synthetic register (3,000 people, not real), matches its "
            "300 claims, and writes candidates.csv, leads.csv and report.html.")
    s.add_argument("--out-dir", default=None, metavar="DIR",
                   help="folder for the results, created when missing (default: a new temporary "
                        "folder, printed at the start and the end)")
    lang(s)
    quiet(s)
    s.set_defaults(func=cmd_demo)

    s = add("generate", "write a synthetic register and claims with ground truth",
            "Writes population.parquet, population.csv, claims.jsonl, claims.csv (the same claims "
            "in the flat CSV form, which does not carry relatives' birth years) and truth.csv. "
            "The people are invented: never real.")
    s.add_argument("--out-dir", required=True, metavar="DIR",
                   help="folder for the files (required), created when missing; files of the same "
                        "names are replaced")
    s.add_argument("--people", type=_whole_number("--people", 1, 200_000), default=200_000, metavar="N",
                   help="people in the register, a whole number of 1 or more (default: 200000)")
    s.add_argument("--claims", type=_whole_number("--claims", 1, 3_000), default=3_000, metavar="N",
                   help="claims, a whole number of 1 or more (default: 3000)")
    s.add_argument("--seed", type=int, default=7, metavar="N",
                   help="random seed, a whole number; the same seed gives the same files (default: 7)")
    quiet(s)
    s.set_defaults(func=cmd_generate)

    from reconcile.app import cli as app_cli

    app_cli.add_commands(sub, epilog=_EPILOG)
    return p


def _version() -> str:
    from reconcile import __version__

    return f"reconcile {__version__}"


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ARG001
    """Warnings for staff: one line, the warning's own words, no Python source lines."""
    print(f"reconcile: {category.__name__}: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run one command and return its exit code. A bad option (--top-k 0, a missing argument),
    --help and --version end in argparse's SystemExit (code 2 for a bad option, with one message
    naming the option and the fix; 0 for help)."""
    import warnings

    from reconcile.errors import IndexFormatError, ReconcileInputError

    args = build_parser().parse_args(argv)
    warnings.showwarning = _show_warning
    where = f"reconcile {args.command}"
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        print(f"{where}: {exc}", file=sys.stderr)
        return exc.code
    except ReconcileInputError as exc:
        print(f"{where}: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except IndexFormatError as exc:
        print(f"{where}: {exc}", file=sys.stderr)
        return EXIT_INDEX
    except FileNotFoundError as exc:
        print(f"{where}: file not found: {exc.filename}. Fix: check the path.", file=sys.stderr)
        return EXIT_INPUT
    except OSError as exc:
        print(f"{where}: cannot read or write {exc.filename or 'a file'} ({exc.strerror or exc}). "
              "Fix: check the path, the free space and the permissions.", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print(f"{where}: interrupted; earlier outputs are unchanged.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
