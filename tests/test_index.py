"""Index: build from every frame kind, features, term frequencies, exact save/load round trip, refusals."""

from __future__ import annotations

import json
import shutil

import polars as pl
import pytest

from reconcile.errors import IndexFormatError
import numpy as np

from reconcile.index import Index, build_index, load_index


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
    code = index.vocabs["fold"].code("nguyen van hung")
    assert index.arrays.tf["fold"][code] == 2
    assert (index.arrays["fold"] == code).sum() == 2
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
    assert back.kin.equals(idx.kin)
    assert back.params == idx.params
    assert back.manifest == idx.manifest
    for k, v in idx.arrays.cols.items():
        assert back.arrays[k].dtype == v.dtype and np.array_equal(back.arrays[k], v), k
    for k, post in idx.postings.items():
        for f in post.FIELDS:
            assert np.array_equal(getattr(back.postings[k], f), getattr(post, f)), (k, f)
    assert np.array_equal(back.arrays.rel.offsets, idx.arrays.rel.offsets)
    assert back.vocabs["fold"].strings.equals(idx.vocabs["fold"].strings)
    assert back.display.to_frame().equals(idx.display.to_frame())
    assert back.display.gather([3, 0])["person_id"].to_list() == ["P04", "P01"]
    assert np.array_equal(back.arrays.rel.father, idx.arrays.rel.father)
    assert {"people.parquet", "kin_edges.parquet", "kin_names.parquet", "model.json",
            "p.fam_key.npy", "rel.offsets.npy", "vocab.fold.arrow",
            "display.person_id.data.npy"} <= set(back.manifest["files"])
    assert not back.arrays["fam_key"].flags.owndata     # memory-mapped, not read into memory
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
        load_index(out, verify=True)
    with open(out / "p.by.npy", "ab") as fh:         # a changed size is caught on every load
        fh.write(b"x")
    with pytest.raises(IndexFormatError, match="size"):
        load_index(out)


def test_format_2_is_refused_with_the_rebuild_command(index, tmp_path):
    out = index.save(tmp_path / "old.rcidx")
    m = json.loads((out / "manifest.json").read_text())
    m["format_version"] = 2
    (out / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(IndexFormatError, match="version 2.*reconcile index POPULATION --out INDEX"):
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


def test_arrays_follow_the_contract(index):
    a = index.arrays
    p01 = 0
    assert index.vocabs["fold"].string(a["fold"][p01]) == "giang a pao"
    assert index.vocabs["addr"].string(a["addr"][p01]) == "a pao"
    assert a["by"].dtype == np.int16 and a["by"][p01] == 1975
    assert a["sex"][3] == 2 and a["sex_marker"][3] == 2        # Huỳnh Thị Lan: F, "Thị"
    assert a["sex_marker"][2] == 1                              # Nguyễn Văn Hùng
    assert a["fam"][4] == a["fam"][0] and a["fam_key"][5] != a["fam_key"][0]
    assert a["home_now"][0] != 0 and a["home_now"][0] & a["home_now"][1]   # Hoàng Liên Sơn ~ Lào Cai
    assert a["home_now"][4] == 0                                # no hometown
    assert a["zmask"][p01] != 0 and a["zmask"].dtype == np.uint16
    rel = a.rel
    edges = np.arange(rel.offsets[0], rel.offsets[1])
    fathers = edges[rel.relation[edges] == 0]
    assert [index.vocabs["rel_name"].string(rel.name[e]) for e in fathers] == ["Giàng A Tủa"]
    assert rel.pidx[fathers].tolist() == [1]
    assert rel.father[0] == 1 and rel.father[1] == -1          # recorded father of P01 is P02


def test_postings_find_blocks_by_key(index):
    from reconcile.blocking.postings import pack2

    a = index.arrays
    post = index.postings["fam_giv"]
    key = pack2(a["fam_key"][2:3], a["giv_key"][2:3])        # Nguyễn Văn Hùng
    start, stop = post.blocks(key)
    assert sorted(post.pidx[start[0]:stop[0]].tolist()) == [2, 6]
    assert post.years[start[0]:stop[0]].tolist() == [1961, 1980]   # sorted by birth year
    assert post.size(np.array([2**63], dtype=np.uint64)).tolist() == [0]
