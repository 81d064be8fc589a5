"""The officer's HTML report: content, escaping of hostile values (page and embedded JSON), offline
self-containment, both languages, the kinship picture drawn from the model's pairings, complete waterfalls,
and the place words of issue 8 §4.

Built from small hand-made frames with the DESIGN.md columns (synthetic people only), so these tests do not
depend on the matching engine; the match frames carry the engine's new `evidence_detail` fields (`claimed`,
`recorded`, `recorded_person_id`), the contract. The demo test covers the real pipeline; what the page's
script draws is checked in a real browser in test_browser.py.
"""

from __future__ import annotations

import importlib
import json
import re
from html.parser import HTMLParser
from types import SimpleNamespace

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

rep = importlib.import_module("reconcile.report")  # the package (rc.report is the function)

EVIDENCE_T = pl.List(pl.Struct({"field": pl.Utf8, "level": pl.Utf8, "weight": pl.Float64, "text": pl.Utf8,
                                "claimed": pl.Utf8, "recorded": pl.Utf8, "recorded_person_id": pl.Utf8}))
REL_T = pl.List(pl.Struct({"relation": pl.Utf8, "name": pl.Utf8, "birth_year": pl.Int32}))


def ev(field, level, weight, text, claimed=None, recorded=None, pid=None):
    return {"field": field, "level": level, "weight": weight, "text": text, "claimed": claimed,
            "recorded": recorded, "recorded_person_id": pid}


def make_frames(name_a="Giàng A Páo", place="xã Cư Kbang, huyện Ea Súp, tỉnh Đắk Lắk", reason="Hỏi công an xã",
                cid_a="C-0001", rel_name="Giàng A Tủa"):
    claims = pl.DataFrame({
        "claim_id": [cid_a, "C-0002", "C-0003"],
        "name": [name_a, "Lò Thị Xuân", "Hoàng Văn Nam"],
        "aliases": [["bố Súa"], [], []],
        "sex": ["M", "F", None],
        "birth_date": [None, "1990", None],
        "birth_year": [None, 1990, None],
        "birth_year_min": [1970, None, 1989],
        "birth_year_max": [1985, None, 1989],
        "age": [45.0, None, None],
        "zodiac": ["Ngọ", None, None],
        "ethnicity": ["Mông", "Thái", "Tày"],
        "claimed_hometown": ["Hoàng Liên Sơn", "Sơn La", None],
        "residence": [f"thôn 10, {place}", "buôn 3, xã Cư Klông, huyện Krông Năng, tỉnh Đắk Lắk", None],
        "relatives": [[{"relation": "father", "name": rel_name, "birth_year": None},
                       {"relation": "child", "name": "Giàng A Súa", "birth_year": 2005}],
                      [], [{"relation": "mother", "name": "Hoàng Thị Mai", "birth_year": 1950}]],
    }, schema_overrides={"relatives": REL_T})
    ev_a = [ev("giv", "exact", 6.5, f"Tên gọi trùng ({name_a}) +6.5", name_a, name_a),
            ev("by", "in_narrow", 1.2, "Năm sinh trong khoảng +1.2"),
            ev("home", "incompatible", -2.0, f"Quê khác ({place}) −2.0", "Hoàng Liên Sơn", place),
            ev("father", "strong", 4.0, f"Cha trùng tên ({rel_name}) +4.0", rel_name, rel_name, "001050000004"),
            ev("child", "different", -4.1, "Con: 'Giàng A Súa' khác con trong hồ sơ 'Giàng A Thán' −4.1",
               "Giàng A Súa", "Giàng A Thán", "001081000005")]
    ev_b = [ev("giv", "exact", 6.5, "Tên gọi trùng +6.5"),
            ev("father", "different", -3.0, "Cha khác tên −3.0", rel_name, "Sùng A Chớ", None)]
    matches = pl.DataFrame({
        "claim_id": [cid_a, cid_a, "C-0002"],
        "rank": [1, 2, 1],
        "person_id": ["001080000001", "001080000002", "001090000003"],
        "probability": [0.91, 0.04, 0.35],
        "weight": [5.6, 3.5, 2.0],
        "evidence": ["tên trùng; năm sinh trong khoảng", "tên trùng; cha khác tên", "tên gần giống"],
        "evidence_detail": [ev_a, ev_b, [ev("giv", "fuzzy_high", 2.0, "Tên gần giống +2.0")]],
        "full_name": [name_a, "Giàng A Páo", "Lò Thị Xuân"],
        "birth_year": [1978, 1980, 1991],
        "household_id": ["HK1", "HK2", "HK3"],
        "p_none": [0.05, 0.05, 0.6],
    }, schema_overrides={"evidence_detail": EVIDENCE_T})
    leads = pl.DataFrame({
        "claim_id": [cid_a, "C-0002", "C-0002", "C-0003"],
        "rank": [1, 1, 2, 1],
        "kind": ["self", "relative", "household", "place"],
        "person_id": ["001080000001", "001060000009", None, None],
        "household_id": ["HK1", "HK9", "HK9", None],
        "place": [None, None, None, place],
        "relation": [None, "mother", None, None],
        "probability": [0.91, 0.6, 0.5, 0.2],
        "reason": [reason, "Mẹ có thể là người này", "Hộ có thể có gia đình", "Hỏi công an nơi khai quê"],
        "full_name": [name_a, "Lò Thị Mai", None, None],
    })
    people = pl.DataFrame({"person_id": ["001080000001", "001080000002", "001090000003", "001050000004",
                                         "001081000005"],
                           "pidx": pl.Series([0, 1, 2, 3, 4], dtype=pl.UInt32)})
    kin = pl.DataFrame({
        "pidx": pl.Series([0, 0, 0, 1], dtype=pl.UInt32),
        "relation": ["father", "mother", "child", "father"],
        "name": [rel_name, "Lý Thị Dế", "Giàng A Thán", "Sùng A Chớ"],
        "birth_year": pl.Series([1950, None, 1981, 1948], dtype=pl.Int16),
        "rel_pidx": pl.Series([3, None, 4, None], dtype=pl.UInt32),
        "confidence": [1.0, 1.0, 1.0, 1.0],
        "source": ["record_name"] * 4,
    })
    return claims, matches, leads, SimpleNamespace(people=people, kin=kin)


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            a, d = self.scripts[-1]
            self.scripts[-1] = (a, d + data)


def parse(text: str) -> _Collector:
    p = _Collector()
    p.feed(text)
    return p


def payload_of(*frames, **kw):
    return rep.read_payload(rep.render_html(*frames, **kw))


def claim_of(payload, cid):
    return next(c for c in payload["claims"] if rep.expand(payload, c["i"]) == cid)


def test_report_writes_one_file_with_data_once_and_statuses(tmp_path):
    claims, matches, leads, index = make_frames()
    out = rep.report(claims, index, out=tmp_path / "r.html", matches=matches, leads=leads)
    assert out == tmp_path / "r.html" and out.exists()
    text = out.read_text(encoding="utf-8")
    p = parse(text)
    ids = [a.get("id") for _, a in p.tags if a.get("id")]
    assert {"summary", "toc", "list", "detail", "q", "place", "shown-n", rep.PAYLOAD_ID} <= set(ids)
    data = rep.read_payload(text)
    # statuses: C-0001 likely (0.91), C-0002 relatives (relative lead), C-0003 none (place lead only)
    assert [data["statuses"][c["s"]] for c in data["claims"]] == ["likely", "relatives", "none"]
    assert data["counts"] == {"likely": 1, "relatives": 1, "none": 1}
    # every candidate's evidence once; the words stay in the data, not in the page
    c1 = claim_of(data, "C-0001")
    assert len(c1["m"]) == 2 and c1["m"][0]["c"] == 1 and "c" not in c1["m"][1]
    assert "Cha khác tên" in [rep.expand(data, e[3]) for e in c1["m"][1]["e"]]
    assert text.count("Cha khác tên") == 1
    # "none of them" word, Vietnamese page
    assert data["words"]["none_of_them"] == "Không phải ai trong số này" and 'lang="vi"' in text
    # the place summary groups by district and today's province; the commune filter lists communes
    places = re.search(r'<table class="places">.*?</table>', text, re.S).group(0)
    assert "Ea Súp" in places and "Krông Năng" in places and "Đắk Lắk" in places
    assert any("Cư Klông" in c for c in data["communes"]) and any("Cư Kbang" in c or "Cư KBang" in c
                                                                   for c in data["communes"])
    assert c1["P"] != claim_of(data, "C-0002")["P"] and "P" not in claim_of(data, "C-0003")


def test_place_key_groups_differently_written_addresses():
    a = rep.place_key("buôn 3, xã Cư Klông, huyện Krông Năng, tỉnh Đắk Lắk")
    b = rep.place_key("Cư Klông, Krông Năng, Đắk Lắk")
    assert a == b and "Krông Năng" in a
    assert "Cư Klông" in rep.place_key("buôn 3, xã Cư Klông, huyện Krông Năng, tỉnh Đắk Lắk", level="commune")
    assert rep.place_key(None) is None
    assert rep.place_key("thôn Lạ, nơi không có thật") == "thôn Lạ, nơi không có thật"


def test_english_and_all_words_in_both_languages():
    assert set(rep.STRINGS["vi"]) == set(rep.STRINGS["en"])
    claims, matches, leads, index = make_frames()
    text = rep.render_html(claims, matches, leads, index, lang="en")
    data = rep.read_payload(text)
    assert 'lang="en"' in text and data["words"]["none_of_them"] == "None of these people"
    assert "Likely match" in text and "Không phải ai" not in text
    assert data["labels"]["giv"] == "Given name" and data["labels"]["father"] == "Father"
    with pytest.raises(ValueError, match="unknown language"):
        rep.render_html(claims, matches, leads, index, lang="fr")


def test_self_contained_no_network_and_script_allowed_by_hash_only():
    import base64
    import hashlib

    claims, matches, leads, index = make_frames()
    text = rep.render_html(claims, matches, leads, index)
    p = parse(text)
    for tag, attrs in p.tags:
        for k, v in attrs.items():
            if k in ("src", "href", "action", "xlink:href"):
                assert not re.match(r"(?i)\s*(https?:|//|ftp:|file:)", v or ""), (tag, k, v)
        assert tag not in ("link", "iframe", "img", "object", "embed")
    assert not re.search(r"(?i)url\(\s*['\"]?(https?:|//)", text) and "@import" not in text
    assert not re.search(r"(?i)\b(fetch|XMLHttpRequest|WebSocket|EventSource|sendBeacon|innerHTML|eval)\b",
                         rep.script_text())
    csp = [a["content"] for t, a in p.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"][0]
    script_src = csp.split("script-src")[1].split(";")[0]
    assert "default-src 'none'" in csp and "'unsafe-inline'" not in script_src
    # two script elements: the data (not executable) and the fixed code whose hash is in the CSP
    (data_attrs, _), (code_attrs, code) = p.scripts
    assert data_attrs == {"type": "application/json", "id": rep.PAYLOAD_ID} and code_attrs == {}
    assert code == rep.script_text()
    digest = base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode("ascii")
    assert f"'sha256-{digest}'" in script_src


def test_assets_are_package_files_and_css_breaks_no_word():
    from importlib import resources

    files = {f.name for f in resources.files("reconcile.report").joinpath("assets").iterdir()}
    assert {"report.css", "report.js"} <= files
    css = rep.style_text()
    assert "break-all" not in css and "word-break" not in css
    # overflow-wrap:anywhere only on the claimed values (a 5,000-letter name must not widen the page);
    # labels, relation words and percentages never break inside
    anywhere = re.findall(r"([^{}]+)\{[^}]*overflow-wrap:anywhere", css)
    assert [sel.strip() for sel in anywhere] == ["dl.given dd.val"]
    for sel in (".pct", "td.n,th.n", ".fn", ".rel", "table.wf th", "dl.given dt"):
        assert re.search(re.escape(sel) + r"\{[^}]*white-space:nowrap", css), sel


SAFE_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "h1", "p", "div", "label", "input", "span",
             "button", "b", "noscript", "main", "section", "h2", "h3", "table", "tr", "th", "td", "bdi",
             "details", "summary", "select", "option", "script"}

HOSTILE = [
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)",
    "Páo\u202eoaP",
    "</script><script>alert(2)</script>",
    "</SCRIPT >",
    "<!--<script>",
    "A" * 5000,
    "Giàng 👨‍👩‍👧 Páo",
    "Gia\u0300ng A Pa\u0301o",  # NFD
    "</svg><svg onload=alert(3)>",
    "\u2028line\u2029para\x00nul",
    "\u200fRTL\u200e mark \u2067isolate\u2069",
    "&amp; &lt;b&gt; \\u003c",
]


@pytest.mark.parametrize("bad", HOSTILE)
def test_hostile_values_are_escaped_in_page_and_json(bad):
    claims, matches, leads, index = make_frames(name_a=bad, place=bad, reason=bad, cid_a=bad, rel_name=bad)
    text = rep.render_html(claims, matches, leads, index)
    p = parse(text)
    assert {t for t, _ in p.tags} <= SAFE_TAGS
    assert sum(1 for t, _ in p.tags if t == "script") == 2
    for tag, attrs in p.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
    assert "<img" not in text and "<script>alert" not in text and "onerror=" not in text.replace("onerror=alert", "")
    # the JSON block: nothing in it can end the element or start markup
    block = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', text, re.S).group(1)
    assert not re.search(r"[<>&\u2028\u2029]", block)
    assert text.lower().count("</script") == 2
    # bidi and control characters are made visible, never written raw
    for raw in ("\u202e", "\u2028", "\u2029", "\x00", "\u200f", "\u200e", "\u2067"):
        assert raw not in text
    if "\u202e" in bad:
        assert "[U+202E]" in text
    # the data reads back as the visible value, exactly
    data = rep.read_payload(text)
    c1 = data["claims"][0]
    name = rep.expand(data, c1["n"])
    assert name == rep.render._visible(bad)
    assert rep.expand(data, c1["l"][0]["t"]) == rep.render._visible(bad)
    if bad.startswith("Gia\u0300"):
        assert name == "Giàng A Páo"  # NFC on output
    if bad.startswith("\u200f"):
        assert name.startswith("[U+200F]RTL[U+200E]")


def test_json_for_html_escapes_and_round_trips():
    value = {"a": "</script><b>&\u2028\u2029", "b": ["<!--", 1.5, None]}
    text = rep.json_for_html(value)
    assert not re.search(r"[<>&\u2028\u2029]", text)
    assert json.loads(text) == value


def test_large_payload_is_compressed_and_reads_back_the_same():
    claims, matches, leads, index = make_frames(name_a="</script>\u2028Páo\u202e")
    plain = rep.render_html(claims, matches, leads, index)
    packed = rep.render_html(claims, matches, leads, index, config=rep.ReportConfig(compress_over=100))
    block = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', packed, re.S).group(1)
    assert set(json.loads(block)) == {"gz"} and re.fullmatch(r'\{"gz":"[A-Za-z0-9+/=]+"\}', block)
    assert rep.read_payload(packed) == rep.read_payload(plain)


def test_claim_without_candidates_has_none_and_status_thresholds():
    claims, matches, leads, index = make_frames()
    data = payload_of(claims, matches.filter(pl.col("claim_id") != "C-0003"), leads, index)
    assert "m" not in claim_of(data, "C-0003")
    st = rep.claim_status(claims, matches, leads, rep.ReportConfig(likely=0.95))
    assert st.sort("claim_id")["status"].to_list() == ["none", "relatives", "none"]  # 0.91 < 0.95, only a self lead
    st = rep.claim_status(claims, matches, leads)
    assert st.sort("claim_id")["status"].to_list() == ["likely", "relatives", "none"]
    st = rep.claim_status(claims, matches, leads, rep.ReportConfig(relatives=0.7))  # relative lead is 0.6
    assert st.sort("claim_id")["status"].to_list() == ["likely", "none", "none"]


def test_fold_search_matches_the_script():
    assert rep.fold_search("Đặng  Thị Ánh") == "dang thi anh"
    js = rep.script_text()
    assert "normalize('NFD')" in js and "\\u0111\\u0110" in js


# ------------------------------------------------------------------------------------------------
# Issue 8 §4: the kinship picture shows the model's pairings
# ------------------------------------------------------------------------------------------------


def test_kinship_picture_draws_the_pairs_the_model_chose():
    claims, matches, leads, index = make_frames()
    data = payload_of(claims, matches, leads, index)
    c1 = claim_of(data, "C-0001")
    kin = c1["m"][0]["k"]
    regs = [(rep.expand(data, r[0]), rep.expand(data, r[1])) for r in kin["r"]]
    claimed = [(rep.expand(data, r[0]), rep.expand(data, r[1])) for r in c1["R"]]
    links = {(claimed[a], regs[b]): w for a, b, w in kin["l"]}
    # the model compared the claimed child Súa with the registered child Thán and counted it against (−4.1):
    # the picture joins exactly them, with the model's weight; the father pair supports (+4.0)
    assert links == {(("child", "Giàng A Súa"), ("child", "Giàng A Thán")): -4.1,
                     (("father", "Giàng A Tủa"), ("father", "Giàng A Tủa")): 4.0}
    # a registered relative the model did not pair (the mother) has no line
    assert ("mother", "Lý Thị Dế") in regs and not any(r == ("mother", "Lý Thị Dế") for _, r in links)


def test_kin_pairs_follow_recorded_person_id_not_names():
    claimed = [{"relation": "child", "name": "Giàng A Nọ"}, {"relation": "child", "name": "Giàng Thị Dở"}]
    registered = [{"relation": "child", "name": "Giàng A Nọ", "person_id": "P1"},   # same name, NOT paired
                  {"relation": "child", "name": "Giàng A Thán", "person_id": "P2"}]
    rows = [{"field": "child", "weight": -4.14, "claimed": "Giàng A Nọ", "recorded": "Giàng A Thán",
             "recorded_person_id": "P2"},
            {"field": "child", "weight": 0.0, "claimed": "Giàng Thị Dở", "recorded": None, "recorded_person_id": None},
            {"field": "giv", "weight": 7.6, "claimed": "Vư", "recorded": "Vư", "recorded_person_id": None}]
    assert rep.kin_pairs(claimed, registered, rows) == [(0, 1, -4.14)]
    # a pairing with a registered relative missing from the list adds that relative (the picture shows it)
    regs2 = [dict(r) for r in registered[:1]]
    assert rep.kin_pairs(claimed, regs2, rows[:1]) == [(0, 1, -4.14)] and regs2[1]["name"] == "Giàng A Thán"


def test_link_relatives_is_gone():
    assert not hasattr(rep, "link_relatives") and not hasattr(rep.render, "link_relatives")


# ------------------------------------------------------------------------------------------------
# Issue 8 §4: every field that weighs gets its line; one-year ranges; place names
# ------------------------------------------------------------------------------------------------


def test_waterfall_has_a_line_for_a_differing_surname_and_for_unexplained_weight():
    detail = [{"field": "mid", "level": "same", "weight": 1.93, "text": "Tên đệm 'Thị' trùng khớp +1.9"},
              {"field": "giv", "level": "exact", "weight": 3.87, "text": "Tên gọi 'Mai' trùng khớp +3.9"}]
    rows = rep.evidence_rows(detail, 5.8, "Vàng Thị Mai", "Giàng Thị Mai", "vi")
    assert [r["field"] for r in rows] == ["fam", "mid", "giv"]
    assert "Vàng" in rows[0]["text"] and "Giàng" in rows[0]["text"] and rows[0]["label"] == "Họ"
    assert rows[0]["weight"] == 0.0 and "không tính" in rows[0]["text"]
    # a surname line the model weighed but did not word carries that weight (no separate line)
    rows = rep.evidence_rows(detail, 3.8, "Vàng Thị Mai", "Giàng Thị Mai", "vi")
    assert [r["field"] for r in rows] == ["fam", "mid", "giv"]
    assert rows[0]["weight"] == pytest.approx(-2.0) and "không tính" not in rows[0]["text"]
    # a row without a sentence (a level explain has no words for) keeps its line with the compared values
    rows = rep.evidence_rows([{"field": "fam", "level": "phonetic", "weight": -0.5, "text": None,
                               "claimed": "Vàng", "recorded": "Giàng", "recorded_person_id": None}],
                             -0.5, "Vàng Thị Mai", "Giàng Thị Mai", "vi")
    assert len(rows) == 1 and rows[0]["weight"] == -0.5 and "Vàng / Giàng" in rows[0]["text"]
    # same surname: no invented line; weight without a line of its own gets one
    rows = rep.evidence_rows(detail, 7.0, "Giàng Thị Mai", "Giàng Thị Mai", "en")
    assert [r["field"] for r in rows] == ["mid", "giv", None]
    assert rows[-1]["weight"] == pytest.approx(1.2) and rows[-1]["label"] == rep.STRINGS["en"]["residual"]
    assert sum(r["weight"] for r in rows) == pytest.approx(7.0)


def test_waterfall_rows_keep_every_weighing_field_in_the_page_data():
    claims, matches, leads, index = make_frames()
    data = payload_of(claims, matches, leads, index)
    c1 = claim_of(data, "C-0001")
    assert [rep.expand(data, e[0]) for e in c1["m"][0]["e"]] == ["giv", "by", "home", "father", "child"]
    assert [e[2] for e in c1["m"][0]["e"]] == [6.5, 1.2, -2.0, 4.0, -4.1]
    # the second candidate's total (3.5) is more than its rows (3.5 = 6.5 − 3.0): nothing added
    assert [rep.expand(data, e[0]) for e in c1["m"][1]["e"]] == ["giv", "father"]
    # the trailing weight is not repeated in the words (the chart shows it)
    assert rep.expand(data, c1["m"][1]["e"][1][3]) == "Cha khác tên"


def test_one_year_range_is_written_as_one_year():
    claims, matches, leads, index = make_frames()
    data = payload_of(claims, matches, leads, index)
    assert rep.expand(data, claim_of(data, "C-0003")["b"]) == "1989"
    assert rep.expand(data, claim_of(data, "C-0001")["b"]) == "1970–1985"
    assert rep.one_year("Năm sinh 1993 lệch 2–5 năm so với khai báo 1989–1989") == \
        "Năm sinh 1993 lệch 2–5 năm so với khai báo 1989"
    assert rep.evidence_words("Năm sinh 1971 quá xa khai báo 1989–1989 −6.4") == "Năm sinh 1971 quá xa khai báo 1989"


def test_places_are_named_as_the_text_names_them():
    from reconcile.vn import places

    d = places.describe(places.resolve("xã Ea Riêng, huyện M'Đrắk, tỉnh Đắk Lắk"))
    assert "Đắk Lắk" in d and "Đắc Lắc" not in d
    d = places.describe(places.resolve("buôn 12, xã Cư San, huyện M'Đrắk, tỉnh Đắk Lắk"), "en")
    assert "Đắk Lắk province" in d and "Đắc Lắc" not in d
    # the 1976–2003 spelling is kept where the input wrote it
    assert "tỉnh Đắc Lắc (cũ)" in places.describe(places.resolve("M'Đrắk, Đắc Lắc"))
    # without a written official name: the name at the time of the mention, else the latest before 2025
    assert "Đắc Lắc" in places.describe(places.resolve("Dak Lak"), as_of=1990)
    assert "Đắc Lắc" not in places.describe(places.resolve("Dak Lak"))
    assert places.named_unit(places.resolve("Dak Lak"), as_of=1990) == "dak_lak_1976"
    # unchanged elsewhere
    assert places.describe(places.resolve("Hà Tuyên")) == "tỉnh Hà Tuyên (cũ) — nay: tỉnh Tuyên Quang"


def test_lead_place_words_use_the_register_spelling():
    from reconcile.leads.sources import Places

    texts = ["thôn 17, xã Cư Prao, huyện M'Đrắk, tỉnh Đắk Lắk", "M'Đrắk, Đắc Lắc"]
    describe = Places("vi")
    words = {t: describe(t) for t in texts}
    assert "Đắc Lắc" not in words[texts[0]] and "tỉnh Đắk Lắk" in words[texts[0]]
    assert "Đắc Lắc" in words[texts[1]]


# ------------------------------------------------------------------------------------------------
# Calls
# ------------------------------------------------------------------------------------------------


def test_given_frames_are_not_scored_again(tmp_path, monkeypatch):
    def boom(*a, **k):
        raise AssertionError("scored again")

    monkeypatch.setattr(importlib.import_module("reconcile.matching"), "match", boom)
    monkeypatch.setattr(importlib.import_module("reconcile.leads"), "leads", boom)
    claims, matches, leads, index = make_frames()
    out = rep.report(claims, index, out=tmp_path / "a.html", matches=matches, leads=leads, top_k=3,
                     config=rep.ReportConfig(), lang="en", progress=None)
    assert 'lang="en"' in out.read_text(encoding="utf-8")


def test_old_positional_call_still_works(tmp_path):
    claims, matches, leads, index = make_frames()
    out = rep.report(claims, index, tmp_path / "p.html", "en", 5, None, matches, leads)
    assert out == tmp_path / "p.html" and 'lang="en"' in out.read_text(encoding="utf-8")
    import reconcile as rc

    assert rc.report is rep.report
    with pytest.raises(TypeError):
        rep.report(claims, index, *([None] * 8))


def test_progress_reports_counts_only(tmp_path):
    claims, matches, leads, index = make_frames()
    seen = []
    rep.report(claims, index, out=tmp_path / "x" / "r.html", matches=matches, leads=leads,
               progress=lambda s, d, t: seen.append((s, d, t)))
    assert seen[-1] == ("report", 3, 3)
    assert not list((tmp_path / "x").glob(".*tmp*"))


def test_frames_read_back_from_csv_render_the_same_evidence(tmp_path):
    from reconcile.cli import write_frame

    claims, matches, leads, index = make_frames()
    write_frame(matches, tmp_path / "c.csv")
    back = pl.read_csv(tmp_path / "c.csv", schema_overrides={"person_id": pl.Utf8})
    assert back.schema["evidence_detail"] == pl.Utf8
    a, b = payload_of(claims, back, leads, index), payload_of(claims, matches, leads, index)
    ca, cb = claim_of(a, "C-0001"), claim_of(b, "C-0001")
    assert [[rep.expand(a, x) if isinstance(x, (int, list)) else x for x in e] for e in ca["m"][1]["e"]] == \
           [[rep.expand(b, x) if isinstance(x, (int, list)) else x for x in e] for e in cb["m"][1]["e"]]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=40))
def test_any_text_in_any_field_cannot_add_markup(value):
    claims, matches, leads, index = make_frames(name_a=value, place=value, reason=value, cid_a=value, rel_name=value)
    text = rep.render_html(claims, matches, leads, index)
    p = parse(text)
    assert sum(1 for t, _ in p.tags if t == "script") == 2
    assert not any(k.startswith("on") for _, attrs in p.tags for k in attrs)
    assert {t for t, _ in p.tags} <= SAFE_TAGS
    data = rep.read_payload(text)
    assert rep.expand(data, data["claims"][0]["n"]) == rep.render._visible(value)


def test_summary_has_a_line_per_input_file_with_what_reading_set_aside(tmp_path):
    """Issue 8 §2: nothing is lost silently; the report says how many rows were read, used, set aside
    and how many cells were changed."""
    from reconcile.io import read_claims

    src = tmp_path / "claims.jsonl"
    src.write_text('{"claim_id": "C-1", "name": "Giàng A Páo", "birth_date": "1990-13-45"}\n'
                   '{"claim_id": "C-2", "name": ""}\n'
                   '{"claim_id": "C-3", "name": "Lò Thị Xuân", "sex": "X"}\n', encoding="utf-8")
    with pytest.warns(Warning):
        _, load = read_claims(src, report=True)
    claims, matches, leads, index = make_frames()
    out = rep.report(claims, index, out=tmp_path / "r.html", matches=matches, leads=leads, lang="en",
                     load_reports=[load])
    text = out.read_text(encoding="utf-8")
    assert "Read claims.jsonl: 3 rows, 2 used, 1 set aside, 2 cells" in text
    vi = rep.report(claims, index, out=tmp_path / "v.html", matches=matches, leads=leads,
                    load_reports=[load]).read_text(encoding="utf-8")
    assert "Đọc claims.jsonl: 3 dòng, dùng 2, gạt ra 1, 2 ô" in vi


def test_report_applies_officers_decisions(tmp_path):
    """A rejected pair is not proposed again in the report either; a confirmed claim shows its decision."""
    from reconcile.decisions import Decisions

    claims, matches, leads, index = make_frames()
    pair = matches.filter(pl.col("claim_id") == "C-0002").row(0, named=True)
    db = Decisions.open(tmp_path / "d.db")
    db.record("C-0002", "reject", "Cán bộ A", person_id=pair["person_id"])
    out = rep.report(claims, index, out=tmp_path / "r.html", matches=matches, leads=leads, decisions=db)
    data = rep.read_payload(out.read_text(encoding="utf-8"))
    text = json.dumps(data, ensure_ascii=False)
    plain = rep.report(claims, index, out=tmp_path / "p.html", matches=matches, leads=leads)
    assert pair["person_id"] in json.dumps(rep.read_payload(plain.read_text(encoding="utf-8")), ensure_ascii=False)
    assert pair["person_id"] not in text


def test_report_alone_scores_each_claim_once(tmp_path, monkeypatch):
    """Called with claims and an index only, the report scores the claims once for both its candidates
    and its leads (issue: report() used to call match() and leads(), scoring every claim twice)."""
    import reconcile as rc
    from reconcile.engine import Matcher

    pop = pl.DataFrame({"person_id": ["P1", "P2"], "full_name": ["Giàng A Páo", "Lò Thị Xuân"],
                        "birth_date": ["1975", "1990"]})
    index = rc.build_index(pop)
    calls = []
    real = Matcher.score_arrays

    def counting(self, ca):
        calls.append(list(ca.claim_id))
        return real(self, ca)

    monkeypatch.setattr(Matcher, "score_arrays", counting)
    claims = [{"claim_id": "C1", "name": "Giàng A Páo", "birth_year": 1975}]
    rep.report(claims, index, out=tmp_path / "once.html")
    own = [ids for ids in calls if ids == ["C1"]]     # leads' pseudo-claims carry other ids
    assert len(own) == 1, calls
