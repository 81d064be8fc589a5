"""The Starlette application: review pages, the JSON API and (from `recon`) the Reconciliation API.

Owns `create_app(workbench, security)` and every route but `/reconcile*`:
- pages: `/` (queue), `/claim/{claim_id}`, `/new` (desk form), `/api/docs` (OpenAPI page);
- form posts: `/decide/{claim_id}` (CSRF field required; undo is a new decision);
- JSON: `GET /api/claims` (queue page), `GET /api/claims/{id}`, `POST /api/query` (one claim),
  `POST /api/match`, `POST /api/leads` (batches), `GET|POST /api/decisions`, `GET /api/openapi.json`.
JSON posts must be `application/json` (a cross-site form cannot send that without a CORS preflight,
which these routes never allow); `POST /api/decisions` also needs the `X-CSRF-Token` header or the
server token. Every malformed input gets a 400 with the reason; unexpected errors a 500 without data.
"""

from __future__ import annotations

import json
import math
import secrets
import time
from importlib import resources
from urllib.parse import quote, unquote

import polars as pl
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from reconcile import decisions as dec
from reconcile.app import i18n, views
from reconcile.app.security import SID_COOKIE, SecurityConfig, SecurityMiddleware, csrf_ok, csrf_token
from reconcile.app.service import (ClaimInputError, QueueConfig, Workbench, answer_many, answer_one,
                                  parse_claim)
from reconcile.io.write import records

MAX_BATCH = 200           # claims per /api/match or /api/leads call
MAX_TOP_K = 50
DESK_CLAIM_ID = "(desk)"   # claim id of a claim typed at the desk that has none yet

_env = Environment(loader=PackageLoader("reconcile.app", "templates"),
                   autoescape=select_autoescape(default=True, default_for_string=True))


class BadRequest(Exception):
    """Turned into a 400 with this message."""


def _lang(request: Request) -> str:
    q = request.query_params.get("lang")
    if q in i18n.LANGS:
        return q
    c = request.cookies.get("rc_lang")
    return c if c in i18n.LANGS else "vi"


def _sid(request: Request) -> tuple[str, bool]:
    sid = request.cookies.get(SID_COOKIE)
    if sid and 16 <= len(sid) <= 64 and sid.isalnum():
        return sid, False
    return secrets.token_hex(16), True


def _jsonable(v):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return v


def frame_json(df: pl.DataFrame) -> list[dict]:
    return [_jsonable(r) for r in df.to_dicts()]


def _int_param(request: Request, key: str, default: int, lo: int, hi: int) -> int:
    v = request.query_params.get(key)
    if v is None or v == "":
        return default
    try:
        n = int(v)
    except ValueError:
        raise BadRequest(f"query parameter {key!r} must be a whole number") from None
    if not lo <= n <= hi:
        raise BadRequest(f"query parameter {key!r} must be between {lo} and {hi}")
    return n


async def _json_body(request: Request):
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise BadRequest("send the body as JSON with Content-Type: application/json")
    raw = await request.body()
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(f"the body is not valid JSON ({type(exc).__name__})") from None


def create_app(wb: Workbench, security: SecurityConfig | None = None, lang: str = "vi") -> Starlette:
    """The whole server (pages, JSON API, Reconciliation API) around one Workbench."""
    from reconcile.app import recon

    sec = security or SecurityConfig()
    default_lang = lang

    def page(request: Request, template: str, code: int = 200, **ctx) -> HTMLResponse:
        lg = request.query_params.get("lang") if request.query_params.get("lang") in i18n.LANGS else None
        lg = lg or (request.cookies.get("rc_lang") if request.cookies.get("rc_lang") in i18n.LANGS
                    else default_lang)
        sid, new = _sid(request)
        html = _env.get_template(template).render(
            w=i18n.words(lg), lang=lg, other_lang="en" if lg == "vi" else "vi",
            csrf=csrf_token(sec.secret, sid), **ctx)
        resp = HTMLResponse(html, status_code=code)
        if new:
            resp.set_cookie(SID_COOKIE, sid, httponly=True, samesite="strict")
        if request.query_params.get("lang") in i18n.LANGS:
            resp.set_cookie("rc_lang", lg, samesite="strict")
        return resp

    # -- pages -------------------------------------------------------------------------------------
    async def queue_page(request: Request):
        status = request.query_params.get("status") or ""
        if status not in ("", "likely", "relatives", "none", "decided"):
            raise BadRequest("status must be likely, relatives, none or decided")
        return page(request, "queue.html", communes=wb.communes(), status=status,
                    q=request.query_params.get("q", "")[:200], commune=request.query_params.get("commune", "")[:200],
                    page_size=wb.config.page_size)

    async def claim_page(request: Request):
        cid = request.path_params["claim_id"]
        claim = wb.claim(cid)
        if claim is None:
            return page(request, "error.html", code=404, message=i18n.words(_lang(request))["not_found"])
        cands = wb.candidates(cid)
        state = wb.decisions.state()
        verdict = state.verdict.get(cid)
        rejected = sorted(p for c, p in state.rejected if c == cid)
        rows = []
        for k, m in enumerate(frame_json(cands)):
            detail = records(m.get("evidence_detail"))
            m["chart"] = views.evidence_chart(detail, m.get("weight"))
            m["kin"] = views.kinship_picture(detail) if k < 3 else []
            rows.append(m)
        events = frame_json(wb.decisions.events(cid))
        undone = {e["undoes"] for e in events if e["decision"] == "undo"}
        for e in events:
            e["undone"] = e["uid"] in undone
        prev_id, next_id = wb.neighbours(cid)
        return page(request, "claim.html", claim=_jsonable(claim), cands=rows, verdict=verdict,
                    rejected=rejected, leads=frame_json(wb.claim_leads(cid)), events=events,
                    officer=unquote(request.cookies.get("rc_officer", ""))[:100],
                    prev_id=prev_id, next_id=next_id,
                    p_none=(rows[0]["p_none"] if rows else None))

    async def new_page(request: Request):
        return page(request, "new.html")

    async def docs_page(request: Request):
        return page(request, "docs.html")

    async def decide(request: Request):
        cid = request.path_params["claim_id"]
        if wb.claim(cid) is None:
            raise BadRequest("no such claim")
        form = await request.form()
        if not csrf_ok(sec.secret, request.cookies.get(SID_COOKIE), form.get("csrf")):
            return page(request, "error.html", code=403, message=i18n.words(_lang(request))["csrf"])
        event = {k: form.get(k) for k in ("decision", "person_id", "note", "outcome", "place", "undoes", "officer")}
        event["claim_id"] = cid
        for k, v in event.items():
            if v is not None and not isinstance(v, str):
                raise BadRequest(f"form field {k!r} must be text")
        action = form.get("action")
        if action is not None:          # the claim page's buttons: "confirm:PID", "lead:known:3", "undo:UID"
            if not isinstance(action, str) or ":" not in action:
                raise BadRequest("form field 'action' must look like 'confirm:PERSON_ID'")
            kind, _, arg = action.partition(":")
            if kind in ("confirm", "reject", "unsure"):
                event.update(decision=kind, person_id=arg or None)
            elif kind in ("none", "note"):
                event.update(decision=kind)
            elif kind == "undo":
                event.update(decision="undo", undoes=arg)
            elif kind == "lead":
                outcome, _, rank = arg.partition(":")
                hit = wb.claim_leads(cid).filter(pl.col("rank").cast(pl.Utf8) == rank)
                if hit.height == 0:
                    raise BadRequest("no such lead on this claim")
                lead = hit.row(0, named=True)
                event.update(decision="lead", outcome=outcome, place=lead.get("place"),
                             person_id=lead.get("person_id"))
            else:
                raise BadRequest(f"unknown action {kind[:20]!r}")
            if kind == "note" and not event.get("note"):
                raise BadRequest("write the note first")
        try:
            wb.decisions.record_many([event], index=wb.index)
        except dec.DecisionError as exc:
            raise BadRequest(str(exc)) from None
        resp = RedirectResponse(f"/claim/{quote(cid, safe='')}", status_code=303)
        resp.set_cookie("rc_officer", quote(str(event.get("officer") or "")[:100]), samesite="strict")
        return resp

    # -- JSON API ----------------------------------------------------------------------------------
    async def api_claims(request: Request):
        status = request.query_params.get("status") or None
        if status not in (None, "likely", "relatives", "none", "decided"):
            raise BadRequest("status must be likely, relatives, none or decided")
        q = request.query_params.get("q")
        if q is not None and len(q) > 200:
            raise BadRequest("q is longer than 200 characters")
        offset = _int_param(request, "offset", 0, 0, 10_000_000)
        limit = _int_param(request, "limit", wb.config.page_size, 1, wb.config.max_page)
        total, rows, counts = wb.queue_rows(status, q, request.query_params.get("commune") or None,
                                            offset, limit)
        return JSONResponse({"total": total, "offset": offset, "counts": counts, "rows": _jsonable(rows)})

    async def api_claim(request: Request):
        cid = request.path_params["claim_id"]
        claim = wb.claim(cid)
        if claim is None:
            return JSONResponse({"error": "no such claim"}, status_code=404)
        state = wb.decisions.state()
        v = state.verdict.get(cid)
        return JSONResponse({"claim": _jsonable(claim), "candidates": frame_json(wb.candidates(cid)),
                             "leads": frame_json(wb.claim_leads(cid)),
                             "verdict": None if v is None else {"decision": v[0], "person_id": v[1]},
                             "events": frame_json(wb.decisions.events(cid))})

    def _top_k(body: dict, default: int) -> int:
        k = body.get("top_k", default)
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_TOP_K:
            raise BadRequest(f"top_k must be a whole number from 1 to {MAX_TOP_K}")
        return k

    def _body_lang(body: dict, request: Request) -> str:
        lg = body.get("lang") or _lang(request)
        if lg not in i18n.LANGS:
            raise BadRequest("lang must be 'vi' or 'en'")
        return lg

    async def api_query(request: Request):
        body = await _json_body(request)
        if not isinstance(body, dict):
            raise BadRequest("send {\"claim\": {...}, \"top_k\": 10}")
        claim = parse_claim(body.get("claim", body if "name" in body else None), claim_id=DESK_CLAIM_ID)
        t0 = time.perf_counter()
        res = answer_one(claim, wb.matcher, top_k=_top_k(body, 10), lang=_body_lang(body, request))
        if body.get("decisions", True):     # rejected pairs of this claim id; people confirmed elsewhere
            res = dec.apply_to_matches(res, wb.decisions)
        return JSONResponse({"candidates": frame_json(res), "ms": round((time.perf_counter() - t0) * 1000, 1)})

    async def _batch(request: Request):
        body = await _json_body(request)
        if not isinstance(body, dict) or not isinstance(body.get("claims"), list):
            raise BadRequest("send {\"claims\": [{...}, ...]}")
        claims = body["claims"]
        if not 1 <= len(claims) <= MAX_BATCH:
            raise BadRequest(f"send between 1 and {MAX_BATCH} claims per call")
        parsed = [parse_claim(c, claim_id=f"Q-{i + 1}") for i, c in enumerate(claims)]
        ids = [c["claim_id"] for c in parsed]
        if len(set(ids)) != len(ids):
            raise BadRequest("claim_id values must be unique within a batch")
        return body, parsed

    async def api_match(request: Request):
        body, parsed = await _batch(request)
        res = answer_many(parsed, wb.matcher, top_k=_top_k(body, 10), lang=_body_lang(body, request))
        if body.get("decisions", True):
            res = dec.apply_to_matches(res, wb.decisions)
        return JSONResponse({"rows": frame_json(res)})

    async def api_leads(request: Request):
        import reconcile as rc

        body, parsed = await _batch(request)
        res = rc.leads(parsed, wb.index, top_k=_top_k(body, 20), lang=_body_lang(body, request))
        if body.get("decisions", True):
            res = dec.apply_to_leads(res, wb.decisions)
        return JSONResponse({"rows": frame_json(res)})

    async def api_decisions(request: Request):
        if request.method == "GET":
            cid = request.query_params.get("claim_id")
            return JSONResponse({"events": frame_json(wb.decisions.events(cid))})
        body = await _json_body(request)
        bearer = request.headers.get("authorization", "").startswith("Bearer ") and sec.token
        if not bearer and not csrf_ok(sec.secret, request.cookies.get(SID_COOKIE),
                                      request.headers.get("x-csrf-token")):
            return JSONResponse({"error": "CSRF token missing or wrong: send X-CSRF-Token from the page"},
                                status_code=403)
        events = body if isinstance(body, list) else [body]
        if not events or len(events) > 1000 or not all(isinstance(e, dict) for e in events):
            raise BadRequest("send one decision object or a list of at most 1000")
        for e in events:
            for k, v in e.items():
                if v is not None and not isinstance(v, (str, int, float)):
                    raise BadRequest(f"decision field {k!r} must be text")
        try:
            rows = wb.decisions.record_many(events, index=wb.index)
        except dec.DecisionError as exc:
            raise BadRequest(str(exc)) from None
        return JSONResponse({"recorded": rows}, status_code=201)

    async def openapi(request: Request):
        text = resources.files("reconcile.app").joinpath("static/openapi.json").read_text("utf-8")
        return Response(text, media_type="application/json")

    # -- errors ----------------------------------------------------------------------------------
    async def bad_request(request: Request, exc: Exception):
        msg = str(exc)
        if request.url.path.startswith(("/api/", "/reconcile")):
            return JSONResponse({"error": msg}, status_code=400)
        return page(request, "error.html", code=400, message=msg)

    async def too_large(request: Request, exc: Exception):
        return JSONResponse({"error": str(exc)}, status_code=413)

    async def http_error(request: Request, exc: HTTPException):
        if request.url.path.startswith(("/api/", "/reconcile")):
            return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
        return page(request, "error.html", code=exc.status_code, message=str(exc.detail))

    async def server_error(request: Request, exc: Exception):
        return JSONResponse({"error": "internal error; the server log has the route and time"}, status_code=500)

    routes = [
        Route("/", queue_page),
        Route("/claim/{claim_id:path}", claim_page),
        Route("/decide/{claim_id:path}", decide, methods=["POST"]),
        Route("/new", new_page),
        Route("/api/docs", docs_page),
        Route("/api/openapi.json", openapi),
        Route("/api/claims", api_claims),
        Route("/api/claims/{claim_id:path}", api_claim),
        Route("/api/query", api_query, methods=["POST"]),
        Route("/api/match", api_match, methods=["POST"]),
        Route("/api/leads", api_leads, methods=["POST"]),
        Route("/api/decisions", api_decisions, methods=["GET", "POST"]),
        *recon.routes(wb, sec),
        Mount("/static", app=StaticFiles(packages=[("reconcile.app", "static")]), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={
        BadRequest: bad_request, ClaimInputError: bad_request, recon.ReconError: bad_request, recon.BatchTooLarge: too_large,
        HTTPException: http_error, Exception: server_error})
    app.state.workbench = wb
    return SecurityMiddleware(app, sec)


def build_app(index, claims=None, db="decisions.db", security: SecurityConfig | None = None, lang: str = "vi",
              config: QueueConfig | None = None, progress=None, errors: str | None = None):
    """Workbench + app in one call (what `reconcile review` runs). `errors`: the bad-row policy of
    `read_claims` (default: io's)."""
    wb = Workbench.build(index, claims, db, lang=lang, config=config, progress=progress, errors=errors)
    return create_app(wb, security, lang=lang), wb
