"""The workbench's data side: the index, the batch of claims with their candidates and leads, the
decisions, and the one function that answers one claim (`answer_one`).

Owns
- `answer_one(claim, matcher, top_k, lang)`: THE one-claim query used by the form and the JSON API
  (`Matcher.query`: the scalar encoding, milliseconds on a warm matcher); `answer_many(claims, matcher,
  top_k, lang)` the same for a few claim dicts in one call (the batch API and the Reconciliation API).
  The `Workbench` keeps one warm `engine.Matcher` per index (`Workbench.matcher`), never one per request.
- `Workbench`: claims + their `match`/`leads` computed once (and kept as parquet in `<db>.results/`,
  named by the hash of the claims file, index and model: a restart reads them back), the queue (status per claim,
  folded search text, commune), and views of one claim with the decisions applied at request time.
- `parse_claim(obj)`: a claim dict from untrusted JSON / form input, checked field by field
  (`ClaimInputError` names the field and the fix; the web layer turns it into a 400).
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

import reconcile as rc
from reconcile.io import DEFAULT_ERRORS, canonical_relation
from reconcile.io.write import write_frame
from reconcile.vn.text import fold_search as fold
from reconcile.io import RELATIONS as CLAIM_RELATIONS
from reconcile import decisions as dec
from reconcile.matching import OUTPUT_SCHEMA

RELATIONS = ("father", "mother", "spouse", "child", "sibling")   # the ones the form asks for
MAX_NAME = 200
MAX_RELATIVES = 30
MAX_ALIASES = 10


class ClaimInputError(ValueError):
    """A claim from a form or an API call that cannot be read (names the field and the fix)."""


def answer_one(claim: dict, matcher, top_k: int = 10, lang: str = "vi") -> pl.DataFrame:
    """Candidates for one claim dict (the `match` columns) from a warm `engine.Matcher`."""
    return matcher.query(claim, top_k=top_k, lang=lang)


def answer_many(claims: list[dict], matcher, top_k: int = 10, lang: str = "vi") -> pl.DataFrame:
    """Candidates for a few claim dicts (the `match` columns, claims in order) in one scoring call."""
    if top_k < 1:
        raise ValueError(f"top_k must be at least 1 (got {top_k})")
    if not claims:
        return pl.DataFrame(schema=OUTPUT_SCHEMA)
    sp = matcher.score_dicts(claims)
    return matcher.frame(sp, sp.top(top_k), lang)


# ------------------------------------------------------------------------------------------------
# Untrusted claims
# ------------------------------------------------------------------------------------------------

def _text(obj: dict, key: str, limit: int = MAX_NAME) -> str | None:
    v = obj.get(key)
    if v is None:
        return None
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        v = str(v)
    if not isinstance(v, str):
        raise ClaimInputError(f"claim field {key!r} must be text, got {type(v).__name__}. Fix: send a string")
    v = unicodedata.normalize("NFC", v).strip()
    if "\x00" in v:
        raise ClaimInputError(f"claim field {key!r} contains a NUL character. Fix: remove it")
    if len(v) > limit:
        raise ClaimInputError(f"claim field {key!r} is longer than {limit} characters. Fix: shorten it")
    return v or None


def _int(obj: dict, key: str, lo: int, hi: int) -> int | None:
    v = obj.get(key)
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, bool):
        raise ClaimInputError(f"claim field {key!r} must be a number. Fix: send digits")
    try:
        n = int(float(v)) if isinstance(v, (int, float)) else int(str(v).strip())
    except (TypeError, ValueError):
        raise ClaimInputError(f"claim field {key!r} must be a whole number, got {str(v)[:40]!r}. "
                              "Fix: send digits only") from None
    if not lo <= n <= hi:
        raise ClaimInputError(f"claim field {key!r} must be between {lo} and {hi}, got {n}. Fix: check it")
    return n


def parse_claim(obj, claim_id: str = "Q-1") -> dict:
    """A claim dict (SPEC §2 keys) from untrusted input; raises ClaimInputError."""
    if not isinstance(obj, dict):
        raise ClaimInputError("a claim must be a JSON object. Fix: send {\"name\": ..., ...}")
    name = _text(obj, "name")
    out = {"claim_id": _text(obj, "claim_id", 100) or claim_id, "name": name,
           "sex": _text(obj, "sex", 10), "birth_year": _int(obj, "birth_year", 1880, 2100),
           "age": _int(obj, "age", 0, 130), "zodiac": _text(obj, "zodiac", 40),
           "ethnicity": _text(obj, "ethnicity", 60), "claimed_hometown": _text(obj, "claimed_hometown"),
           "residence": _text(obj, "residence")}
    if out["sex"] is not None:
        s = out["sex"].upper()
        s = {"NAM": "M", "NỮ": "F", "NU": "F", "MALE": "M", "FEMALE": "F"}.get(s, s)
        if s not in ("M", "F"):
            raise ClaimInputError(f"claim field 'sex' must be M or F (nam / nữ), got {out['sex'][:20]!r}. "
                                  "Fix: send M or F")
        out["sex"] = s
    aliases = obj.get("aliases") or []
    if isinstance(aliases, str):
        aliases = [a for a in aliases.split(";")]
    if not isinstance(aliases, list) or len(aliases) > MAX_ALIASES:
        raise ClaimInputError(f"claim field 'aliases' must be a list of at most {MAX_ALIASES} names. "
                              "Fix: send a list of strings")
    out["aliases"] = [a for a in (_text({"alias": a}, "alias") for a in aliases) if a]
    rels = obj.get("relatives") or []
    if not isinstance(rels, list) or len(rels) > MAX_RELATIVES:
        raise ClaimInputError(f"claim field 'relatives' must be a list of at most {MAX_RELATIVES} objects. "
                              "Fix: send [{\"relation\": \"father\", \"name\": ...}]")
    out_rels = []
    for k, r in enumerate(rels):
        if not isinstance(r, dict):
            raise ClaimInputError(f"relatives[{k}] must be an object with relation and name")
        written = _text(r, "relation", 40) or ""
        rel = canonical_relation(written)
        if rel == "other" and written.lower() != "other":
            raise ClaimInputError(f"relatives[{k}].relation {written[:20]!r} is not a relation reconcile "
                                  f"knows. Fix: use one of {', '.join(CLAIM_RELATIONS)} (or 'other')")
        rn = _text(r, "name")
        if rn:
            out_rels.append({"relation": rel, "name": rn, "birth_year": _int(r, "birth_year", 1850, 2100),
                             "relation_text": written})
    out["relatives"] = out_rels
    if not name and not out_rels:
        raise ClaimInputError("a claim needs a name or at least one relative's name. Fix: send 'name'")
    return out


# ------------------------------------------------------------------------------------------------
# Batch results kept on disk next to the decisions (a restart does not recompute them)
# ------------------------------------------------------------------------------------------------

def _results_cache(store: dec.Decisions, claims, index, lang: str, config: "QueueConfig"):
    """(matches, leads) parquet paths in `<db>.results/`, named by a hash of the claims file's bytes,
    the index checksum and model version, the language, the top-k settings and the library version;
    None when the claims are not a file."""
    import hashlib
    import json

    if not isinstance(claims, (str, os.PathLike)):
        return None
    h = hashlib.sha256(Path(claims).read_bytes())
    h.update(json.dumps([dec.index_fingerprint(index), lang, config.top_k, config.leads_top_k,
                         rc.__version__]).encode())
    key = h.hexdigest()[:24]
    folder = store.path.with_name(store.path.name + ".results")
    return folder / f"{key}.matches.parquet", folder / f"{key}.leads.parquet"


# ------------------------------------------------------------------------------------------------
# The batch of claims behind the queue
# ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QueueConfig:
    """Thresholds for the queue piles (same meaning as the report's)."""

    likely: float = 0.80       # top candidate at least this probable -> likely match
    relatives: float = 0.20    # else a relative/household lead at least this probable -> verify via relatives
    top_k: int = 10
    leads_top_k: int = 20
    page_size: int = 100
    max_page: int = 500


_UNIT = re.compile(r"(?i)\b(xã|phường|thị trấn)\s+[^,]+")


def commune_of(residence: str | None) -> str | None:
    """The commune part of an address ("xã Cư Prao"), or None."""
    if not residence:
        return None
    m = _UNIT.search(unicodedata.normalize("NFC", residence))
    return m.group(0).strip() if m else None


def score_batch(claims: pl.DataFrame, index, config: QueueConfig, lang: str = "vi", progress=None
                ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(`match`, `leads`) of the queue's claims, each batch scored once (`batches.match_and_leads`)."""
    from reconcile.batches import match_and_leads

    return match_and_leads(claims, index, top_k=config.top_k, leads_top_k=config.leads_top_k, lang=lang,
                           progress=progress)


@dataclass
class Workbench:
    """Index, claims, their batch results and the decision store, shared by every request."""

    index: object
    claims: pl.DataFrame
    matches: pl.DataFrame
    leads: pl.DataFrame
    decisions: dec.Decisions
    config: QueueConfig = field(default_factory=QueueConfig)
    queue: pl.DataFrame = field(init=False)
    matcher: object = field(init=False, repr=False)     # one warm engine.Matcher for this index
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self):
        self.queue = self._build_queue()
        self.matcher = rc.Matcher(self.index)

    @classmethod
    def build(cls, index, claims=None, db=None, lang: str = "vi", config: QueueConfig | None = None,
              progress=None, errors: str | None = None) -> "Workbench":
        """Load claims (path, frame or None; `errors` is read_claims' bad-row policy, io's default when
        None), compute their candidates and leads once."""
        config = config or QueueConfig()
        if claims is None:
            cf = pl.DataFrame(schema={"claim_id": pl.Utf8, "name": pl.Utf8})
            matches = pl.DataFrame(schema=OUTPUT_SCHEMA)
            leads = pl.DataFrame(schema={"claim_id": pl.Utf8, "rank": pl.UInt32, "kind": pl.Utf8,
                                         "person_id": pl.Utf8, "household_id": pl.Utf8, "place": pl.Utf8,
                                         "relation": pl.Utf8, "probability": pl.Float64, "reason": pl.Utf8,
                                         "full_name": pl.Utf8})
        store = db if isinstance(db, dec.Decisions) else dec.Decisions.open(db or "decisions.db")
        if claims is not None:
            cf = claims if isinstance(claims, pl.DataFrame) else rc.read_claims(
                claims, errors=errors or DEFAULT_ERRORS)
            cache = _results_cache(store, claims, index, lang, config)
            if cache is not None and all(p.exists() for p in cache):
                matches, leads = pl.read_parquet(cache[0]), pl.read_parquet(cache[1])
            else:
                matches, leads = score_batch(cf, index, config, lang, progress)
                if cache is not None:
                    write_frame(matches, cache[0])
                    write_frame(leads, cache[1])
        if isinstance(claims, (str, os.PathLike)):
            store.set_meta("claims", str(Path(claims).resolve()))
        return cls(index=index, claims=cf, matches=matches, leads=leads, decisions=store, config=config)

    def _build_queue(self) -> pl.DataFrame:
        c = self.claims
        for col, t in (("residence", pl.Utf8), ("claimed_hometown", pl.Utf8), ("name", pl.Utf8)):
            if col not in c.columns:
                c = c.with_columns(pl.lit(None, dtype=t).alias(col))
        top = (self.matches.filter(pl.col("rank") == 1)
               .select("claim_id", pl.col("probability").alias("top_p"), pl.col("full_name").alias("top_name")))
        kin = (self.leads.filter(pl.col("kind").is_in(["relative", "household"])
                                 & (pl.col("probability").fill_null(0.0) >= self.config.relatives))
               .select("claim_id").unique().with_columns(pl.lit(True).alias("_kin")))
        q = (c.select("claim_id", "name", "residence", "claimed_hometown").with_row_index("pos")
             .join(top, on="claim_id", how="left", maintain_order="left")
             .join(kin, on="claim_id", how="left", maintain_order="left")
             .with_columns(
                 pl.when(pl.col("top_p") >= self.config.likely).then(pl.lit("likely"))
                 .when(pl.col("_kin").fill_null(False)).then(pl.lit("relatives"))
                 .otherwise(pl.lit("none")).alias("model_status"))
             .drop("_kin"))
        names = q["name"].to_list()
        res = q["residence"].to_list()
        q = q.with_columns(
            pl.Series("commune", [commune_of(r) for r in res], dtype=pl.Utf8),
            pl.Series("search", [fold(f"{cid} {n or ''} {r or ''}") for cid, n, r in
                                 zip(q["claim_id"].to_list(), names, res)], dtype=pl.Utf8))
        return q

    # -- queue -----------------------------------------------------------------------------------
    def communes(self) -> list[str]:
        return sorted(x for x in self.queue["commune"].unique().to_list() if x)

    def queue_rows(self, status: str | None = None, q: str | None = None, commune: str | None = None,
                   offset: int = 0, limit: int = 100) -> tuple[int, list[dict], dict]:
        """(total matching, one page of rows, counts per status) with the decisions applied."""
        verdicts = self.decisions.verdicts()
        df = self.queue.join(verdicts.select("claim_id", pl.col("decision").alias("verdict"),
                                             pl.col("person_id").alias("verdict_person")),
                             on="claim_id", how="left", maintain_order="left").with_columns(
            pl.when(pl.col("verdict").is_not_null()).then(pl.lit("decided"))
            .otherwise(pl.col("model_status")).alias("status"))
        if commune:
            df = df.filter(pl.col("commune") == commune)
        if q:
            for term in fold(q).split():
                df = df.filter(pl.col("search").str.contains(term, literal=True))
        counts = dict(df.group_by("status").len().iter_rows())
        if status:
            df = df.filter(pl.col("status") == status)
        total = df.height
        page = df.slice(offset, limit).select("claim_id", "name", "commune", "residence", "status",
                                              "top_p", "top_name", "verdict", "verdict_person")
        return total, page.to_dicts(), {s: int(counts.get(s, 0)) for s in
                                        ("likely", "relatives", "none", "decided")}

    # -- one claim ------------------------------------------------------------------------------
    def claim(self, claim_id: str) -> dict | None:
        hit = self.claims.filter(pl.col("claim_id") == claim_id)
        if hit.height == 0:
            return None
        row = hit.row(0, named=True)
        row.pop("_row", None)
        return row

    def candidates(self, claim_id: str, with_decisions: bool = True) -> pl.DataFrame:
        m = self.matches.filter(pl.col("claim_id") == claim_id)
        return dec.apply_to_matches(m, self.decisions) if with_decisions else m

    def claim_leads(self, claim_id: str) -> pl.DataFrame:
        return dec.apply_to_leads(self.leads.filter(pl.col("claim_id") == claim_id), self.decisions)

    def neighbours(self, claim_id: str) -> tuple[str | None, str | None]:
        ids = self.queue["claim_id"]
        pos = self.queue.filter(pl.col("claim_id") == claim_id)["pos"]
        if pos.len() == 0:
            return None, None
        i = int(pos[0])
        return (ids[i - 1] if i > 0 else None), (ids[i + 1] if i + 1 < len(ids) else None)

    def person(self, person_id: str) -> dict | None:
        people = self.index.people
        cols = [c for c in ("person_id", "full_name", "sex", "birth_date", "p_birth_year", "ethnicity",
                            "hometown", "residence", "household_id", "relation_to_head", "father_name",
                            "mother_name", "spouse_name") if c in people.columns]
        hit = people.filter(pl.col("person_id") == person_id).select(cols)
        return hit.row(0, named=True) if hit.height else None

    def suggest_people(self, prefix: str, limit: int = 10, cursor: int = 0) -> list[dict]:
        """People whose folded full name starts with the folded prefix (or whose id is the prefix)."""
        key = fold(prefix)
        if not key:
            return []
        people = self.index.people
        folded = self._folded_names()
        mask = folded.str.starts_with(key) | (people["person_id"] == prefix.strip())
        hit = people.filter(mask).slice(cursor, limit)
        cols = [c for c in ("person_id", "full_name", "p_birth_year", "residence") if c in hit.columns]
        return hit.select(cols).to_dicts()

    def _folded_names(self) -> pl.Series:
        with self._lock:
            cache = getattr(self, "_folded", None)
            if cache is None:
                names = self.index.people["full_name"]
                uniq = names.unique()
                mapping = dict(zip(uniq.to_list(), (fold(x) for x in uniq.to_list())))
                cache = names.replace_strict(mapping, return_dtype=pl.Utf8)
                self._folded = cache
            return cache
