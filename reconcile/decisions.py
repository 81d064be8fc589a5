"""Officers' decisions: an append-only log in SQLite, its current state, and how it changes results.

Owns
- `Decisions`: the store (`Decisions.open(path)`). One table `events` that is only ever appended to
  (triggers refuse UPDATE and DELETE): who, when, claim_id, person_id, decision, outcome, place, note,
  the index checksum and model version the officer saw, and a random `uid` so offices can pool logs
  (`export` / `import_events`, duplicates skipped by uid). Undo is a new event (`decision="undo"`,
  `undoes=<uid>`), never an edit. Views `effective_events` and `pair_state` give the current state in
  SQL; `state()` replays the effective events in order (the one authority used by match/leads/report).
- Why SQLite: it is in the standard library, one file per office, WAL lets readers and one writer work
  at once, `BEGIN IMMEDIATE` transactions with a busy timeout serialise writers from several processes,
  and nothing else is needed for thousands of events.
- `apply_to_matches(matches, decisions)`: rejected (claim, person) pairs dropped and the rest
  renormalised (with "none of them"), `confirmed_for` marks a person confirmed for another claim, a
  decided claim shows its decision (`decision` column) instead of candidates.
- `apply_to_leads(leads, decisions)`: the same rules for `self` leads, `decision` column per claim.

Decisions are keyed by claim_id and person_id only (never by row position), so they survive index
rebuilds and new register versions. No personal data is logged; only ids and officers' text are stored.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from reconcile.io.write import write_frame

# Decisions an officer can record (and what each means in `state()`)
DECISIONS = ("confirm", "reject", "none", "unsure", "lead", "note", "undo")
LEAD_OUTCOMES = ("known", "unknown", "relative_confirmed")
EVENT_COLUMNS = ("uid", "at", "officer", "claim_id", "person_id", "decision", "outcome", "place", "note",
                 "undoes", "index_checksum", "model_version")
MAX_TEXT = 2000          # characters kept of a note / officer / place
BUSY_TIMEOUT_MS = 30_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  uid TEXT NOT NULL UNIQUE,
  at TEXT NOT NULL,
  officer TEXT NOT NULL,
  claim_id TEXT NOT NULL,
  person_id TEXT,
  decision TEXT NOT NULL CHECK (decision IN ('confirm','reject','none','unsure','lead','note','undo')),
  outcome TEXT,
  place TEXT,
  note TEXT,
  undoes TEXT,
  index_checksum TEXT,
  model_version TEXT
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE INDEX IF NOT EXISTS events_claim ON events (claim_id);
CREATE INDEX IF NOT EXISTS events_undoes ON events (undoes);
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'decisions are append-only: record a new decision (undo) instead'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'decisions are append-only: record a new decision (undo) instead'); END;
CREATE VIEW IF NOT EXISTS effective_events AS
  SELECT * FROM events e WHERE e.decision != 'undo'
    AND NOT EXISTS (SELECT 1 FROM events u WHERE u.decision = 'undo' AND u.undoes = e.uid);
CREATE VIEW IF NOT EXISTS pair_state AS
  SELECT e.claim_id, e.person_id, e.decision, e.officer, e.at, e.note, e.uid FROM effective_events e
  WHERE e.person_id IS NOT NULL AND e.decision IN ('confirm','reject','unsure')
    AND e.id = (SELECT max(f.id) FROM effective_events f WHERE f.claim_id = e.claim_id
                AND f.person_id = e.person_id AND f.decision IN ('confirm','reject','unsure'));
"""


class DecisionError(ValueError):
    """A decision that cannot be recorded (names the field and the fix)."""


@dataclass(frozen=True)
class State:
    """Current state replayed from the effective events.

    `verdict`: claim_id -> ("confirm", person_id) | ("none", None);
    `rejected`: set of (claim_id, person_id); `unsure`: set of claim_ids marked unsure (no verdict);
    `leads`: claim_id -> list of lead outcomes (dicts); `notes`: claim_id -> list of notes (dicts)."""

    verdict: dict
    rejected: frozenset
    unsure: frozenset
    leads: dict
    notes: dict


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _clean(value, field: str, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise DecisionError(f"decision: {field} is required. Fix: give a non-empty {field}")
        return None
    text = str(value).strip()
    if "\x00" in text:
        raise DecisionError(f"decision: {field} contains a NUL character. Fix: remove it")
    return text[:MAX_TEXT]


def index_fingerprint(index) -> tuple[str | None, str | None]:
    """(index checksum, model version) of an index: short SHA-256 of its file checksums and of its
    model parameters, recorded with each decision so later readers know what the officer saw."""
    if index is None:
        return None, None
    files = (getattr(index, "manifest", None) or {}).get("files") or {}
    ck = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16] if files else None
    params = getattr(index, "params", None) or {}
    mv = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return ck, mv


class Decisions:
    """The append-only decision store in one SQLite file (see the module docstring)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    # -- opening and connections ---------------------------------------------------------------
    @classmethod
    def open(cls, path: str | os.PathLike) -> "Decisions":
        """Open (creating if needed) a decision database; WAL mode, schema and views in place."""
        d = cls(path)
        d.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(d.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise DecisionError(f"{d.path}: not a decision database ({exc}). Fix: give the path of a "
                                "decisions.db written by `reconcile review`, or a new file name") from None
        finally:
            con.close()
        return d

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        con.execute("PRAGMA synchronous=NORMAL")
        return con

    # -- writing -------------------------------------------------------------------------------
    def record(self, claim_id: str, decision: str, officer: str, person_id: str | None = None, *,
               note: str | None = None, outcome: str | None = None, place: str | None = None,
               undoes: str | None = None, index=None, index_checksum: str | None = None,
               model_version: str | None = None) -> dict:
        """Append one decision and return it as a dict (with its `uid`). Raises DecisionError."""
        return self.record_many([dict(claim_id=claim_id, decision=decision, officer=officer,
                                      person_id=person_id, note=note, outcome=outcome, place=place,
                                      undoes=undoes, index_checksum=index_checksum,
                                      model_version=model_version)], index=index)[0]

    def record_many(self, events: list[dict], index=None) -> list[dict]:
        """Append several decisions in one transaction (all or none)."""
        ck, mv = index_fingerprint(index)
        rows = [self._validate(e, ck, mv) for e in events]
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            for r in rows:
                if r["decision"] == "undo":
                    hit = con.execute("SELECT claim_id, decision FROM events WHERE uid = ?",
                                      (r["undoes"],)).fetchone()
                    if hit is None or hit[1] == "undo" or hit[0] != r["claim_id"]:
                        con.execute("ROLLBACK")
                        raise DecisionError(f"undo: no decision {r['undoes']!r} on claim "
                                            f"{r['claim_id']!r} to undo. Fix: give the uid of a "
                                            "decision (not an undo) of this claim")
                con.execute(f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) VALUES "
                            f"({', '.join('?' * len(EVENT_COLUMNS))})", [r[c] for c in EVENT_COLUMNS])
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()
        return rows

    @staticmethod
    def _validate(e: dict, ck: str | None, mv: str | None) -> dict:
        decision = _clean(e.get("decision"), "decision", True)
        if decision not in DECISIONS:
            raise DecisionError(f"decision: {decision!r} is not one of {', '.join(DECISIONS)}. "
                                "Fix: use one of those")
        r = {"uid": _clean(e.get("uid"), "uid") or uuid.uuid4().hex, "at": _clean(e.get("at"), "at") or _now(),
             "officer": _clean(e.get("officer"), "officer (the officer's name)", True),
             "claim_id": _clean(e.get("claim_id"), "claim_id", True),
             "person_id": _clean(e.get("person_id"), "person_id"), "decision": decision,
             "outcome": _clean(e.get("outcome"), "outcome"), "place": _clean(e.get("place"), "place"),
             "note": _clean(e.get("note"), "note"), "undoes": _clean(e.get("undoes"), "undoes"),
             "index_checksum": _clean(e.get("index_checksum"), "index_checksum") or ck,
             "model_version": _clean(e.get("model_version"), "model_version") or mv}
        if decision in ("confirm", "reject") and not r["person_id"]:
            raise DecisionError(f"{decision}: person_id is required. Fix: say which candidate")
        if decision == "undo" and not r["undoes"]:
            raise DecisionError("undo: undoes (the uid of the decision to undo) is required")
        if decision == "lead" and r["outcome"] not in LEAD_OUTCOMES:
            raise DecisionError(f"lead: outcome {r['outcome']!r} is not one of {', '.join(LEAD_OUTCOMES)}. "
                                "Fix: use one of those")
        return r

    def set_meta(self, key: str, value: str) -> None:
        """Remember a setting (e.g. `claims`: the claims file the decisions are about)."""
        con = self._connect()
        try:
            con.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                        "value = excluded.value", (key, value))
        finally:
            con.close()

    def get_meta(self, key: str) -> str | None:
        con = self._connect()
        try:
            row = con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        finally:
            con.close()
        return row[0] if row else None

    # -- reading -------------------------------------------------------------------------------
    def events(self, claim_id: str | None = None) -> pl.DataFrame:
        """Every event (undos included) in the order recorded; one claim's when `claim_id` is given."""
        con = self._connect()
        try:
            sql = f"SELECT id, {', '.join(EVENT_COLUMNS)} FROM events"
            args: tuple = ()
            if claim_id is not None:
                sql += " WHERE claim_id = ?"
                args = (claim_id,)
            rows = con.execute(sql + " ORDER BY id", args).fetchall()
        finally:
            con.close()
        schema = {"id": pl.Int64, **{c: pl.Utf8 for c in EVENT_COLUMNS}}
        return pl.DataFrame(rows, schema=schema, orient="row")

    def count(self) -> int:
        con = self._connect()
        try:
            return int(con.execute("SELECT count(*) FROM events").fetchone()[0])
        finally:
            con.close()

    def state(self) -> State:
        """Replay the effective events (not undone, not undos) in order; see `State`."""
        ev = self.events()
        undone = set(ev.filter(pl.col("decision") == "undo")["undoes"].to_list())
        verdict: dict = {}
        rejected: set = set()
        unsure: set = set()
        leads: dict = {}
        notes: dict = {}
        for r in ev.filter((pl.col("decision") != "undo") & ~pl.col("uid").is_in(list(undone))).iter_rows(named=True):
            c, p, d = r["claim_id"], r["person_id"], r["decision"]
            if r["note"]:
                notes.setdefault(c, []).append({k: r[k] for k in ("at", "officer", "decision", "person_id", "note")})
            if d == "confirm":
                verdict[c] = ("confirm", p)
                rejected.discard((c, p))
                unsure.discard(c)
            elif d == "reject":
                rejected.add((c, p))
                if verdict.get(c) == ("confirm", p):
                    del verdict[c]
            elif d == "none":
                verdict[c] = ("none", None)
                unsure.discard(c)
            elif d == "unsure":
                if p is None:
                    verdict.pop(c, None)
                    unsure.add(c)
                else:
                    rejected.discard((c, p))
            elif d == "lead":
                leads.setdefault(c, []).append({k: r[k] for k in ("at", "officer", "outcome", "place",
                                                                  "person_id", "note")})
        return State(verdict, frozenset(rejected), frozenset(unsure), leads, notes)

    def rejected_pairs(self) -> pl.DataFrame:
        """(claim_id, person_id) pairs an officer said are not the same person."""
        rows = sorted(self.state().rejected)
        return pl.DataFrame(rows, schema={"claim_id": pl.Utf8, "person_id": pl.Utf8}, orient="row")

    def confirmed(self) -> pl.DataFrame:
        """(claim_id, person_id) of claims confirmed as a registered person."""
        rows = sorted((c, v[1]) for c, v in self.state().verdict.items() if v[0] == "confirm")
        return pl.DataFrame(rows, schema={"claim_id": pl.Utf8, "person_id": pl.Utf8}, orient="row")

    def verdicts(self) -> pl.DataFrame:
        """claim_id, decision ("confirm" | "none"), person_id for every decided claim."""
        rows = sorted((c, v[0], v[1]) for c, v in self.state().verdict.items())
        return pl.DataFrame(rows, schema={"claim_id": pl.Utf8, "decision": pl.Utf8, "person_id": pl.Utf8},
                            orient="row")

    # -- pooling between offices -----------------------------------------------------------------
    def export(self, out: str | os.PathLike) -> Path:
        """Write every event (undos included) to .csv or .parquet; import elsewhere with `import_events`."""
        out = Path(out)
        ev = self.events().drop("id")
        if out.suffix.lower() not in (".parquet", ".csv"):
            raise DecisionError(f"{out}: unknown export format. Fix: name the file .csv or .parquet")
        write_frame(ev, out)
        return out

    def import_events(self, path: str | os.PathLike) -> tuple[int, int]:
        """Append the events of an export (another office's); those already here (same uid) are
        skipped. Returns (added, skipped). The whole file goes in one transaction."""
        path = Path(path)
        if path.suffix.lower() == ".parquet":
            ev = pl.read_parquet(path)
        elif path.suffix.lower() == ".csv":
            ev = pl.read_csv(path, infer_schema=False)
        else:
            raise DecisionError(f"{path}: unknown format. Fix: give a .csv or .parquet export")
        missing = [c for c in ("uid", "at", "officer", "claim_id", "decision") if c not in ev.columns]
        if missing:
            raise DecisionError(f"{path}: columns {missing} missing. Fix: import a file written by "
                                "`reconcile decisions export`")
        have = set(self.events()["uid"].to_list())
        rows = []
        for k, r in enumerate(ev.iter_rows(named=True), start=2):
            if r["uid"] in have:
                continue
            try:
                rows.append({c: (None if r.get(c) is None else str(r.get(c))) for c in EVENT_COLUMNS})
                self._validate(rows[-1], None, None)
            except DecisionError as exc:
                raise DecisionError(f"{path}, row {k}: {exc}") from None
            have.add(r["uid"])
        # undos whose target is in the same file come after it (export order), so one pass is enough
        if rows:
            self.record_many(rows)
        return len(rows), ev.height - len(rows)


# ------------------------------------------------------------------------------------------------
# Applying decisions to results (pure functions on frames)
# ------------------------------------------------------------------------------------------------

def as_decisions(decisions) -> Decisions | None:
    """A `Decisions` from a path or a Decisions (None stays None)."""
    if decisions is None or isinstance(decisions, Decisions):
        return decisions
    path = Path(decisions)
    if not path.exists():
        raise DecisionError(f"{path}: no decision database there. Fix: give the decisions.db that "
                            "`reconcile review --db` wrote")
    return Decisions.open(path)


def _verdict_frame(state: State) -> pl.DataFrame:
    rows = [(c, v[0], v[1]) for c, v in state.verdict.items()]
    return pl.DataFrame(rows, schema={"claim_id": pl.Utf8, "decision": pl.Utf8, "decided_person_id": pl.Utf8},
                        orient="row")


def _confirmed_for(state: State) -> pl.DataFrame:
    rows = {}
    for c, v in sorted(state.verdict.items()):
        if v[0] == "confirm":
            rows.setdefault(v[1], c)
    return pl.DataFrame(list(rows.items()), schema={"person_id": pl.Utf8, "confirmed_for": pl.Utf8},
                        orient="row")


def apply_to_matches(matches: pl.DataFrame, decisions) -> pl.DataFrame:
    """`match` output with the decisions applied (same columns plus `decision`, `confirmed_for`).

    - a rejected (claim, person) pair is dropped; the claim's remaining probabilities and `p_none`
      are renormalised to sum to one again, and ranks renumbered;
    - `confirmed_for`: the claim a person was confirmed for, when that is another claim;
    - a claim with a verdict keeps one row: the confirmed person (probability 1, p_none 0) or, for
      "none of them", no candidate rows at all; `decision` says which ("confirm" / "none", else null)."""
    d = as_decisions(decisions)
    if d is None:
        return matches
    state = d.state()
    rej = pl.DataFrame(sorted(state.rejected), schema={"claim_id": pl.Utf8, "person_id": pl.Utf8},
                       orient="row")
    out = matches.join(rej, on=["claim_id", "person_id"], how="anti") if rej.height else matches
    if out.height:
        kept = pl.col("probability").sum().over("claim_id") + pl.col("p_none")
        out = out.with_columns((pl.col("probability") / kept).alias("probability"),
                               (pl.col("p_none") / kept).alias("p_none"))
    verdict = _verdict_frame(state)
    out = out.join(verdict, on="claim_id", how="left")
    out = out.filter(pl.col("decision").is_null()
                     | ((pl.col("decision") == "confirm") & (pl.col("person_id") == pl.col("decided_person_id"))))
    out = out.with_columns(
        pl.when(pl.col("decision") == "confirm").then(1.0).otherwise(pl.col("probability")).alias("probability"),
        pl.when(pl.col("decision") == "confirm").then(0.0).otherwise(pl.col("p_none")).alias("p_none"))
    out = out.join(_confirmed_for(state), on="person_id", how="left").with_columns(
        pl.when(pl.col("confirmed_for") == pl.col("claim_id")).then(None)
        .otherwise(pl.col("confirmed_for")).alias("confirmed_for"))
    if out.height:
        out = out.sort("claim_id", "rank").with_columns(
            pl.int_range(1, pl.len() + 1).over("claim_id").cast(pl.UInt32).alias("rank"))
    order = [c for c in matches.columns] + ["decision", "confirmed_for"]
    # keep the caller's claim order
    pos = matches.select("claim_id").unique(maintain_order=True).with_row_index("_o")
    return out.join(pos, on="claim_id", how="left").sort("_o", "rank").select(order)


def apply_to_leads(leads: pl.DataFrame, decisions) -> pl.DataFrame:
    """`leads` output with the decisions applied: `self` leads of rejected pairs dropped, a
    `decision` column per claim, `confirmed_for` on leads naming a person confirmed for another claim,
    and the `lead_outcome` the officers recorded for a lead's place (latest per claim and place)."""
    d = as_decisions(decisions)
    if d is None:
        return leads
    state = d.state()
    rej = pl.DataFrame(sorted(state.rejected), schema={"claim_id": pl.Utf8, "person_id": pl.Utf8},
                       orient="row").with_columns(pl.lit("self").alias("kind"))
    out = leads.with_row_index("_row")
    out = out.join(rej, on=["claim_id", "kind", "person_id"], how="anti") if rej.height else out
    out = out.join(_verdict_frame(state).select("claim_id", "decision"), on="claim_id", how="left")
    out = out.join(_confirmed_for(state), on="person_id", how="left").with_columns(
        pl.when(pl.col("confirmed_for") == pl.col("claim_id")).then(None)
        .otherwise(pl.col("confirmed_for")).alias("confirmed_for"))
    outcomes = {}
    for c, ls in state.leads.items():
        for lead in ls:
            outcomes[(c, lead["place"] or lead["person_id"] or "")] = lead["outcome"]
    oc = pl.DataFrame([(c, k, v) for (c, k), v in outcomes.items()],
                      schema={"claim_id": pl.Utf8, "_key": pl.Utf8, "lead_outcome": pl.Utf8}, orient="row")
    out = (out.with_columns(pl.coalesce(pl.col("place"), pl.col("person_id"), pl.lit("")).alias("_key"))
           .join(oc, on=["claim_id", "_key"], how="left").drop("_key").sort("_row").drop("_row"))
    if out.height:
        out = out.with_columns(pl.int_range(1, pl.len() + 1).over("claim_id").cast(pl.UInt32).alias("rank"))
    return out
