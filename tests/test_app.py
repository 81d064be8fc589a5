"""The review server with Starlette's test client: pages, JSON API, decisions through forms, security
(host, token, CSRF, CORS, size limits, logs) and hostile strings on every page and route."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from urllib.parse import quote

import polars as pl
import pytest

pytest.importorskip("starlette", reason="the app extra is not installed (pip install 'reconcile[app]')")
from starlette.testclient import TestClient  # noqa: E402

from reconcile.app.security import SecurityConfig, check_bind  # noqa: E402
from reconcile.app.server import create_app  # noqa: E402
from reconcile.app.service import Workbench, fold, parse_claim, ClaimInputError  # noqa: E402
from reconcile.decisions import Decisions  # noqa: E402
from test_decisions import sample_index_claims  # noqa: E402

BAD = '"><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
BAD_ID = 'C-"><script>x</script>'
BASE = "http://127.0.0.1"


def hostile_claims(claims: pl.DataFrame) -> pl.DataFrame:
    row = claims.head(1).to_dicts()[0]
    row.update(claim_id=BAD_ID, name=BAD, residence=f"xã {BAD}, huyện X, tỉnh Y", claimed_hometown=BAD,
               relatives=[{"relation": "father", "name": BAD, "birth_year": None}])
    return pl.concat([claims, pl.DataFrame([row], schema=claims.schema)])


@pytest.fixture(scope="module")
def wb(tmp_path_factory):
    index, claims = sample_index_claims()
    db = Decisions.open(tmp_path_factory.mktemp("db") / "decisions.db")
    return Workbench.build(index, hostile_claims(claims), db)


@pytest.fixture()
def client(wb):
    return TestClient(create_app(wb, SecurityConfig()), base_url=BASE)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)


def test_queue_page_and_api(client, wb):
    r = client.get("/")
    assert r.status_code == 200 and "Hàng chờ" in r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert "access-control-allow-origin" not in r.headers
    data = client.get("/api/claims", params={"limit": 5}).json()
    assert data["total"] == wb.claims.height and len(data["rows"]) == 5
    assert sum(data["counts"].values()) == wb.claims.height
    assert set(data["rows"][0]) >= {"claim_id", "name", "status", "top_p", "commune"}
    likely = client.get("/api/claims", params={"status": "likely"}).json()
    assert likely["total"] == data["counts"]["likely"]
    assert all(r["status"] == "likely" for r in likely["rows"])


def test_search_without_diacritics_and_commune_filter(client, wb):
    name = wb.claims.filter(pl.col("name").str.contains("[àáảãạăắằẳẵặâấầẩẫậđ]"))["name"][0]
    r = client.get("/api/claims", params={"q": fold(name)}).json()
    assert name in [x["name"] for x in r["rows"]]
    commune = wb.communes()[0]
    r = client.get("/api/claims", params={"commune": commune}).json()
    assert r["total"] >= 1 and all(x["commune"] == commune for x in r["rows"])


def test_claim_page_shows_candidates_leads_evidence_and_kinship(client, wb):
    cid = wb.matches.filter(pl.col("rank") == 1).sort("probability", descending=True)["claim_id"][0]
    r = client.get(f"/claim/{cid}")
    assert r.status_code == 200
    top = wb.matches.filter((pl.col("claim_id") == cid) & (pl.col("rank") == 1)).row(0, named=True)
    assert top["person_id"] in r.text
    assert "Không phải ai trong số này" in r.text           # none of them
    assert 'class="wf"' in r.text                           # evidence chart
    assert 'id="leads"' in r.text
    en = client.get(f"/claim/{cid}", params={"lang": "en"})
    assert "None of them" in en.text and en.cookies.get("rc_lang") == "en"


def test_decision_form_confirm_reject_undo(client, wb):
    cands = wb.matches.filter(pl.col("rank") <= 2).group_by("claim_id").len().filter(pl.col("len") == 2)
    cid = sorted(cands["claim_id"].to_list())[0]
    p1, p2 = wb.matches.filter(pl.col("claim_id") == cid).sort("rank")["person_id"].to_list()[:2]
    page = client.get(f"/claim/{cid}")
    token = _csrf(page.text)
    r = client.post(f"/decide/{cid}", data={"csrf": token, "officer": "Cán bộ Lò Văn A",
                                                   "action": f"reject:{p2}", "note": "gọi xã: không biết"},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/claim/{cid}")
    assert f'data-person-id="{p2}"' not in page.text and "Cán bộ Lò Văn A" in page.text
    r = client.post(f"/decide/{cid}", data={"csrf": token, "officer": "A", "action": f"confirm:{p1}"})
    assert r.status_code == 200 and 'id="verdict"' in r.text
    api = client.get(f"/api/claims/{cid}").json()
    assert api["verdict"] == {"decision": "confirm", "person_id": p1}
    assert client.get("/api/claims", params={"status": "decided"}).json()["total"] >= 1
    uid = [e for e in api["events"] if e["decision"] == "confirm"][0]["uid"]
    client.post(f"/decide/{cid}", data={"csrf": token, "officer": "A", "action": f"undo:{uid}"})
    assert client.get(f"/api/claims/{cid}").json()["verdict"] is None
    # a lead's outcome
    leads = wb.leads.filter(pl.col("claim_id") == cid)
    if leads.height:
        rank = leads["rank"][0]
        r = client.post(f"/decide/{cid}", data={"csrf": token, "officer": "A",
                                                       "action": f"lead:known:{rank}"})
        assert r.status_code == 200
        assert any(e["decision"] == "lead" and e["outcome"] == "known"
                   for e in client.get(f"/api/claims/{cid}").json()["events"])


def test_csrf_is_required_on_forms_and_decision_api(client, wb):
    cid = wb.claims["claim_id"][0]
    client.get("/")
    n = wb.decisions.count()
    r = client.post(f"/decide/{cid}", data={"officer": "A", "action": "none:"})
    assert r.status_code == 403
    r = client.post(f"/decide/{cid}", data={"officer": "A", "action": "none:", "csrf": "0" * 40})
    assert r.status_code == 403
    r = client.post("/api/decisions", json={"claim_id": cid, "decision": "none", "officer": "A"})
    assert r.status_code == 403
    assert wb.decisions.count() == n
    token = _csrf(client.get(f"/claim/{cid}").text)
    r = client.post("/api/decisions", json={"claim_id": cid, "decision": "unsure", "officer": "A"},
                    headers={"X-CSRF-Token": token})
    assert r.status_code == 201 and wb.decisions.count() == n + 1


def test_one_claim_query_and_batches(client, wb):
    r = client.post("/api/query", json={"claim": {"name": wb.claims["name"][0]}, "top_k": 3})
    assert r.status_code == 200
    rows = r.json()["candidates"]
    assert 1 <= len(rows) <= 3
    assert {"claim_id", "rank", "person_id", "probability", "weight", "evidence", "evidence_detail",
            "full_name", "birth_year", "household_id", "p_none"} <= set(rows[0])
    claims = [{"claim_id": "X1", "name": wb.claims["name"][1]}, {"claim_id": "X2", "name": wb.claims["name"][2]}]
    m = client.post("/api/match", json={"claims": claims, "top_k": 2}).json()["rows"]
    assert {r["claim_id"] for r in m} <= {"X1", "X2"} and m
    ls = client.post("/api/leads", json={"claims": claims, "top_k": 3}).json()["rows"]
    assert all({"kind", "reason", "probability"} <= set(r) for r in ls)


@pytest.mark.parametrize("body, ctype", [
    ("{not json", "application/json"),
    ('{"claim": {"name": "A"}}', "text/plain"),
    ('{"claim": 5}', "application/json"),
    ('{"claim": {"name": "A", "birth_year": "năm ngoái"}}', "application/json"),
    ('{"claim": {"name": "A", "birth_year": 99999}}', "application/json"),
    ('{"claim": {"name": "A", "sex": "X"}}', "application/json"),
    ('{"claim": {"name": "A", "relatives": [{"relation": "hàng xóm", "name": "B"}]}}', "application/json"),
    ('{"claim": {"name": "A", "relatives": "B"}}', "application/json"),
    ('{"claim": {"name": ["A"]}}', "application/json"),
    ('{"claim": {"name": "A"}, "top_k": 0}', "application/json"),
    ('{"claim": {"name": "A"}, "top_k": "5"}', "application/json"),
    ('{"claim": {"name": "A"}, "lang": "fr"}', "application/json"),
    ('{"claim": {}}', "application/json"),
    ('[]', "application/json"),
    ('"\\u0000"', "application/json"),
    ('{"claim": {"name": "A\\u0000B"}}', "application/json"),
    (b'\xff\xfe\x00bad', "application/json"),
])
def test_malformed_query_is_400_with_reason(client, body, ctype):
    r = client.post("/api/query", content=body, headers={"Content-Type": ctype})
    assert r.status_code == 400, r.text
    assert r.json()["error"]


@pytest.mark.parametrize("path", ["/api/claims?limit=0", "/api/claims?limit=abc", "/api/claims?offset=-1",
                                  "/api/claims?status=secret", "/?status=x", "/api/claims?q=" + "a" * 300])
def test_malformed_parameters_are_400(client, path):
    assert client.get(path).status_code == 400


def test_batch_limits(client):
    r = client.post("/api/match", json={"claims": [{"name": "A"}] * 201})
    assert r.status_code == 400 and "200" in r.json()["error"]
    r = client.post("/api/match", json={"claims": [{"claim_id": "a", "name": "A"}] * 2})
    assert r.status_code == 400 and "unique" in r.json()["error"]


def test_request_size_limit(wb):
    c = TestClient(create_app(wb, SecurityConfig(max_body=2000)), base_url=BASE)
    r = c.post("/api/query", content=json.dumps({"claim": {"name": "A" * 5000}}),
               headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_host_header_and_binding(wb):
    c = TestClient(create_app(wb, SecurityConfig()), base_url="http://evil.example")
    assert c.get("/").status_code == 400                   # DNS rebinding: foreign Host refused
    tok = "z" * 20
    wide = TestClient(create_app(wb, SecurityConfig(host="0.0.0.0", token=tok)), base_url="http://192.0.2.7:8765")
    assert wide.get("/").status_code == 401                # bound wider: the token guards instead
    assert wide.get("/", headers={"Authorization": f"Bearer {tok}"}).status_code == 200
    with pytest.raises(ValueError, match="token"):
        check_bind("0.0.0.0", None)
    check_bind("127.0.0.1", None)
    check_bind("0.0.0.0", "x" * 20)


def test_token_required_when_set(wb):
    tok = "t0k3n-" + "x" * 20
    c = TestClient(create_app(wb, SecurityConfig(token=tok)), base_url=BASE)
    assert c.get("/").status_code == 401
    assert c.get("/api/claims").status_code == 401
    assert c.get("/reconcile").status_code == 200          # the manifest stays readable (spec)
    assert c.get("/reconcile", params={"queries": '{"q":{"query":"A"}}'}).status_code == 401
    assert c.get("/api/claims", headers={"Authorization": f"Bearer {tok}"}).status_code == 200
    r = c.get("/", params={"token": tok})                  # the printed link sets an HttpOnly cookie
    assert r.status_code == 200
    assert c.get("/api/claims").status_code == 200
    assert "authentication" in c.get("/reconcile").json()


def test_cors_only_on_reconciliation_routes(client):
    assert client.get("/reconcile").headers["access-control-allow-origin"] == "*"
    pre = client.options("/reconcile", headers={"Origin": "https://x.example",
                                                "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 204 and pre.headers["access-control-allow-origin"] == "*"
    for path in ("/", "/api/claims", "/api/openapi.json"):
        assert "access-control-allow-origin" not in client.get(path, headers={"Origin": "https://x.example"}).headers
    r = client.options("/api/query", headers={"Origin": "https://x.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers


def test_openapi_page_is_local(client):
    doc = client.get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.") and "/api/query" in doc["paths"]
    page = client.get("/api/docs").text
    assert "http://" not in page.replace(BASE, "") and "https://" not in page
    assert client.get("/static/docs.js").status_code == 200


def test_hostile_strings_on_every_page_and_route(client, wb):
    enc = quote(BAD_ID, safe="")
    pages = ["/", f"/claim/{enc}", "/new", "/api/docs", f"/?q={quote(BAD)}", f"/reconcile/preview?id={quote(BAD)}",
             f"/claim/{quote(BAD, safe='')}", f"/?commune={quote(BAD)}"]
    for pid in wb.matches.filter(pl.col("claim_id") == BAD_ID)["person_id"].to_list()[:1]:
        pages.append(f"/reconcile/preview?id={pid}")
    for path in pages:
        r = client.get(path)
        assert r.status_code in (200, 400, 404), path
        assert "<script>window" not in r.text and "<img src=x" not in r.text, path
        assert r.status_code != 500
    claim_page = client.get(f"/claim/{enc}").text
    assert "&lt;script&gt;" in claim_page                  # shown, escaped
    for path in ("/api/claims", f"/api/claims/{enc}", f"/api/claims?q={quote(BAD)}",
                 f"/reconcile/suggest/entity?prefix={quote(BAD)}", f"/reconcile/suggest/property?prefix={quote(BAD)}",
                 f"/api/decisions?claim_id={enc}"):
        r = client.get(path)
        assert r.status_code in (200, 404) and r.headers["content-type"].startswith("application/json"), path
    token = _csrf(client.get(f"/claim/{enc}").text)
    r = client.post(f"/decide/{enc}", data={"csrf": token, "officer": BAD, "note": BAD, "action": "none:"})
    assert r.status_code == 200 and "<script>window" not in r.text
    r = client.post("/api/query", json={"claim": {"name": BAD, "residence": BAD}})
    assert r.status_code == 200
    r = client.post("/reconcile", data={"queries": json.dumps({BAD: {"query": BAD, "properties": [
        {"pid": "father", "v": BAD}]}})})
    assert r.status_code == 200 and BAD in r.json()


def test_logs_carry_no_personal_data(client, wb, caplog):
    name = wb.claims["name"][0]
    with caplog.at_level(logging.INFO, logger="reconcile.app"):
        client.get("/api/claims", params={"q": name})
        client.get(f"/claim/{wb.claims['claim_id'][0]}")
        client.post("/api/query", json={"claim": {"name": name}})
        client.get("/reconcile", params={"queries": json.dumps({"q": {"query": name}})})
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "/api/claims" in text and "/claim/{claim_id:path}" in text
    assert name not in text and fold(name) not in text and wb.claims["claim_id"][0] not in text


def test_parse_claim_accepts_vietnamese_forms():
    c = parse_claim({"name": " Giàng A Páo ", "sex": "nam", "birth_year": "1980",
                     "relatives": [{"relation": "Father", "name": "Giàng A Dơ"}], "aliases": "Páo; Pao"})
    assert c["sex"] == "M" and c["birth_year"] == 1980 and c["name"] == "Giàng A Páo"
    assert c["relatives"][0]["relation"] == "father" and c["aliases"] == ["Páo", "Pao"]
    with pytest.raises(ClaimInputError):
        parse_claim({"sex": "M"})


def test_cli_review_learn_and_decisions(tmp_path, capsys):
    """`reconcile review` starts on the sample data and serves; `learn` and `decisions export|import`
    run from the command line (the README's demo lines)."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    from reconcile.cli import main

    index, claims = sample_index_claims()
    idx = tmp_path / "sample.rcidx"
    index.save(idx)
    cl = tmp_path / "claims.jsonl"
    claims.drop("_row").write_ndjson(cl)
    db = tmp_path / "decisions.db"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "reconcile.cli", "review", "--index", str(idx), "--claims", str(cl),
                             "--db", str(db), "--port", str(port), "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    try:
        body = None
        for _ in range(600):
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/reconcile", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.1)
        assert body is not None, proc.stdout.read().decode()[-2000:]
        assert json.loads(body)["versions"] == ["0.2"]
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read().decode()
        assert "Hàng chờ" in page
    finally:
        proc.terminate()
        proc.wait(20)
    out = proc.stdout.read().decode()
    assert f"http://127.0.0.1:{port}/" in out
    assert wb_name_not_in(out, claims)

    # decisions of an officer who knows the truth, then learn (the claims file is remembered by review)
    truth = pl.read_csv(Path(__file__).resolve().parents[1] / "data" / "samples" / "truth.csv",
                        schema_overrides={"person_id": pl.Utf8})
    import reconcile as rc
    m = rc.match(claims, index, top_k=10)
    d = Decisions.open(db)
    t = dict(zip(truth["claim_id"].to_list(), truth["person_id"].to_list()))
    events = []
    for cid in claims["claim_id"].to_list():
        tp = t.get(cid)
        ok = tp in m.filter(pl.col("claim_id") == cid)["person_id"].to_list()
        events.append({"claim_id": cid, "officer": "sim", "decision": "confirm" if ok else "none",
                       "person_id": tp if ok else None})
    d.record_many(events)
    capsys.readouterr()
    assert main(["learn", "--db", str(db), "--index", str(idx)]) == 0
    text = capsys.readouterr().out
    assert "held-out decisions" in text and "calibration.a" in text
    if "written into" in text:
        written = rc.load_index(idx).params
        assert written["format"] == "reconcile-model" and written["version"] == 3
        assert "learned_from_decisions" in written["trained_on"]
    else:
        assert "unchanged" in text
    assert main(["decisions", "export", "--db", str(db), "--out", str(tmp_path / "ex.csv")]) == 0
    assert main(["decisions", "import", str(tmp_path / "ex.csv"), "--db", str(tmp_path / "other.db")]) == 0
    assert Decisions(tmp_path / "other.db").count() == len(events)
    assert main(["decisions", "import", str(tmp_path / "claims.jsonl"), "--db", str(tmp_path / "other.db")]) == 2


def wb_name_not_in(text: str, claims: pl.DataFrame) -> bool:
    return not any(n and n in text for n in claims["name"].to_list())


def test_review_refuses_public_bind_without_token(tmp_path, capsys):
    from reconcile.cli import main

    assert main(["review", "--index", str(tmp_path / "none"), "--host", "0.0.0.0"]) == 2
    assert "token" in capsys.readouterr().err


def test_unexpected_error_is_500_without_data_in_logs(wb, caplog, monkeypatch):
    c = TestClient(create_app(wb, SecurityConfig()), base_url=BASE, raise_server_exceptions=False)

    def boom(*a, **k):
        raise RuntimeError("Giàng A Páo 002051091123")
    monkeypatch.setattr(wb, "queue_rows", boom)
    with caplog.at_level(logging.INFO):
        r = c.get("/api/claims")
    assert r.status_code == 500 and "Giàng" not in r.text
    assert "Giàng" not in caplog.text and "002051091123" not in caplog.text
    assert "RuntimeError" in caplog.text


def test_desk_query_marks_people_confirmed_for_another_claim(client, wb):
    cid = wb.claims["claim_id"][5]
    top = wb.matches.filter((pl.col("claim_id") == cid) & (pl.col("rank") == 1))
    if top.height == 0:
        pytest.skip("claim without candidates")
    pid = top["person_id"][0]
    wb.decisions.record(cid, "confirm", "A", person_id=pid)
    rows = client.post("/api/query", json={"claim": {"name": top["full_name"][0]}, "top_k": 10}).json()["candidates"]
    marked = [r for r in rows if r["person_id"] == pid]
    assert marked and marked[0]["confirmed_for"] == cid


def test_learning_m_update_is_shrunk_toward_current():
    """learn's m update is the model's `fit_from_labels` on levels [n, k] (engine v3)."""
    import numpy as np

    from reconcile.app.learn import fit_m
    from reconcile.comparisons import default_registry
    from reconcile.model import default_params

    reg = default_registry()
    params = default_params()
    names = [c.name for c in reg]
    j = names.index("giv")
    diff = reg["giv"].level_names.index("different")
    old = params.m["giv"]["different"]

    def levels(n):
        lv = np.ones((n, len(names)), dtype=np.int8)                 # every comparison at its first level
        lv[:, j] = diff                                              # every confirmed pair: given name differs
        return lv

    few = fit_m(levels(5), np.ones(5), params, 50.0).m["giv"]
    many = fit_m(levels(5000), np.ones(5000), params, 50.0).m["giv"]
    assert old < few["different"] < many["different"] and many["different"] > 0.5
    assert sum(v for k, v in few.items() if k != "missing") == pytest.approx(1.0, abs=1e-6)
    assert params.m["giv"]["different"] == old                      # the current parameters are not changed
    none = fit_m(levels(5), np.zeros(5), params, 50.0).m["giv"]     # rejected pairs do not move m
    assert none["different"] == pytest.approx(old, rel=1e-6)


def test_batch_results_are_kept_for_a_restart(tmp_path, monkeypatch):
    import reconcile as rc

    index, claims = sample_index_claims()
    cl = tmp_path / "claims.jsonl"
    claims.head(10).drop("_row").write_ndjson(cl)
    first = Workbench.build(index, cl, tmp_path / "d.db")
    assert len(list((tmp_path / "d.db.results").glob("*.parquet"))) == 2

    def no(*a, **k):
        raise AssertionError("recomputed")
    monkeypatch.setattr(rc, "match", no)
    monkeypatch.setattr(rc, "leads", no)
    again = Workbench.build(index, cl, tmp_path / "d.db")
    assert again.matches.equals(first.matches) and again.leads.equals(first.leads)
    cl.write_text(cl.read_text("utf-8").replace('"C-0001"', '"C-9001"'), "utf-8")   # another file
    with pytest.raises(AssertionError, match="recomputed"):
        Workbench.build(index, cl, tmp_path / "d.db")


def test_start_scores_each_batch_once_and_gives_match_and_leads_rows():
    """Workbench start: one Matcher.score per batch of claims feeds both match and leads (scored=);
    the rows are those of rc.match and rc.leads."""
    from polars.testing import assert_frame_equal

    import reconcile as rc
    from reconcile.app.service import QueueConfig, score_batch

    index, claims = sample_index_claims()
    part = claims.head(40)
    cfg = QueueConfig(top_k=5, leads_top_k=8)
    m, lds = score_batch(part, index, cfg)
    assert_frame_equal(m, rc.match(part, index, top_k=5))
    assert_frame_equal(lds, rc.leads(part, index, top_k=8))
