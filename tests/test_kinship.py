"""Kinship: relatives frame from household roles, ids and written names; graph. Synthetic people only."""

from __future__ import annotations

import polars as pl
import pytest

from reconcile import kinship


def _pop(rows):
    cols = ["person_id", "full_name", "sex", "birth_date", "ethnicity", "hometown", "residence",
            "household_id", "relation_to_head", "father_name", "mother_name", "spouse_name",
            "father_id", "mother_id", "spouse_id"]
    return pl.DataFrame([dict(zip(cols, r)) for r in rows], schema={c: pl.Utf8 for c in cols})


def _rel(k, pidx, relation):
    return k.filter((pl.col("pidx") == pidx) & (pl.col("relation") == relation))


@pytest.fixture()
def family():
    # household H1: head Tủa (M), wife Mỷ, son Páo, daughter Dợ; head's mother Chá; grandson Súa
    return _pop([
        ("P1", "Giàng A Tủa", "M", "1950", "Mông", "Đồng Văn, Hà Giang", None, "H1", "chủ hộ",
         None, None, None, None, None, None),
        ("P2", "Vàng Thị Mỷ", "F", "1953", "Mông", "Đồng Văn, Hà Giang", None, "H1", "vợ",
         None, None, None, None, None, None),
        ("P3", "Giàng A Páo", "M", "1975", "Mông", "Đồng Văn, Hà Giang", None, "H1", "con",
         None, None, None, None, None, None),
        ("P4", "Giàng Thị Dợ", "F", "1978", "Mông", "Đồng Văn, Hà Giang", None, "H1", "con",
         None, None, None, None, None, None),
        ("P5", "Lầu Thị Chá", "F", "1925", "Mông", "Đồng Văn, Hà Giang", None, "H1", "mẹ",
         None, None, None, None, None, None),
        ("P6", "Giàng A Súa", "M", "2000", "Mông", "Đồng Văn, Hà Giang", None, "H1", "cháu",
         "Giàng A Páo", None, None, None, None, None),
        # another household: a man whose record names his father Tủa (same hometown, fitting age)
        ("P7", "Giàng A Lử", "M", "1980", "Mông", "Sủng Là, Đồng Văn, Hà Giang", None, "H2", "chủ hộ",
         "Giàng A Tủa", "Vàng Thị Mỷ", None, None, None, None),
    ])


def test_household_roles_give_typed_edges(family):
    k = kinship.person_relatives(family)
    assert set(k.columns) == {"pidx", "relation", "name", "birth_year", "rel_pidx", "confidence", "source"}
    assert k.schema["pidx"] == pl.UInt32 and k.schema["birth_year"] == pl.Int16
    # con of a male head: head is father, head's vợ is mother
    assert _rel(k, 2, "father")["rel_pidx"].to_list() == [0]
    assert _rel(k, 2, "mother")["rel_pidx"].to_list() == [1]
    assert set(_rel(k, 0, "child")["rel_pidx"].to_list()) >= {2, 3}
    assert _rel(k, 0, "spouse")["rel_pidx"].to_list() == [1]
    assert set(_rel(k, 2, "sibling")["rel_pidx"].to_list()) >= {3}
    # head's mẹ: mother of the head, grandparent of the head's children
    assert 4 in _rel(k, 0, "mother")["rel_pidx"].to_list()
    assert 4 in _rel(k, 2, "grandparent")["rel_pidx"].to_list()
    assert 2 in _rel(k, 4, "grandchild")["rel_pidx"].to_list()
    # cháu whose record names father Páo in the same household → resolved
    assert _rel(k, 5, "father")["rel_pidx"].to_list() == [2]
    assert 0 in _rel(k, 5, "grandparent")["rel_pidx"].to_list()
    assert k.filter(pl.col("relation") == "father")["confidence"].is_between(0, 1).all()


def test_written_names_resolved_outside_household(family):
    k = kinship.person_relatives(family)
    f = _rel(k, 6, "father")
    assert f["rel_pidx"].to_list() == [0]
    assert f["source"].to_list() == ["record_name"]
    assert f["birth_year"].to_list() == [1950]
    assert 0.5 < f["confidence"][0] < 1.0
    # the father learns of this child
    assert 6 in _rel(k, 0, "child")["rel_pidx"].to_list()


def test_name_only_when_unresolved_or_implausible():
    pop = _pop([
        ("A", "Nguyễn Văn An", "M", "1990", "Kinh", "Nam Định", None, "H9", "chủ hộ",
         "Nguyễn Văn Bình", None, None, None, None, None),
        # namesake of the father, but younger than the son: must not be resolved
        ("B", "Nguyễn Văn Bình", "M", "1995", "Kinh", "Nam Định", None, "H8", "chủ hộ",
         None, None, None, None, None, None),
    ])
    k = kinship.person_relatives(pop)
    f = _rel(k, 0, "father")
    assert f.height == 1 and f["rel_pidx"][0] is None and f["name"][0] == "Nguyễn Văn Bình"


def test_ids_resolve_and_reverse():
    pop = _pop([
        ("A", "Lò Văn Ún", "M", "1960", "Thái", "Sơn La", None, None, None,
         None, None, "Cầm Thị Xuân", None, None, "B"),
        ("B", "Cầm Thị Xuân", "F", "1962", "Thái", "Sơn La", None, None, None,
         None, None, None, None, None, None),
        ("C", "Lò Văn Pọm", "M", "1985", "Thái", "Sơn La", None, None, None,
         None, None, None, "A", "B", None),
    ])
    k = kinship.person_relatives(pop)
    assert _rel(k, 0, "spouse")["rel_pidx"].to_list() == [1]
    assert _rel(k, 1, "spouse")["rel_pidx"].to_list() == [0]
    assert _rel(k, 0, "child")["rel_pidx"].to_list() == [2]
    assert _rel(k, 2, "mother")["source"].to_list() == ["record_id"]
