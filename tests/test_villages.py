"""Village/hamlet agreement on the residence (issue 10): the key read from a place text, the same
code from the batch and the one-claim encoders, the `same_village` level, and an index saved before
villages were kept still loads and scores (the commune speaks)."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

import reconcile as rc
from reconcile.comparisons import default_registry
from reconcile.engine import Matcher
from reconcile.features import encode_claim, encode_claims
from reconcile.model import default_params
from reconcile.model.training import pair_levels
from reconcile.vn.places import village_key, village_key_series

HOME = "xã Ea Kiết, huyện Cư M'gar, tỉnh Đắk Lắk"


@pytest.mark.parametrize("text, key", [
    (f"thôn 14, {HOME}", "thon 14"),
    ("Thôn 14, Ea Kiết, Cư M'gar", "thon 14"),
    ("thon 014, xa Ea Kiet", "thon 14"),
    ("Thôn\u0302 14, xã Ea Kiết".replace("\u0302", ""), "thon 14"),
    ("tổ dân phố 05, phường Tân Lợi, Buôn Ma Thuột", "to 5"),
    ("số nhà 12, tổ 5, phường Tân Lợi", "to 5"),
    ("buôn Ea Sup, xã Ea Kiết", "buon ea sup"),
    ("bản Phìn Hồ, xã Sủng Là, huyện Đồng Văn", "ban phin ho"),
    ("Buôn Đôn, Đắk Lắk", None),            # a district, not a village
    ("Bản Phố, Bắc Hà, Lào Cai", None),     # a commune
    ("thôn 14", None),                      # no commune after it
    ("T.14, xã Ea Kiết", None),             # an abbreviation nothing says how to read
    (HOME, None), ("", None), (None, None),
])
def test_village_key(text, key):
    assert village_key(text) == key


def test_village_key_nfc_and_series():
    nfd = "Tho\u0302n 3, xa\u0303 Ea Kie\u0302\u0301t"
    assert village_key(nfd) == village_key("Thôn 3, xã Ea Kiết") == "thon 3"
    s = pl.Series([f"thôn 3, {HOME}", None, HOME, f"Thôn 3, {HOME}"])
    assert village_key_series(s).to_list() == ["thon 3", None, None, "thon 3"]


def _people():
    rows = [("P1", "Nguyễn Văn An", 1980, f"thôn 14, {HOME}"),
            ("P2", "Nguyễn Văn An", 1980, f"thôn 3, {HOME}"),
            ("P3", "Nguyễn Văn An", 1980, HOME)]
    return pl.DataFrame({"person_id": [r[0] for r in rows], "full_name": [r[1] for r in rows],
                         "sex": ["M"] * 3, "birth_date": [str(r[2]) for r in rows],
                         "hometown": ["xã Kim Anh, huyện Kim Thành, tỉnh Hải Dương"] * 3,
                         "residence": [r[3] for r in rows]})


CLAIMS = [{"claim_id": "c1", "name": "Nguyễn Văn An", "birth_year": 1980,
           "residence": f"Thôn 14, {HOME}"},
          {"claim_id": "c2", "name": "Nguyen Van An", "birth_year": 1980,
           "residence": "thon 14, xa Ea Kiet, huyen Cu M'gar, Dak Lak"},
          {"claim_id": "c3", "name": "Nguyễn Văn An", "birth_year": 1980, "residence": HOME}]


def _res_levels(index, ca):
    reg = default_registry()
    mt = Matcher(index, params=default_params())
    c = np.repeat(np.arange(ca.n), index.n_people)
    p = np.tile(np.arange(index.n_people), ca.n)
    lv = pair_levels(mt, ca, c, p, relatives=False)[0][:, reg.names.index("res")]
    return np.array(reg["res"].level_names, dtype=object)[lv].reshape(ca.n, index.n_people)


def test_same_village_from_batch_and_one_claim():
    index = rc.build_index(_people())
    assert index.arrays.cols["res_village"].dtype == np.int32
    batch = encode_claims(CLAIMS, index)
    one = [encode_claim(c, index) for c in CLAIMS]
    want = index.arrays.cols["res_village"][0]
    assert want >= 0 and index.arrays.cols["res_village"][2] == -1
    assert batch.cols["res_village"].tolist() == [want, want, -1]
    assert [o.cols["res_village"][0] for o in one] == [want, want, -1]
    lv = _res_levels(index, batch)
    assert lv[0].tolist() == ["same_village", "other_village", "same_commune"]
    assert lv[1].tolist() == lv[0].tolist()                 # written without diacritics
    assert lv[2].tolist() == ["same_commune"] * 3           # no village claimed
    w = dict(zip(default_registry()["res"].level_names, default_params().level_weights(default_registry()["res"])))
    assert w["same_village"] > w["same_commune"] > w["other_village"] > 0


def test_index_saved_before_villages_loads_and_scores_by_commune(tmp_path):
    path = rc.build_index(_people()).save(tmp_path / "old.rcidx")
    mpath = path / "manifest.json"
    manifest = json.loads(mpath.read_text("utf-8"))
    manifest["vocabs"] = [v for v in manifest["vocabs"] if v != "village"]
    for f in ("vocab.village.arrow", "p.res_village.npy"):
        assert f in manifest["files"]
        manifest["files"].pop(f)
        (path / f).unlink()
    mpath.write_text(json.dumps(manifest), "utf-8")
    old = rc.load_index(path)
    assert "res_village" not in old.arrays.cols
    ca = encode_claims(CLAIMS, old)
    assert "res_village" not in ca.cols and "res_village" not in encode_claim(CLAIMS[0], old).cols
    assert _res_levels(old, ca)[0].tolist() == ["same_commune"] * 3
