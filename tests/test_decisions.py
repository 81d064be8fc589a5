"""The decision store: append-only, undo as a new event, state replay, pooling, concurrent writers,
and how decisions change `match` / `leads` output."""

from __future__ import annotations

import functools
import multiprocessing as mp
import sqlite3
import warnings
from pathlib import Path

import polars as pl
import pytest

from reconcile.decisions import (DecisionError, Decisions, apply_to_leads, apply_to_matches)


SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@functools.lru_cache(maxsize=1)
def sample_index_claims(n_claims: int = 60):
    """The bundled sample register (3,000 people) as an index, and its first claims (shared by the
    app tests through this cache)."""
    import reconcile as rc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        index = rc.build_index(rc.read_population(SAMPLES / "population.csv"))
        claims = rc.read_claims(SAMPLES / "claims.jsonl").head(n_claims)
    return index, claims


@pytest.fixture()
def small_index_and_claims():
    return sample_index_claims()


@pytest.fixture()
def db(tmp_path):
    return Decisions.open(tmp_path / "d.db")


def _matches():
    return pl.DataFrame({
        "claim_id": ["C-1", "C-1", "C-2", "C-2", "C-3"],
        "rank": pl.Series([1, 2, 1, 2, 1], dtype=pl.UInt32),
        "person_id": ["P1", "P2", "P1", "P3", "P2"],
        "probability": [0.5, 0.3, 0.6, 0.2, 0.9],
        "p_none": [0.2, 0.2, 0.2, 0.2, 0.1],
    })


def test_append_only_and_undo(db):
    e = db.record("C-1", "confirm", "Cán bộ A", person_id="P1", note="gọi xã X")
    assert db.state().verdict == {"C-1": ("confirm", "P1")}
    con = sqlite3.connect(db.path, isolation_level=None)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE events SET decision = 'reject'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM events")
    con.close()
    db.record("C-1", "undo", "Cán bộ A", undoes=e["uid"])
    assert db.state().verdict == {}
    assert db.count() == 2                      # the undo is a new event; nothing was edited
    with pytest.raises(DecisionError, match="undo"):
        db.record("C-2", "undo", "A", undoes=e["uid"])      # another claim's decision


def test_validation(db):
    with pytest.raises(DecisionError, match="officer"):
        db.record("C-1", "confirm", "", person_id="P1")
    with pytest.raises(DecisionError, match="person_id"):
        db.record("C-1", "reject", "A")
    with pytest.raises(DecisionError, match="not one of"):
        db.record("C-1", "approve", "A", person_id="P1")
    with pytest.raises(DecisionError, match="outcome"):
        db.record("C-1", "lead", "A", outcome="maybe")
    assert db.count() == 0


def test_state_rules(db):
    db.record("C-1", "confirm", "A", person_id="P1")
    db.record("C-1", "reject", "A", person_id="P1")        # a later rejection clears the confirmation
    db.record("C-2", "none", "A")
    db.record("C-3", "unsure", "A")
    db.record("C-4", "lead", "A", outcome="known", place="xã Cư Prao")
    st = db.state()
    assert st.verdict == {"C-2": ("none", None)}
    assert ("C-1", "P1") in st.rejected
    assert st.unsure == {"C-3"}
    assert st.leads["C-4"][0]["outcome"] == "known"
    # the SQL view agrees on the latest pair decision
    rows = sqlite3.connect(db.path).execute("SELECT claim_id, person_id, decision FROM pair_state").fetchall()
    assert rows == [("C-1", "P1", "reject")]


def test_apply_to_matches(db):
    db.record("C-1", "confirm", "A", person_id="P1")
    db.record("C-2", "reject", "A", person_id="P1")
    out = apply_to_matches(_matches(), db)
    c1 = out.filter(pl.col("claim_id") == "C-1")
    assert c1["person_id"].to_list() == ["P1"] and c1["decision"].to_list() == ["confirm"]
    assert c1["probability"].to_list() == [1.0]
    c2 = out.filter(pl.col("claim_id") == "C-2")
    assert c2["person_id"].to_list() == ["P3"]                   # the rejected pair is gone
    assert c2["rank"].to_list() == [1]
    assert c2["probability"][0] + c2["p_none"][0] == pytest.approx(1.0)
    assert c2["probability"][0] == pytest.approx(0.5)          # renormalised: 0.2 / (0.2 + 0.2)
    # C-3 proposes P2, confirmed for nobody; P1 is confirmed for C-1 and C-2's P1 row is gone
    assert out.filter(pl.col("claim_id") == "C-3")["confirmed_for"].to_list() == [None]
    db.record("C-9", "confirm", "A", person_id="P2")
    out = apply_to_matches(_matches(), db)
    assert out.filter(pl.col("claim_id") == "C-3")["confirmed_for"].to_list() == ["C-9"]
    db.record("C-3", "none", "A")
    assert apply_to_matches(_matches(), db).filter(pl.col("claim_id") == "C-3").height == 0


def test_apply_to_leads(db):
    leads = pl.DataFrame({"claim_id": ["C-1", "C-1", "C-1"], "rank": pl.Series([1, 2, 3], dtype=pl.UInt32),
                          "kind": ["self", "relative", "place"], "person_id": ["P1", "P5", None],
                          "place": [None, None, "xã A"], "probability": [0.6, 0.3, 0.1]})
    db.record("C-1", "reject", "A", person_id="P1")
    db.record("C-1", "lead", "A", outcome="unknown", place="xã A")
    out = apply_to_leads(leads, db)
    assert out["kind"].to_list() == ["relative", "place"]
    assert out["rank"].to_list() == [1, 2]
    assert out["lead_outcome"].to_list() == [None, "unknown"]


def test_export_import_pools_offices(tmp_path, db):
    a = db.record("C-1", "confirm", "A", person_id="P1")
    db.record("C-1", "undo", "A", undoes=a["uid"])
    db.record("C-2", "none", "A", note='"; DROP TABLE events; --')
    for suffix in ("csv", "parquet"):
        out = db.export(tmp_path / f"ex.{suffix}")
        other = Decisions.open(tmp_path / f"other-{suffix}.db")
        other.record("C-7", "none", "B")
        assert other.import_events(out) == (3, 0)
        assert other.import_events(out) == (0, 3)              # pooled twice: nothing doubled
        assert other.state().verdict == {"C-2": ("none", None), "C-7": ("none", None)}
        assert other.count() == 4


def _writer(path: str, who: int, n: int) -> None:
    d = Decisions(path)
    for i in range(n):
        d.record(f"C-{who}-{i}", "note", f"officer {who}", note=f"n{i}")


def test_concurrent_writers_lose_nothing(tmp_path):
    path = tmp_path / "shared.db"
    Decisions.open(path)
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(path), k, 150)) for k in range(2)]
    for p in procs:
        p.start()
    _writer(str(path), 9, 50)             # and this process at the same time
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    d = Decisions(path)
    ev = d.events()
    assert d.count() == 350
    assert ev["uid"].n_unique() == 350
    assert ev.group_by("officer").len().sort("officer")["len"].to_list() == [150, 150, 50]


def test_open_rejects_other_files(tmp_path):
    bad = tmp_path / "x.db"
    bad.write_bytes(b"not a database at all" * 100)
    with pytest.raises(DecisionError, match="not a decision database"):
        Decisions.open(bad)


def test_match_and_leads_accept_decisions(tmp_path, small_index_and_claims):
    import reconcile as rc

    index, claims = small_index_and_claims
    m = rc.match(claims, index, top_k=5)
    first = m.row(0, named=True)
    db = Decisions.open(tmp_path / "m.db")
    db.record(first["claim_id"], "reject", "A", person_id=first["person_id"])
    again = rc.match(claims, index, top_k=5, decisions=tmp_path / "m.db")
    hit = again.filter((pl.col("claim_id") == first["claim_id"]) & (pl.col("person_id") == first["person_id"]))
    assert hit.height == 0
    assert {"decision", "confirmed_for"} <= set(again.columns)
    ls = rc.leads(claims, index, top_k=5, decisions=db)
    assert ls.filter((pl.col("claim_id") == first["claim_id"]) & (pl.col("kind") == "self")
                     & (pl.col("person_id") == first["person_id"])).height == 0
