"""The W3C Reconciliation Service API 0.2 on the review server: responses validate against the spec's
JSON Schemas, the spec's valid and invalid examples behave as the spec says, and our choices (score =
probability × 100, `match` only for a confident identity, features = per-field weights) hold."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("starlette", reason="the app extra is not installed (pip install 'reconcile[app]')")
jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is not installed")
from starlette.testclient import TestClient  # noqa: E402

from reconcile.app import recon  # noqa: E402
from reconcile.app.security import SecurityConfig  # noqa: E402
from reconcile.app.server import create_app  # noqa: E402
from reconcile.app.service import Workbench  # noqa: E402
from reconcile.decisions import Decisions  # noqa: E402
from test_decisions import sample_index_claims  # noqa: E402

SPEC = Path(__file__).parent / "fixtures" / "reconciliation-api-0.2"
BASE = "http://127.0.0.1"

# The manifest schema refers to a remote Swagger schema for `authentication`; validate offline with
# the same rule written out (Swagger 2 security scheme: basic, apiKey with name/in, oauth2 with flow).
SECURITY_SCHEME = {
    "type": "object", "required": ["type"],
    "properties": {"type": {"enum": ["basic", "apiKey", "oauth2"]}},
    "allOf": [{"if": {"properties": {"type": {"const": "apiKey"}}},
               "then": {"required": ["name", "in"], "properties": {"in": {"enum": ["header", "query"]}}}},
              {"if": {"properties": {"type": {"const": "oauth2"}}}, "then": {"required": ["flow"]}}],
}


def _schema(name: str) -> dict:
    s = json.loads((SPEC / "schemas" / f"{name}.json").read_text("utf-8"))
    if name == "manifest":
        s = copy.deepcopy(s)
        s["properties"]["authentication"] = SECURITY_SCHEME
    return s


def validator(name: str):
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    docs = [json.loads(p.read_text("utf-8")) for p in (SPEC / "schemas").glob("*.json")]
    registry = Registry().with_resources((d["$id"], Resource(contents=d, specification=DRAFT7)) for d in docs)
    return jsonschema.Draft7Validator(_schema(name), registry=registry)


def examples(kind: str, valid: bool) -> list[Path]:
    return sorted((SPEC / "examples" / kind / ("valid" if valid else "invalid")).glob("*.json"))


@pytest.fixture(scope="module")
def wb(tmp_path_factory):
    index, claims = sample_index_claims()
    return Workbench.build(index, claims, Decisions.open(tmp_path_factory.mktemp("r") / "d.db"))


@pytest.fixture()
def client(wb):
    return TestClient(create_app(wb, SecurityConfig()), base_url=BASE)


# -- the validator itself agrees with the spec's examples --------------------------------------------

@pytest.mark.parametrize("kind, schema", [("manifest", "manifest"),
                                          ("reconciliation-query-batch", "reconciliation-query-batch"),
                                          ("reconciliation-result-batch", "reconciliation-result-batch"),
                                          ("suggest-entities-response", "suggest-entities-response")])
def test_spec_examples_against_schemas(kind, schema):
    v = validator(schema)
    for p in examples(kind, True):
        errors = list(v.iter_errors(json.loads(p.read_text("utf-8"))))
        assert not errors, (p.name, errors[:1])
    for p in examples(kind, False):
        assert list(v.iter_errors(json.loads(p.read_text("utf-8")))), p.name


# -- our parser agrees with the spec's query-batch examples ------------------------------------------

@pytest.mark.parametrize("path", examples("reconciliation-query-batch", True), ids=lambda p: p.name)
def test_valid_query_batches_are_accepted(client, path):
    text = path.read_text("utf-8")
    recon.check_batch(json.loads(text))              # structure accepted
    r = client.post("/reconcile", data={"queries": text})
    if r.status_code == 400:                         # the examples use other services' property ids
        assert "unknown property" in r.json()["error"]
    else:
        assert r.status_code == 200
        validator("reconciliation-result-batch").validate(r.json())
        assert set(r.json()) == set(json.loads(text))


@pytest.mark.parametrize("path", examples("reconciliation-query-batch", False), ids=lambda p: p.name)
def test_invalid_query_batches_are_400_with_reason(client, path):
    text = path.read_text("utf-8")
    with pytest.raises(recon.ReconError):
        recon.check_batch(json.loads(text))
    for r in (client.post("/reconcile", data={"queries": text}), client.get("/reconcile", params={"queries": text})):
        assert r.status_code == 400 and r.json()["error"]


@pytest.mark.parametrize("text", ["{", "[]", '{"q": 5}', '{"q": {"query": 5}}', '{"q": {"query": "A", "limit": "x"}}',
                                  '{"q": {"properties": [{"pid": "sex"}]}}', '{"q": {"query": "A", "type": 3}}',
                                  '{"q": {"query": "A", "properties": [{"pid": "sex", "v": [[1]]}]}}',
                                  '{"q": {"query": "A", "properties": [{"pid": "birth_year", "v": "old"}]}}',
                                  '{"q": {"query": "A", "properties": [{"pid": "sex", "v": true}]}}',
                                  '{"q": {"query": "", "properties": [{"pid": "sex", "v": "M"}]}}'])
def test_malformed_batches_are_400(client, text):
    r = client.post("/reconcile", data={"queries": text})
    assert r.status_code == 400 and r.json()["error"]


def test_batch_size_and_form_rules(client):
    big = {f"q{i}": {"query": "A"} for i in range(recon.MAX_QUERIES + 1)}
    assert client.post("/reconcile", data={"queries": json.dumps(big)}).status_code == 413
    assert client.post("/reconcile", json={"q0": {"query": "A"}}).status_code == 400
    assert client.post("/reconcile", data={"other": "x"}).status_code == 400
    assert client.post("/reconcile", data={"extend": "{}"}).status_code == 400


# -- manifest, results, preview, suggest ----------------------------------------------------------------

def test_manifest_validates(client, wb):
    m = client.get("/reconcile").json()
    validator("manifest").validate(m)
    assert m["versions"] == ["0.2"] and "probability × 100" in m["name"]
    tok = "k" * 24
    mt = TestClient(create_app(wb, SecurityConfig(token=tok)), base_url=BASE).get("/reconcile").json()
    validator("manifest").validate(mt)
    assert mt["authentication"] == {"type": "apiKey", "name": "token", "in": "query"}


def _full_claim_query(wb, n: int = 5) -> dict:
    out = {}
    for c in wb.claims.head(n).to_dicts():
        props = []
        for pid, key in (("sex", "sex"), ("birth_year", "birth_year"), ("age", "age"), ("zodiac", "zodiac"),
                         ("ethnicity", "ethnicity"), ("hometown", "claimed_hometown"), ("residence", "residence")):
            if c.get(key) is not None:
                props.append({"pid": pid, "v": c[key]})
        for r in c.get("relatives") or []:
            props.append({"pid": r["relation"], "v": r["name"]})
        out[c["claim_id"]] = {"query": c["name"], "type": "person", "limit": 3, "properties": props}
    return out


def test_results_validate_and_follow_the_match_output(client, wb):
    q = _full_claim_query(wb)
    r = client.post("/reconcile", data={"queries": json.dumps(q, ensure_ascii=False)})
    assert r.status_code == 200
    res = r.json()
    validator("reconciliation-result-batch").validate(res)
    assert set(res) == set(q)
    for cid, body in res.items():
        assert len(body["result"]) <= 3
        scores = [c["score"] for c in body["result"]]
        assert scores == sorted(scores, reverse=True)
        assert all(0 <= s <= 100 for s in scores)
        assert sum(c["match"] for c in body["result"]) <= 1
        for k, c in enumerate(body["result"]):
            assert c["match"] == (k == 0 and c["score"] >= recon.MATCH_PROBABILITY * 100)
            feats = {f["id"]: f["value"] for f in c["features"]}
            assert "total_weight" in feats and "giv" in feats
            assert sum(v for k2, v in feats.items() if k2 != "total_weight") == pytest.approx(feats["total_weight"], abs=0.05)
    # the same claim through the GET form gives the same answer
    one = {k: q[k] for k in list(q)[:1]}
    g = client.get("/reconcile", params={"queries": json.dumps(one, ensure_ascii=False)}).json()
    assert g == {k: res[k] for k in one}


def test_confident_identity_sets_match(client, wb):
    """A query carrying a registered person's own record scores high and is `match: true`."""
    people = wb.index.people
    row = people.filter(pl.col("father_name").is_not_null() & pl.col("mother_name").is_not_null()).row(0, named=True)
    props = [{"pid": "birth_year", "v": int(row["p_birth_year"])}, {"pid": "sex", "v": row["sex"]},
             {"pid": "father", "v": row["father_name"]}, {"pid": "mother", "v": row["mother_name"]},
             {"pid": "hometown", "v": row["hometown"]}, {"pid": "residence", "v": row["residence"]}]
    if row.get("ethnicity"):
        props.append({"pid": "ethnicity", "v": row["ethnicity"]})
    res = client.post("/reconcile", data={"queries": json.dumps({"q0": {"query": row["full_name"], "properties": props}})}).json()
    top = res["q0"]["result"][0]
    assert top["id"] == row["person_id"] and top["match"] is True and top["score"] >= 95


def test_nobody_is_forced(client):
    res = client.post("/reconcile", data={"queries": json.dumps({"q0": {"query": "Xyzzy Qwerty Plugh"}})}).json()
    assert all(not c["match"] for c in res["q0"]["result"])


def test_preview_and_suggest(client, wb):
    pid = wb.index.people["person_id"][0]
    name = wb.index.people["full_name"][0]
    r = client.get("/reconcile/preview", params={"id": pid})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html") and name in r.text
    assert "frame-ancestors *" in r.headers["content-security-policy"]
    assert client.get("/reconcile/preview", params={"id": "nobody"}).status_code == 404
    s = client.get("/reconcile/suggest/entity", params={"prefix": name.split()[0]}).json()
    validator("suggest-entities-response").validate(s)
    assert s["result"]
    from reconcile.app.service import fold
    assert any(c["id"] == pid for c in client.get("/reconcile/suggest/entity", params={"prefix": fold(name)}).json()["result"])
    assert client.get("/reconcile/suggest/entity", params={"prefix": pid}).json()["result"][0]["id"] == pid
    p = client.get("/reconcile/suggest/property", params={"prefix": "fa"}).json()
    validator("suggest-properties-response").validate(p)
    assert "father" in [x["id"] for x in p["result"]]
    t = client.get("/reconcile/suggest/type", params={"prefix": ""}).json()
    validator("suggest-types-response").validate(t)
    assert client.get("/reconcile/suggest/entity").status_code == 400
