"""Security of the review server: one ASGI middleware and the CSRF helpers.

Owns
- `SecurityConfig` (frozen): bind host, token, allowed Host headers, body size limit.
- `check_bind(host, token)`: binding anywhere but loopback requires a token (raises ValueError).
- `SecurityMiddleware`: Host header check on loopback (DNS rebinding), token check (Bearer header, `token`
  query parameter once -> HttpOnly cookie, or that cookie; the Reconciliation manifest stays open as
  the spec requires), request body limit (413, counted while streaming, not trusted from
  Content-Length alone), CORS only on `/reconcile` routes (the spec requires it there; nowhere else),
  security headers (CSP without inline script, no framing except the preview, no referrer, nosniff),
  and a request log without personal data (method, route pattern, status, ms; never the query
  string, a body, or a path parameter's value).
- CSRF: a per-browser random `rc_sid` cookie (HttpOnly, SameSite=Strict) and the token
  HMAC(secret, sid) in every form (`csrf` field) and in a meta tag for `X-CSRF-Token` on fetches.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs

log = logging.getLogger("reconcile.app")

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")
SID_COOKIE = "rc_sid"
TOKEN_COOKIE = "rc_token"


@dataclass(frozen=True)
class SecurityConfig:
    host: str = "127.0.0.1"
    port: int = 8765
    token: str | None = None
    max_body: int = 1_000_000                   # bytes per request body
    extra_hosts: tuple[str, ...] = ()           # further Host header names to accept
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def allowed_hosts(self) -> set[str]:
        hosts = set(LOOPBACK_NAMES) | set(self.extra_hosts)
        if not is_loopback(self.host):
            hosts.add(self.host)
        return hosts


def is_loopback(host: str) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve beyond this computer without a token."""
    if not is_loopback(host) and not token:
        raise ValueError(f"binding to {host} exposes the register beyond this computer; a token is "
                         "required. Fix: add --token SECRET (or set RECONCILE_TOKEN), or bind to 127.0.0.1")
    if token is not None and len(token) < 16:
        raise ValueError("the token must be at least 16 characters. Fix: use a longer random token")


def csrf_token(secret: bytes, sid: str) -> str:
    return hmac.new(secret, sid.encode(), hashlib.sha256).hexdigest()[:40]


def csrf_ok(secret: bytes, sid: str | None, token: str | None) -> bool:
    return bool(sid and token) and hmac.compare_digest(csrf_token(secret, sid), str(token))


CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
CSP_PREVIEW = CSP.replace("frame-ancestors 'none'", "frame-ancestors *")


def _route_of(scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or "?"


class SecurityMiddleware:
    """See the module docstring. Wraps the whole Starlette app."""

    def __init__(self, app, config: SecurityConfig):
        self.app = app
        self.config = config
        self.hosts = config.allowed_hosts()
        # on loopback the Host header stops DNS rebinding; bound wider, the token does that job (the
        # names clients use for this machine are not known here)
        self.check_host = is_loopback(config.host)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()
        path = scope.get("path", "")
        method = scope.get("method", "GET")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        is_recon = path == "/reconcile" or path.startswith("/reconcile/")
        status_box = {"status": 0}

        async def send_wrapped(message):
            if message["type"] == "http.response.start":
                status_box["status"] = message["status"]
                h = list(message.get("headers", []))
                names = {k.lower() for k, _ in h}

                def add(k: str, v: str):
                    if k.encode() not in names:
                        h.append((k.encode(), v.encode()))
                add("x-content-type-options", "nosniff")
                add("referrer-policy", "no-referrer")
                add("cache-control", "no-store")
                if path.startswith("/reconcile/preview"):
                    add("content-security-policy", CSP_PREVIEW)
                else:
                    add("content-security-policy", CSP)
                    add("x-frame-options", "DENY")
                if is_recon:
                    add("access-control-allow-origin", "*")
                message = dict(message, headers=h)
            await send(message)

        async def reply(status: int, text: str, extra: list | None = None):
            body = text.encode()
            await send_wrapped({"type": "http.response.start", "status": status,
                                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                            (b"content-length", str(len(body)).encode())] + (extra or [])})
            await send_wrapped({"type": "http.response.body", "body": body})

        try:
            host = headers.get("host", "").rsplit(":", 1)[0] if not headers.get("host", "").startswith("[") \
                else headers.get("host", "").split("]")[0] + "]"
            if self.check_host and host not in self.hosts:
                return await reply(400, "Host header not allowed: open the app at http://127.0.0.1:PORT/")
            if is_recon and method == "OPTIONS":
                return await reply(204, "", [(b"access-control-allow-methods", b"GET, POST, OPTIONS"),
                                             (b"access-control-allow-headers",
                                              b"Content-Type, Authorization"),
                                             (b"access-control-max-age", b"600")])
            set_cookie = None
            if self.config.token and not self._public(path, method, scope):
                ok, set_cookie = self._token_ok(headers, scope)
                if not ok:
                    return await reply(401, "A token is required: open the link with ?token=... that "
                                            "`reconcile review` printed, or send Authorization: Bearer TOKEN",
                                       [(b"www-authenticate", b"Bearer")])
            length = headers.get("content-length")
            if length is not None:
                try:
                    if int(length) > self.config.max_body:
                        return await reply(413, f"request body larger than {self.config.max_body} bytes")
                except ValueError:
                    return await reply(400, "bad Content-Length")

            seen = {"n": 0}
            limit = self.config.max_body

            async def receive_limited():
                message = await receive()
                if message["type"] == "http.request":
                    seen["n"] += len(message.get("body", b""))
                    if seen["n"] > limit:
                        raise _TooLarge()
                return message

            async def send_with_cookie(message):
                if set_cookie and message["type"] == "http.response.start":
                    message = dict(message, headers=list(message.get("headers", [])) + [
                        (b"set-cookie", f"{TOKEN_COOKIE}={set_cookie}; HttpOnly; SameSite=Strict; "
                                        "Path=/".encode())])
                await send_wrapped(message)

            try:
                await self.app(scope, receive_limited, send_with_cookie)
            except _TooLarge:
                if not status_box["status"]:
                    await reply(413, f"request body larger than {limit} bytes")
            except Exception as exc:  # noqa: BLE001 - never let a traceback (values) reach the log
                log.error("%s %s failed: %s", method, _route_of(scope), type(exc).__name__)
                if not status_box["status"]:
                    await reply(500, "internal error")
        finally:
            # no personal data: method, route pattern (not the path's values), status, time
            log.info("%s %s %s %.0fms", method, _route_of(scope), status_box["status"],
                     (time.perf_counter() - t0) * 1000)

    def _public(self, path: str, method: str, scope) -> bool:
        if path.startswith("/static/"):
            return True
        if path == "/reconcile" and method == "GET":
            qs = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            return "queries" not in qs          # the manifest is always readable (spec)
        return False

    def _token_ok(self, headers: dict, scope) -> tuple[bool, str | None]:
        tok = self.config.token
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer ") and hmac.compare_digest(auth[7:].strip(), tok):
            return True, None
        qs = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if "token" in qs and hmac.compare_digest(qs["token"][0], tok):
            return True, tok
        for part in headers.get("cookie", "").split(";"):
            k, _, v = part.strip().partition("=")
            if k == TOKEN_COOKIE and hmac.compare_digest(v, tok):
                return True, None
        return False, None


class _TooLarge(Exception):
    pass
