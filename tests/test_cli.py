"""The command line end to end on the bundled sample data, and its handling of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from reconcile import cli

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"


@pytest.fixture(scope="module")
def built_index(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "sample.rcidx"
    assert cli.main(["index", str(SAMPLES / "population.csv"), "--out", str(out), "-q"]) == 0
    return out


def test_index_match_leads_round_trip(built_index, tmp_path):
    cands = tmp_path / "candidates.csv"
    assert cli.main(["match", str(SAMPLES / "claims.jsonl"), "--index", str(built_index),
                     "--top-k", "3", "--out", str(cands), "-q"]) == 0
    frame = pl.read_csv(cands)
    for col in ["claim_id", "rank", "person_id", "probability", "weight", "evidence"]:
        assert col in frame.columns
    assert frame["rank"].max() <= 3
    assert frame["probability"].is_between(0, 1).all()
    # Nested evidence is written as JSON text in CSV.
    if "evidence_detail" in frame.columns:
        first = frame["evidence_detail"].drop_nulls()[0]
        assert isinstance(json.loads(first), list)

    leads = tmp_path / "leads.csv"
    assert cli.main(["leads", str(SAMPLES / "claims.jsonl"), "--index", str(built_index),
                     "--out", str(leads), "-q", "--lang", "en"]) == 0
    lf = pl.read_csv(leads)
    assert set(lf["kind"].unique()) <= {"self", "relative", "household", "place"}
    assert lf["reason"].str.len_chars().min() > 10


def test_bad_claims_file_gives_one_clear_message_and_keeps_old_output(built_index, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"claim_id": "C1", "name": "Giàng A Páo"}\n{"claim_id": "C2", "name": \n', encoding="utf-8")
    out = tmp_path / "candidates.csv"
    out.write_text("previous result\n", encoding="utf-8")
    code = cli.main(["match", str(bad), "--index", str(built_index), "--out", str(out), "-q"])
    assert code == cli.EXIT_INPUT
    err = capsys.readouterr().err
    assert "bad.jsonl" in err and "2" in err
    assert out.read_text(encoding="utf-8") == "previous result\n"


def test_missing_population_file_is_reported(tmp_path, capsys):
    code = cli.main(["index", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "x.rcidx"), "-q"])
    assert code != 0
    assert "nope.csv" in capsys.readouterr().err


def test_damaged_index_is_refused(built_index, tmp_path, capsys):
    import shutil

    broken = tmp_path / "broken.rcidx"
    shutil.copytree(built_index, broken)
    (broken / "manifest.json").write_text("{not json", encoding="utf-8")
    code = cli.main(["match", str(SAMPLES / "claims.jsonl"), "--index", str(broken),
                     "--out", str(tmp_path / "c.csv"), "-q"])
    assert code == cli.EXIT_INDEX
    assert "index" in capsys.readouterr().err.lower()
