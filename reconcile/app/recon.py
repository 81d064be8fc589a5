"""W3C Reconciliation Service API 0.2 on the review server (`/reconcile`), so OpenRefine and other
tools can reconcile a spreadsheet of claims against the register.

Owns
- the manifest (`GET /reconcile`), query batches (`GET /reconcile?queries=` and
  `POST /reconcile` with the form field `queries`), entity preview (`/reconcile/preview?id=`), and
  suggest for entities (names), properties and types (`/reconcile/suggest/{entity,property,type}`);
- `parse_batch(text)`: the batch checked by hand against the 0.2 query-batch rules (the spec's valid
  and invalid examples are the tests), each query turned into a claim: `query` is the name, the
  properties (`PROPERTIES`) carry the rest;
- `candidate(row)`: `score` = probability × 100 (the manifest says so), `match` only for a confident
  identity (`MATCH_PROBABILITY`), `features` = the per-field weights (log2 Bayes factors).
CORS for these routes is added by the security middleware; they need the token (except the manifest)
when the server has one.
"""

from __future__ import annotations

import json

import polars as pl
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

import reconcile
from reconcile.app.service import ClaimInputError, parse_claim

SCORE_SCALE = 100.0            # score = probability × 100
MATCH_PROBABILITY = 0.95       # `match: true` only at or above this probability, for the best candidate
MAX_QUERIES = 50               # batchSize in the manifest (413 above it)
MAX_LIMIT = 50
TYPE = {"id": "person", "name": "Người trong CSDL dân cư / Registered person"}

# pid -> (claim key, label); relatives' pids become claimed relatives
PROPERTIES: dict[str, tuple[str, str]] = {
    "sex": ("sex", "Giới tính / Sex (M, F, nam, nữ)"),
    "birth_year": ("birth_year", "Năm sinh / Birth year"),
    "age": ("age", "Tuổi / Age"),
    "zodiac": ("zodiac", "Con giáp / Zodiac year (Tý, Sửu, …)"),
    "ethnicity": ("ethnicity", "Dân tộc / Ethnicity"),
    "hometown": ("claimed_hometown", "Quê quán / Hometown"),
    "residence": ("residence", "Nơi ở / Residence"),
    "aliases": ("aliases", "Tên khác / Other names"),
    "father": ("father", "Tên cha / Father's name"),
    "mother": ("mother", "Tên mẹ / Mother's name"),
    "spouse": ("spouse", "Tên vợ/chồng / Spouse's name"),
    "child": ("child", "Tên con / Child's name"),
    "sibling": ("sibling", "Tên anh chị em / Sibling's name"),
}
_RELATIONS = ("father", "mother", "spouse", "child", "sibling")

_env = Environment(loader=PackageLoader("reconcile.app", "templates"),
                   autoescape=select_autoescape(default=True, default_for_string=True))


class ReconError(ValueError):
    """A malformed reconciliation request (400 with this reason)."""


class BatchTooLarge(ReconError):
    """More queries than the manifest's batchSize (413, as the spec allows)."""


# ------------------------------------------------------------------------------------------------
# Query batches
# ------------------------------------------------------------------------------------------------

def _value_ok(v) -> bool:
    if isinstance(v, (str, bool)) or (isinstance(v, (int, float))):
        return True
    return isinstance(v, dict) and isinstance(v.get("id"), str) and \
        all(isinstance(v.get(k), str) for k in ("name",) if k in v)


def check_batch(batch) -> None:
    """Raise ReconError when `batch` breaks the 0.2 reconciliation-query-batch rules."""
    if not isinstance(batch, dict):
        raise ReconError("queries must be a JSON object of queries keyed by ids, e.g. {\"q0\": {\"query\": \"...\"}}")
    allowed = {"query", "type", "limit", "properties", "type_strict"}
    for qid, q in batch.items():
        where = f"query {qid[:40]!r}"
        if not isinstance(q, dict):
            raise ReconError(f"{where}: must be an object")
        extra = set(q) - allowed
        if extra:
            raise ReconError(f"{where}: unknown field(s) {sorted(extra)[:5]}; allowed: {sorted(allowed)}")
        if "query" in q and not isinstance(q["query"], str):
            raise ReconError(f"{where}: 'query' must be a string")
        if "type" in q and not (isinstance(q["type"], str) or
                                (isinstance(q["type"], list) and all(isinstance(t, str) for t in q["type"]))):
            raise ReconError(f"{where}: 'type' must be a string or a list of strings")
        if "limit" in q and (isinstance(q["limit"], bool) or not isinstance(q["limit"], (int, float))):
            raise ReconError(f"{where}: 'limit' must be a number")
        if "type_strict" in q and q["type_strict"] not in ("any", "should", "all"):
            raise ReconError(f"{where}: 'type_strict' must be any, should or all")
        props = q.get("properties")
        if "properties" in q:
            if not isinstance(props, list):
                raise ReconError(f"{where}: 'properties' must be a list of {{pid, v}} objects")
            for k, p in enumerate(props):
                if not isinstance(p, dict) or "pid" not in p or "v" not in p:
                    raise ReconError(f"{where}: properties[{k}] must have 'pid' and 'v'")
                if not isinstance(p["pid"], str):
                    raise ReconError(f"{where}: properties[{k}].pid must be a string")
                v = p["v"]
                if not (_value_ok(v) or (isinstance(v, list) and all(_value_ok(x) for x in v))):
                    raise ReconError(f"{where}: properties[{k}].v must be a string, number, boolean, "
                                     "{id, name} object, or a list of those")
        has_query = isinstance(q.get("query"), str)
        has_props = isinstance(props, list) and len(props) >= 1
        if not has_query and not has_props:
            raise ReconError(f"{where}: give 'query' (the name) or at least one property")


def _values(v) -> list[str]:
    vals = v if isinstance(v, list) else [v]
    out = []
    for x in vals:
        if isinstance(x, dict):
            x = x.get("name") or x.get("id")
        if isinstance(x, bool):
            raise ReconError("a property value must not be a boolean here")
        if isinstance(x, float) and x.is_integer():
            x = int(x)
        if x is not None and str(x).strip():
            out.append(str(x).strip())
    return out


def to_claim(qid: str, q: dict) -> dict:
    """A claim dict from one reconciliation query (`query` = name, properties = the rest)."""
    claim: dict = {"claim_id": qid, "name": (q.get("query") or "").strip() or None, "relatives": []}
    for p in q.get("properties") or []:
        pid = p["pid"].strip().lower()
        if pid not in PROPERTIES:
            raise ReconError(f"query {qid[:40]!r}: unknown property {p['pid'][:40]!r}; known: "
                             f"{', '.join(PROPERTIES)} (see /reconcile/suggest/property)")
        key = PROPERTIES[pid][0]
        vals = _values(p["v"])
        if not vals:
            continue
        if key in _RELATIONS:
            claim["relatives"] += [{"relation": key, "name": v} for v in vals]
        elif key == "aliases":
            claim["aliases"] = vals
        else:
            claim[key] = vals[0]
    try:
        return parse_claim(claim, claim_id=qid)
    except ClaimInputError as exc:
        raise ReconError(f"query {qid[:40]!r}: {exc}") from None


def parse_batch(text: str) -> dict:
    try:
        batch = json.loads(text)
    except ValueError as exc:
        raise ReconError(f"queries is not valid JSON ({exc.msg} at character {exc.pos})") from None
    check_batch(batch)
    if len(batch) > MAX_QUERIES:
        raise BatchTooLarge(f"at most {MAX_QUERIES} queries per batch (batchSize in the manifest)")
    return batch


def candidate(row: dict, best: bool) -> dict:
    p = float(row.get("probability") or 0.0)
    by = row.get("birth_year")
    desc = " · ".join(str(x) for x in (f"sinh {by}" if by else None, row.get("household_id") and
                                       f"hộ {row['household_id']}", row.get("person_id")) if x)
    feats = [{"id": str(d.get("field")), "value": round(float(d.get("weight") or 0.0), 3)}
             for d in (row.get("evidence_detail") or []) if d and d.get("field")]
    feats.append({"id": "total_weight", "value": round(float(row.get("weight") or 0.0), 3)})
    return {"id": str(row["person_id"]), "name": str(row.get("full_name") or row["person_id"]),
            "description": desc, "score": round(p * SCORE_SCALE, 2),
            "match": bool(best and p >= MATCH_PROBABILITY), "features": feats, "type": [TYPE]}


def answer_batch(batch: dict, wb) -> dict:
    """Result batch for a checked query batch: each query answered on its own (the workbench's warm
    matcher, one scoring call for the batch)."""
    from reconcile.app.service import answer_many

    claims, limits = [], {}
    for qid, q in batch.items():
        claims.append(to_claim(qid, q))
        lim = q.get("limit", 10)
        limits[qid] = max(1, min(int(lim), MAX_LIMIT)) if lim and lim > 0 else 10
    out = {qid: {"result": []} for qid in batch}
    if not claims:
        return out
    k = max(limits.values())
    res = answer_many(claims, wb.matcher, top_k=k, lang="vi")
    for row in res.to_dicts():
        qid = row["claim_id"]
        if row["rank"] <= limits[qid]:
            out[qid]["result"].append(candidate(row, row["rank"] == 1))
    return out


# ------------------------------------------------------------------------------------------------
# Routes
# ------------------------------------------------------------------------------------------------

def manifest(base: str, token: bool) -> dict:
    m = {
        "versions": ["0.2"],
        "name": "reconcile — sổ đăng ký dân cư / population register (score = probability × 100)",
        "identifierSpace": f"{base}/reconcile/person/",
        "schemaSpace": f"{base}/reconcile/schema/",
        "documentation": f"{base}/api/docs",
        "serviceVersion": reconcile.__version__,
        "defaultTypes": [TYPE],
        "view": {"url": f"{base}/reconcile/preview?id={{{{id}}}}"},
        "preview": {"url": f"{base}/reconcile/preview?id={{{{id}}}}", "width": 430, "height": 320},
        "suggest": {
            "entity": {"service_url": base, "service_path": "/reconcile/suggest/entity"},
            "property": {"service_url": base, "service_path": "/reconcile/suggest/property"},
            "type": {"service_url": base, "service_path": "/reconcile/suggest/type"},
        },
        "batchSize": MAX_QUERIES,
    }
    if token:
        m["authentication"] = {"type": "apiKey", "name": "token", "in": "query"}
    return m


def routes(wb, sec) -> list[Route]:
    def base_of(request: Request) -> str:
        return f"{request.url.scheme}://{request.url.netloc}"

    async def endpoint(request: Request):
        if request.method == "POST":
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
                raise ReconError("POST the batch as a form field 'queries' "
                                 "(Content-Type: application/x-www-form-urlencoded)")
            form = await request.form()
            text = form.get("queries")
            if "extend" in form:
                raise ReconError("data extension is not offered by this service")
        else:
            text = request.query_params.get("queries")
            if "extend" in request.query_params:
                raise ReconError("data extension is not offered by this service")
            if text is None:
                return JSONResponse(manifest(base_of(request), bool(sec.token)))
        if not isinstance(text, str):
            raise ReconError("the form field 'queries' is missing")
        batch = parse_batch(text)
        return JSONResponse(answer_batch(batch, wb))

    async def preview(request: Request):
        pid = request.query_params.get("id", "")
        lang = request.query_params.get("lang", "vi")
        person = wb.person(pid) if 0 < len(pid) <= 100 else None
        if person is None:
            return HTMLResponse(_env.get_template("preview.html").render(person=None, pid=pid[:100]),
                                status_code=404)
        confirmed = wb.decisions.confirmed().filter(pl.col("person_id") == pid)["claim_id"].to_list()
        return HTMLResponse(_env.get_template("preview.html").render(
            person=person, pid=pid, confirmed=confirmed, en=lang == "en"))

    def _prefix(request: Request) -> tuple[str, int]:
        prefix = request.query_params.get("prefix")
        if prefix is None:
            raise ReconError("give the prefix parameter")
        if len(prefix) > 200:
            raise ReconError("prefix is longer than 200 characters")
        cur = request.query_params.get("cursor", "0")
        if not cur.isdigit() or int(cur) > 100_000:
            raise ReconError("cursor must be a whole number")
        return prefix, int(cur)

    async def suggest_entity(request: Request):
        prefix, cur = _prefix(request)
        rows = wb.suggest_people(prefix, limit=10, cursor=cur)
        return JSONResponse({"result": [
            {"id": str(r["person_id"]), "name": str(r.get("full_name") or r["person_id"]),
             "description": " · ".join(str(x) for x in (r.get("p_birth_year"), r.get("residence")) if x),
             "notable": [TYPE]} for r in rows]})

    async def suggest_property(request: Request):
        prefix, _ = _prefix(request)
        from reconcile.app.service import fold

        key = fold(prefix)
        return JSONResponse({"result": [{"id": pid, "name": label} for pid, (_, label) in PROPERTIES.items()
                                        if not key or key in fold(pid) or key in fold(label)]})

    async def suggest_type(request: Request):
        _prefix(request)
        return JSONResponse({"result": [TYPE]})

    return [
        Route("/reconcile", endpoint, methods=["GET", "POST"]),
        Route("/reconcile/preview", preview),
        Route("/reconcile/suggest/entity", suggest_entity),
        Route("/reconcile/suggest/property", suggest_property),
        Route("/reconcile/suggest/type", suggest_type),
    ]


__all__ = ["MATCH_PROBABILITY", "PROPERTIES", "ReconError", "answer_batch", "check_batch", "manifest",
           "parse_batch", "routes", "to_claim"]
