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
                        progress=not args.quiet)
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


def add_commands(sub) -> None:
    """Register `review`, `learn` and `decisions` on the main parser's sub-parsers."""
    s = sub.add_parser("review", help="local review app, JSON API and Reconciliation API (127.0.0.1)")
    s.add_argument("--index", required=True)
    s.add_argument("--claims", default=None, help="claims to review (csv/jsonl); optional")
    s.add_argument("--db", default="decisions.db", help="decision database (created if missing)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8765)
    s.add_argument("--token", default=None, help="required to bind beyond 127.0.0.1 (or RECONCILE_TOKEN)")
    s.add_argument("--max-body", type=int, default=1_000_000, help="largest request body in bytes")
    s.add_argument("--lang", default="vi", choices=["vi", "en"])
    s.add_argument("-q", "--quiet", action="store_true")
    s.set_defaults(func=cmd_review)

    s = sub.add_parser("learn", help="re-estimate the model from officers' decisions (writes only if better)")
    s.add_argument("--db", required=True)
    s.add_argument("--index", required=True)
    s.add_argument("--claims", default=None,
                   help="the claims the decisions were made on (default: those `review` served)")
    s.add_argument("--folds", type=int, default=5, help="cross-validation folds of decided claims")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--dry-run", action="store_true", help="report only; never write the index")
    s.add_argument("-q", "--quiet", action="store_true")
    s.set_defaults(func=cmd_learn)

    s = sub.add_parser("decisions", help="export or import the decision log (pool offices' decisions)")
    dsub = s.add_subparsers(dest="action", required=True)
    e = dsub.add_parser("export", help="write every decision event to .csv or .parquet")
    e.add_argument("--db", required=True)
    e.add_argument("--out", required=True)
    e.set_defaults(func=cmd_decisions)
    i = dsub.add_parser("import", help="append another office's export (duplicates skipped)")
    i.add_argument("file")
    i.add_argument("--db", required=True)
    i.set_defaults(func=cmd_decisions)
