"""Index: build from every frame kind, features, term frequencies, exact save/load round trip, refusals."""

from __future__ import annotations

import json
import shutil

import polars as pl
import pytest

from reconcile.errors import IndexFormatError
from reconcile.index import Index, build_index, featurise_claims, load_index


def _register() -> pl.DataFrame:
    """Small hand-made synthetic register (nobody real)."""
    return pl.DataFrame({
        "person_id": ["P01", "P02", "P03", "P04", "P05", "P06", "P07"],
        "full_name": ["Giàng A Páo", "Giàng A Tủa", "Nguyễn Văn Hùng", "Huỳnh Thị Lan",
                      "Giàng A Súa", "Sùng A Páo", "Nguyễn Văn Hùng"],
        "sex": ["M", "nam", "M", "nữ", "M", "M", "M"],
        "birth_date": ["1975", "1950-03-01", "00/00/1980", "12/05/1990", "2001", "1982", "1961"],
        "ethnicity": ["Mông", "Mông", "Kinh", "Kinh", "Mông", "Mông", "Kinh"],
        "hometown": ["Hoàng Liên Sơn", "Lào Cai", "Hà Nội", "tỉnh Đắk Lắk", None, "Lào Cai", "Hà Nội"],
        "father_name": ["Giàng A Tủa", None, None, None, "Giàng A Páo", None, None],
        "father_id": ["P02", None, None, None, "P01", None, None],
    })


@pytest.fixture(scope="module")
def index() -> Index:
    return build_index(_register())


def test_person_features_present(index):
    p = index.people
    for col in ("pidx", "p_fold", "p_fam_key", "p_giv_key", "p_addr", "p_birth_year",
                "p_zodiac_branches", "p_home_prov", "p_res_now", "p_tf_fam", "p_tf_full"):
        assert col in p.columns, col
    assert p["pidx"].to_list() == list(range(7))
    row = p.filter(pl.col("person_id") == "P01").row(0, named=True)
    assert row["p_fold"] == "giang a pao"
    assert row["p_addr"] == "a pao"
    assert row["p_birth_year"] == 1975
    assert p.filter(pl.col("person_id") == "P04")["p_sex"].item() == "F"


def test_term_frequencies_count_the_register(index):
    assert index.tf_count("fold", "nguyen van hung") == 2
    assert index.tf_count("fold", "giang a pao") == 1
    assert index.tf_count("addr", "a pao") == 2          # Giàng A Páo and Sùng A Páo
    assert index.tf_count("fam_key", index.people["p_fam_key"][0]) == 3   # three Giàng
    assert index.tf_count("fold", "nobody here") == 0
    p = index.people.filter(pl.col("person_id") == "P03").row(0, named=True)
    assert p["p_tf_full"] == 2 and p["p_tf_addr"] == 2
    assert index.n_people == 7


def test_kin_frame_has_recorded_relatives(index):
    kin = index.kin
    for col in ("pidx", "relation", "name", "birth_year", "rel_pidx", "confidence", "source",
                "r_giv_key", "r_fam_key"):
        assert col in kin.columns, col
    fathers = kin.filter((pl.col("pidx") == 0) & (pl.col("relation") == "father"))
    assert fathers["name"].to_list() == ["Giàng A Tủa"]
    assert fathers["rel_pidx"].to_list() == [1]


@pytest.mark.parametrize("kind", ["pandas", "arrow"])
def test_build_from_pandas_and_arrow(kind):
    df = _register()
    src = df.to_pandas() if kind == "pandas" else df.to_arrow()
    idx = build_index(src)
    assert idx.people.height == 7
    assert idx.tf_count("fold", "nguyen van hung") == 2
    assert idx.people["p_fold"].to_list() == build_index(df).people["p_fold"].to_list()


def test_round_trip_is_exact(index, tmp_path):
    idx = index.with_params({"version": 1, "levels": {"name": [0.1, 2.5]}, "lambda": 1e-5})
    out = idx.save(tmp_path / "x.rcidx")
    back = load_index(out)
    assert back.people.equals(idx.people) and back.people.schema == idx.people.schema
    assert back.kin.equals(idx.kin) and back.tf.equals(idx.tf)
    assert back.params == idx.params
    assert back.manifest == idx.manifest
    assert set(back.manifest["files"]) == {"people.parquet", "name_tf.parquet", "kin_edges.parquet",
                                           "kin_names.parquet", "model.json"}
    # saving again replaces the earlier index atomically and leaves no temp dirs
    idx.with_params({"version": 2}).save(out)
    assert load_index(out).params == {"version": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.rcidx"]


def test_with_params_does_not_touch_original(index):
    idx2 = index.with_params({"a": 1})
    assert index.params == {} and idx2.params == {"a": 1}
    assert idx2.people is index.people


def test_damaged_file_is_refused(index, tmp_path):
    out = index.save(tmp_path / "d.rcidx")
    f = out / "people.parquet"
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0xFF
    f.write_bytes(bytes(data))
    with pytest.raises(IndexFormatError, match="checksum"):
        load_index(out)


def test_foreign_directory_and_wrong_version_are_refused(index, tmp_path):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("x")
    with pytest.raises(IndexFormatError, match="no manifest"):
        load_index(foreign)
    with pytest.raises(IndexFormatError, match="not a reconcile index"):
        index.save(foreign)                      # never overwrite a foreign directory
    assert (foreign / "notes.txt").exists()
    out = index.save(tmp_path / "v.rcidx")
    m = json.loads((out / "manifest.json").read_text())
    m["format_version"] = 999
    (out / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(IndexFormatError, match="version 999.*reconcile index"):
        load_index(out)
    m["format_version"] = 1
    m["format"] = "something-else"
    (out / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(IndexFormatError, match="not a reconcile index"):
        load_index(out)
    shutil.rmtree(out)
    with pytest.raises(IndexFormatError, match="no index"):
        load_index(out)


def test_missing_file_is_refused(index, tmp_path):
    out = index.save(tmp_path / "m.rcidx")
    (out / "kin_edges.parquet").unlink()
    with pytest.raises(IndexFormatError, match="missing"):
        load_index(out)


def test_featurise_claims(index):
    claims = pl.DataFrame([
        {"claim_id": "C1", "name": "Pao", "aliases": ["Páo", "bố Súa"], "age": 49.0,
         "recorded_on": "2024-09-17",
         "relatives": [{"relation": "father", "name": "Giàng A Tủa", "birth_year": None}]},
        {"claim_id": "C2", "name": "Nguyen Van Hung", "aliases": None, "birth_year": 1980,
         "relatives": None},
    ])
    cf, cr = featurise_claims(claims, index)
    assert cf["claim_idx"].to_list() == [0, 1]
    c2 = cf.row(1, named=True)
    assert c2["c_fold"] == "nguyen van hung" and c2["c_tf_full"] == 2
    assert c2["c_by_lo"] <= 1980 <= c2["c_by_hi"]
    c1 = cf.row(0, named=True)
    assert c1["c_alias_fold"] == ["pao"]                 # "bố Súa" is a teknonym, not an alias
    assert c1["c_by_lo"] <= 1975 <= c1["c_by_hi"]
    rel = cr.filter(pl.col("claim_idx") == 0).sort("relation")
    assert rel["relation"].to_list() == ["child", "father"]
    assert rel["source"].to_list() == ["teknonym", "claimed"]
    assert rel.filter(pl.col("relation") == "child")["r_giv"].item() == "sua"
    assert cr.filter(pl.col("claim_idx") == 1).height == 0
