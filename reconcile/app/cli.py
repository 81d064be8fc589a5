"""Sub-commands of the workbench: `reconcile review`, `reconcile learn`, `reconcile decisions export|import`.

`add_commands(subparsers)` is the one hook `reconcile.cli.build_parser` calls. Imports of the web
stack happen inside the commands, so the core CLI works without the `app` extra.
"""

from __future__ import annotations

import os
import sys


def cmd_review(args) -> int:
    try:
        import uvicorn
    except ImportError:
        print("reconcile review: the web app needs the app extra. Fix: pip install \"reconcile[app]\"",
              file=sys.stderr)
        return 2
    import logging

    import reconcile as rc
    from reconcile.app.security import SecurityConfig, check_bind
    from reconcile.app.server import build_app

    token = args.token or os.environ.get("RECONCILE_TOKEN") or None
    try:
        check_bind(args.host, token)
    except ValueError as exc:
        print(f"reconcile review: {exc}", file=sys.stderr)
        return 2
    index = rc.load_index(args.index)
    sec = SecurityConfig(host=args.host, port=args.port, token=token, max_body=args.max_body)
    app, wb = build_app(index, args.claims, args.db, security=sec, lang=args.lang,
                        progress=not args.quiet, errors=args.on_bad_rows)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    # from here on, warnings come from requests (typed claims): keep their cells out of the log
    import warnings

    from reconcile.errors import ReconcileWarning

    warnings.simplefilter("ignore", ReconcileWarning)
    host = f"[{args.host}]" if ":" in args.host else args.host
    link = f"http://{host}:{args.port}/" + (f"?token={token}" if token else "")
    print(f"review: {wb.claims.height:,} claims, {index.n_people:,} people, decisions in {wb.decisions.path}")
    print(f"review: open {link}  (Ctrl+C to stop)")
    # access_log off: uvicorn's log line has the query string (names typed in searches)
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, log_level="warning",
                server_header=False)
    return 0


def cmd_learn(args) -> int:
    from reconcile.app.learn import learn_command

    return learn_command(args)


def cmd_decisions(args) -> int:
    from reconcile.decisions import DecisionError, Decisions

    try:
        d = Decisions.open(args.db)
        if args.action == "export":
            out = d.export(args.out)
            print(f"decisions export: {d.count():,} events -> {out}")
        else:
            added, skipped = d.import_events(args.file)
            print(f"decisions import: {added:,} events added, {skipped:,} already there -> {d.path}")
    except DecisionError as exc:
        print(f"reconcile decisions: {exc}", file=sys.stderr)
        return 2
    return 0


def add_commands(sub, epilog: str = "") -> None:
    """Register `review`, `learn` and `decisions` on the main parser's sub-parsers (`epilog`: the main
    command line's exit-code text, so every command explains itself the same way)."""
    from argparse import RawDescriptionHelpFormatter as fmt

    from reconcile.io import DEFAULT_ERRORS, ERROR_POLICIES

    s = sub.add_parser("review", help="local review app, JSON API and Reconciliation API (127.0.0.1)",
                       description="Serve the officers' review app, a JSON API and the W3C Reconciliation "
                                   "Service API 0.2 on this machine. Needs the app extra: "
                                   "pip install \"reconcile[app]\".", epilog=epilog, formatter_class=fmt)
    s.add_argument("--index", required=True, metavar="INDEX",
                   help="the index folder written by reconcile index (required)")
    s.add_argument("--claims", default=None, metavar="CLAIMS",
                   help="claims to review: .jsonl, .json or the flat .csv form (default: none; the desk form "
                        "and the APIs still answer)")
    s.add_argument("--on-bad-rows", choices=ERROR_POLICIES, default=DEFAULT_ERRORS,
                   help="what to do with a bad claim row: coerce (keep it, bad cells unknown), skip "
                        f"(leave it out) or raise (refuse the file); default: {DEFAULT_ERRORS}")
    s.add_argument("--db", default="decisions.db", metavar="DB",
                   help="the SQLite decision log, created if missing (default: decisions.db)")
    s.add_argument("--host", default="127.0.0.1", metavar="HOST",
                   help="address to listen on (default: 127.0.0.1, this machine only; any other address "
                        "needs --token)")
    s.add_argument("--port", type=int, default=8765, metavar="N", help="TCP port (default: 8765)")
    s.add_argument("--token", default=None, metavar="TOKEN",
                   help="access token of 16 or more characters, required to listen beyond 127.0.0.1 "
                        "(default: none, or the RECONCILE_TOKEN environment variable)")
    s.add_argument("--max-body", type=int, default=1_000_000, metavar="BYTES",
                   help="largest request body accepted, in bytes; larger requests get 413 (default: 1000000)")
    s.add_argument("--lang", default="vi", choices=["vi", "en"],
                   help="language of the pages and evidence: vi (Vietnamese) or en (English) (default: vi)")
    s.add_argument("-q", "--quiet", action="store_true",
                   help="no progress lines while the claims are scored at start (default: progress on)")
    s.set_defaults(func=cmd_review)

    s = sub.add_parser("learn", help="re-estimate the model from officers' decisions (writes only if better)",
                       description="Re-estimate m-probabilities and the calibration from confirmed and rejected "
                                   "pairs, check them on held-out decisions and write them into the index only "
                                   "when held-out log loss improves.", epilog=epilog, formatter_class=fmt)
    s.add_argument("--db", required=True, metavar="DB", help="the decision log written by reconcile review (required)")
    s.add_argument("--index", required=True, metavar="INDEX",
                   help="the index folder whose parameters are re-estimated (required)")
    s.add_argument("--claims", default=None, metavar="CLAIMS",
                   help="the claims the decisions were made on (default: the claims file review served)")
    s.add_argument("--folds", type=int, default=5, metavar="N",
                   help="cross-validation folds over decided claims (default: 5)")
    s.add_argument("--seed", type=int, default=0, metavar="N",
                   help="random seed of the fold split; the same seed gives the same result (default: 0)")
    s.add_argument("--dry-run", action="store_true",
                   help="print what would change and never write the index (default: write when better)")
    s.add_argument("-q", "--quiet", action="store_true",
                   help="print only the decision to write or not (default: every parameter's move)")
    s.set_defaults(func=cmd_learn)

    s = sub.add_parser("decisions", help="export or import the decision log (pool offices' decisions)",
                       description="Export every decision event, or append another office's export.",
                       epilog=epilog, formatter_class=fmt)
    dsub = s.add_subparsers(dest="action", required=True, metavar="ACTION",
                            help="export (write the log to .csv or .parquet) or import (append an export)")
    e = dsub.add_parser("export", help="write every decision event to .csv or .parquet")
    e.add_argument("--db", required=True, metavar="DB", help="the decision log to read (required)")
    e.add_argument("--out", required=True, metavar="OUT", help="output file, .csv or .parquet (required)")
    e.set_defaults(func=cmd_decisions)
    i = dsub.add_parser("import", help="append another office's export (duplicates skipped)")
    i.add_argument("file", metavar="FILE", help="an export written by reconcile decisions export (.csv or .parquet)")
    i.add_argument("--db", required=True, metavar="DB", help="the decision log to append to (required)")
    i.set_defaults(func=cmd_decisions)
