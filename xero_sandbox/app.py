"""The sandbox's HTTP shell: identity, the accounting routes, and the /sandbox/ admin API.

``build_app(config, state, clock)`` returns a Starlette app. Identity and accounting live on
one server (point both XERO_IDENTITY_BASE_URL and XERO_API_BASE_URL here):

- ``GET /connect/authorize``, ``POST /connect/token``, ``POST /connect/revocation``,
  ``GET /connections``, ``DELETE /connections/{id}`` (see identity.py for the rules);
- ``/api.xro/2.0/...``: every Route from ``xero_sandbox.accounting.ROUTES`` (or the
  ``routes`` argument), wrapped in the gateway pipeline below;
- ``/sandbox/...``: admin (reset, faults, fixtures, payments, counters, clock, health).

The accounting pipeline, in order, and why in that order:

1. Bearer token (401) and tenant (403): the gateway refuses strangers before anything
   is counted against a tenant's allowance.
2. Injected 429 fault, then the real limiter (429 + Retry-After + X-Rate-Limit-Problem).
   Neither 429 counts as a call.
3. Slow-reply delay, then an injected 500/503 (these count: the call reached the API).
4. Body: at most ``max_body_bytes`` (413), JSON or 400 with the parser's message.
5. Idempotency-Key (writes only): replay or 400 on a reused key; otherwise the handler
   runs in a worker thread inside ``state.transaction()`` and its reply is stored in the
   same transaction. Retries count against the limits, as in Xero.
6. Drop-after-commit fault: the committed reply is cut off mid-body.

Every accounting reply past step 1 carries X-MinLimit-Remaining, X-DayLimit-Remaining and
X-AppMinLimit-Remaining (a 403 only the app header: there is no tenant to count against).
Every request is counted in ``state.counters`` by method, route template and status.
Replies are always JSON, whatever Accept says (Xero would send XML without
``Accept: application/json``; every client we serve asks for JSON).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute
from starlette.routing import Route as StarletteRoute
from starlette.types import Receive, Scope, Send

from .api import ApiRequest, ApiResponse, Route
from .clock import Clock
from .config import SandboxConfig
from .errors import XeroApiError, bad_request, problem
from .faults import FaultConfig, FaultDecision, FaultInjector
from .idempotency import IdempotencyStore, StoredReply, fingerprint, validate_key
from .identity import ACCESS_TOKEN, AUTH_CODE, CONNECTION, REFRESH_TOKEN, IdentityService
from .ratelimit import RateLimiter
from .state import SandboxState

API_PREFIX = "/api.xro/2.0"
JSON_TYPE = "application/json; charset=utf-8"
AUTH_SCOPES = (AUTH_CODE, ACCESS_TOKEN, REFRESH_TOKEN, CONNECTION)
log = logging.getLogger("xero_sandbox")


class ConnectionDropped(Exception):
    """Raised after a partial reply so the server closes the socket (drop-after-commit)."""


class _QuietDrops(logging.Filter):
    """Keep uvicorn from printing a traceback for every deliberate drop."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, ConnectionDropped):
            log.info("fault: reply dropped after commit")
            return False
        return True


def install_quiet_drops() -> None:
    """Attach the filter to uvicorn's error logger (idempotent; call after logging set-up)."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietDrops) for f in logger.filters):
        logger.addFilter(_QuietDrops())


def _json_default(value: Any) -> Any:
    # Handlers keep money as Decimal; JSON numbers are what Xero sends (the spec types them double).
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dump_json(body: Any) -> str:
    return json.dumps(body, default=_json_default, separators=(",", ":"))


def _serialise(status: int, body: Any, headers: dict[str, str]) -> StoredReply:
    text = "" if body is None or status == 204 else dump_json(body)
    return StoredReply(status, text, dict(headers))


class JsonReply(Response):
    media_type = JSON_TYPE


class DroppedReply(Response):
    """Announces the whole body, sends half of it, then fails: the client sees a cut connection.

    Raw ASGI on purpose: the promised Content-Length is what makes httpx raise
    RemoteProtocolError instead of returning a short body as if nothing happened.
    """

    def __init__(self, reply: StoredReply, headers: dict[str, str]) -> None:
        super().__init__(reply.body, reply.status, headers, JSON_TYPE)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = bytes(self.body)
        raw = [(k, v) for k, v in self.raw_headers if k.lower() != b"content-length"]
        raw.append((b"content-length", str(len(body) + 512).encode()))
        await send({"type": "http.response.start", "status": self.status_code, "headers": raw})
        await send({"type": "http.response.body", "body": body[: len(body) // 2],
                    "more_body": True})
        raise ConnectionDropped("fault injection: reply dropped after the write was committed")


def _reply(reply: StoredReply, extra: dict[str, str]) -> Response:
    headers = {**reply.headers, **extra}
    if reply.status == 204 or not reply.body:
        return Response(status_code=reply.status, headers=headers)
    return JsonReply(reply.body, reply.status, headers)


def _error_reply(error: XeroApiError, extra: dict[str, str] | None = None) -> Response:
    return _reply(_serialise(error.status, error.body, error.headers), extra or {})


def _rate_limited(problem_name: str, retry_after: int, headers: dict[str, str]) -> Response:
    error = problem(429, "Too Many Requests", f"Rate limit exceeded: {problem_name}")
    return _error_reply(error, {**headers, "Retry-After": str(retry_after),
                                "X-Rate-Limit-Problem": problem_name})


def _fault_reply(decision: FaultDecision, headers: dict[str, str]) -> Response:
    titles = {500: "Internal Server Error", 503: "Service Unavailable"}
    detail = ("The Xero API is currently offline for maintenance" if decision.status == 503
              else "An injected fault occurred")
    status = decision.status or 500
    return _error_reply(problem(status, titles.get(status, "Error"), detail), headers)


def _is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host in ("localhost", "testclient")


def _accounting_module() -> Any | None:
    """xero_sandbox.accounting, imported late: it is written alongside this shell."""
    try:
        from . import accounting
    except ModuleNotFoundError as exc:
        # Only "the package is not there" is tolerated; a broken import inside it must surface.
        if exc.name != __package__ + ".accounting":
            raise
        return None
    return accounting


@dataclass
class Sandbox:
    """Everything the routes share; reachable as ``app.state.sandbox``."""

    config: SandboxConfig
    state: SandboxState
    clock: Clock
    identity: IdentityService
    limiter: RateLimiter
    faults: FaultInjector
    idempotency: IdempotencyStore
    routes: list[Route]

    # -- tenants ------------------------------------------------------------------------------
    def ensure_tenants(self) -> None:
        """Create configured tenants missing from the state file and seed their defaults."""
        for tenant in self.config.tenants:
            if not self.state.tenant_exists(tenant.tenant_id):
                created = self.clock.now().astimezone(UTC).isoformat()
                with self.state.transaction():
                    self.state.add_tenant(tenant.tenant_id, tenant.name, created,
                                          tenant.tenant_type)
                    self._seed(tenant.tenant_id)

    def _seed(self, tenant_id: str) -> None:
        seed = getattr(_accounting_module(), "seed_tenant", None)
        if seed is not None:
            seed(self.state, tenant_id, self.clock)

    def reset(self, keep_auth: bool = True) -> None:
        """Forget documents, idempotency replies, counters and limiter windows; reseed tenants."""
        with self.state.transaction():
            self.state.reset(keep_tenants=True, keep_kv_scopes=AUTH_SCOPES if keep_auth else ())
            for tenant in self.state.tenants():
                self._seed(tenant["tenant_id"])
        self.limiter.reset()
        self.faults.configure(self.config.faults)

    # -- accounting pipeline ------------------------------------------------------------------
    async def accounting(self, request: Request, route: Route) -> Response:
        status = 500
        try:
            response = await self._accounting(request, route)
            status = response.status_code
            return response
        finally:
            await run_in_threadpool(self.state.count_request, request.method, route.path, status)

    async def _accounting(self, request: Request, route: Route) -> Response:
        extra = {"Xero-Correlation-Id": str(uuid.uuid4())}
        try:
            token = await run_in_threadpool(self.identity.bearer,
                                            request.headers.get("authorization"))
        except XeroApiError as error:
            return _error_reply(error, extra)
        app_key = token.client_id
        try:
            tenant_id = await run_in_threadpool(self.identity.tenant_for, token,
                                                request.headers.get("xero-tenant-id"))
        except XeroApiError as error:
            app_left = self.limiter.acquire_app(app_key)  # counted: it reached the gateway
            return _error_reply(error, {**extra, **app_left.headers})

        decision = self.faults.decide(request.method, route.path)
        if decision.status == 429:
            headers = {**extra, **self.limiter.headers(app_key, tenant_id)}
            return _rate_limited(decision.problem, decision.retry_after, headers)
        admitted = self.limiter.acquire(app_key, tenant_id)
        if not admitted.allowed:
            return _rate_limited(admitted.problem or "minute", admitted.retry_after,
                                 {**extra, **admitted.headers})
        extra.update(admitted.headers)
        try:
            if decision.delay > 0:
                await asyncio.sleep(decision.delay)
            if decision.status is not None:
                return _fault_reply(decision, extra)
            return await self._call(request, route, app_key, tenant_id, decision, extra)
        finally:
            self.limiter.release(app_key, tenant_id)

    async def _call(self, request: Request, route: Route, app_key: str, tenant_id: str,
                    decision: FaultDecision, extra: dict[str, str]) -> Response:
        raw = await request.body()
        if len(raw) > self.config.max_body_bytes:
            return _error_reply(problem(413, "Request Entity Too Large",
                                        f"The request body is {len(raw)} bytes; the limit is "
                                        f"{self.config.max_body_bytes}"), extra)
        body: Any = None
        if raw.strip() and request.method in ("PUT", "POST", "PATCH", "DELETE"):
            try:
                body = json.loads(raw)
            except (ValueError, UnicodeDecodeError) as exc:
                return _error_reply(bad_request(f"The request body is not valid JSON: {exc}"),
                                    extra)
        api_request = ApiRequest(
            tenant_id=tenant_id, method=request.method, path_params=dict(request.path_params),
            query=dict(request.query_params), headers=dict(request.headers), body=body,
            state=self.state, clock=self.clock,
        )
        key = request.headers.get("idempotency-key", "")
        if not (route.writes and key):
            reply = await run_in_threadpool(self._run_handler, route, api_request, None)
            return self._deliver(reply, route, decision, extra)
        try:
            validate_key(key)
        except XeroApiError as error:
            return _error_reply(error, extra)
        storage_key = IdempotencyStore.storage_key(app_key, tenant_id, key)
        request_fp = fingerprint(request.method, request.url.path,
                                 request.query_params.multi_items(), raw)
        async with self.idempotency.lock(storage_key):
            try:
                stored = await run_in_threadpool(self.idempotency.lookup, storage_key,
                                                 request_fp, key)
            except XeroApiError as error:
                return _error_reply(error, extra)
            if stored is not None:
                return _reply(stored, extra)
            reply = await run_in_threadpool(self._run_handler, route, api_request,
                                            (storage_key, request_fp))
        return self._deliver(reply, route, decision, extra)

    def _run_handler(self, route: Route, api_request: ApiRequest,
                     idempotent: tuple[str, str] | None) -> StoredReply:
        """Run one handler atomically (worker thread); store its reply for replay if keyed."""
        try:
            with self.state.transaction():
                result: ApiResponse = route.handler(api_request)
                reply = _serialise(result.status, result.body, result.headers)
                if idempotent is not None:
                    self.idempotency.save(*idempotent, reply)
            return reply
        except XeroApiError as error:
            # The handler's changes were rolled back; the error reply itself is still
            # remembered for the key, as Xero does.
            reply = _serialise(error.status, error.body, error.headers)
            if idempotent is not None:
                self.idempotency.save(*idempotent, reply)
            return reply
        except Exception:
            # A crash is a sandbox bug: say so in JSON, log it, and do not store it for replay
            # so a retry runs the (fixed or luckier) handler again.
            log.exception("accounting handler %s %s crashed", route.method, route.path)
            error = problem(500, "Internal Server Error", "The sandbox handler failed; see its log")
            return _serialise(error.status, error.body, {})

    def _deliver(self, reply: StoredReply, route: Route, decision: FaultDecision,
                 extra: dict[str, str]) -> Response:
        if route.writes and 200 <= reply.status < 300 and self.faults.take_drop(decision):
            return DroppedReply(reply, {**reply.headers, **extra})
        return _reply(reply, extra)


def _issuer(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def _form(request: Request) -> dict[str, str]:
    """The urlencoded form of a token request (parsed here: python-multipart is not needed)."""
    raw = await request.body()
    try:
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        return {}


def build_app(config: SandboxConfig, state: SandboxState, clock: Clock | None = None,
              routes: Sequence[Route] | None = None) -> Starlette:
    """The sandbox as an ASGI app.

    ``routes`` replaces the accounting module's ROUTES (tests register tiny fake routes);
    None means ``xero_sandbox.accounting.ROUTES``, or none while that module is empty.
    ``clock`` defaults to ``Clock(scale=config.clock_scale)``; a clock passed in wins (a test
    may share one clock between the app and its assertions). Configured tenants missing from
    ``state`` are created and seeded (``accounting.seed_tenant``) here.
    """
    clock = clock or Clock(scale=config.clock_scale)
    if routes is None:
        routes = list(getattr(_accounting_module(), "ROUTES", []) or [])
    sandbox = Sandbox(
        config=config, state=state, clock=clock,
        identity=IdentityService(config, state, clock),
        limiter=RateLimiter(config.rate_limits, clock),
        faults=FaultInjector(config.faults),
        idempotency=IdempotencyStore(state, clock, config.idempotency_ttl),
        routes=list(routes),
    )
    sandbox.ensure_tenants()
    install_quiet_drops()

    app_routes: list[BaseRoute] = [
        *_identity_routes(sandbox), *_accounting_routes(sandbox), *_admin_routes(sandbox),
    ]
    app = Starlette(routes=app_routes, exception_handlers={HTTPException: _http_exception})
    app.state.sandbox = sandbox
    return app


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    title = "NotFound" if exc.status_code == 404 else "Error"
    return _error_reply(problem(exc.status_code, title, str(exc.detail)), exc.headers or {})


# -- identity --------------------------------------------------------------------------------
def _identity_routes(sb: Sandbox) -> list[BaseRoute]:
    async def counted(request: Request, endpoint: str, response: Response) -> Response:
        await run_in_threadpool(sb.state.count_request, request.method, endpoint,
                                response.status_code)
        return response

    async def authorize(request: Request) -> Response:
        reply = await run_in_threadpool(sb.identity.authorize, dict(request.query_params),
                                        _issuer(request))
        if reply.location is not None:
            response: Response = RedirectResponse(reply.location, status_code=302)
        else:
            response = JsonReply(dump_json(reply.body), reply.status, reply.headers)
        return await counted(request, "/connect/authorize", response)

    async def token(request: Request) -> Response:
        if request.headers.get("content-type", "").startswith("application/json"):
            response: Response = JsonReply(dump_json({"error": "invalid_request"}), 400)
            return await counted(request, "/connect/token", response)
        form = await _form(request)
        reply = await run_in_threadpool(sb.identity.token, form,
                                        request.headers.get("authorization"), _issuer(request))
        if reply.status == 200 and sb.faults.take_token_drop():
            response = DroppedReply(_serialise(200, reply.body, {}), reply.headers)
        else:
            response = JsonReply(dump_json(reply.body), reply.status, reply.headers)
        return await counted(request, "/connect/token", response)

    async def revocation(request: Request) -> Response:
        form = await _form(request)
        reply = await run_in_threadpool(sb.identity.revoke, form,
                                        request.headers.get("authorization"))
        response: Response = (Response(status_code=200) if reply.body is None
                              else JsonReply(dump_json(reply.body), reply.status, reply.headers))
        return await counted(request, "/connect/revocation", response)

    async def connections(request: Request) -> Response:
        try:
            info = await run_in_threadpool(sb.identity.bearer,
                                           request.headers.get("authorization"))
        except XeroApiError as error:
            return await counted(request, "/connections", _error_reply(error))
        admitted = sb.limiter.acquire_app(info.client_id)
        if not admitted.allowed:
            response = _rate_limited("appminute", admitted.retry_after, admitted.headers)
            return await counted(request, "/connections", response)
        if request.method == "DELETE":
            found = await run_in_threadpool(sb.identity.delete_connection, info,
                                            request.path_params["id"])
            response = (Response(status_code=204, headers=admitted.headers) if found else
                        _error_reply(problem(404, "NotFound", "Connection not found"),
                                     admitted.headers))
            return await counted(request, "/connections/{id}", response)
        listed = await run_in_threadpool(sb.identity.connections, info,
                                         request.query_params.get("authEventId"))
        return await counted(request, "/connections",
                             JsonReply(dump_json(listed), 200, admitted.headers))

    return [
        StarletteRoute("/connect/authorize", authorize, methods=["GET"]),
        StarletteRoute("/connect/token", token, methods=["POST"]),
        StarletteRoute("/connect/revocation", revocation, methods=["POST"]),
        StarletteRoute("/connections", connections, methods=["GET"]),
        StarletteRoute("/connections/{id}", connections, methods=["DELETE"]),
        # The spec spells it /Connections; xero-python uses that spelling.
        StarletteRoute("/Connections", connections, methods=["GET"]),
        StarletteRoute("/Connections/{id}", connections, methods=["DELETE"]),
    ]


# -- accounting ------------------------------------------------------------------------------
def _loose_match(template: str, path: str) -> dict[str, str] | None:
    """Path params if ``path`` fits ``template`` ignoring the case of its literal segments."""
    want = template.strip("/").split("/")
    got = path.strip("/").split("/")
    if len(want) != len(got):
        return None
    params: dict[str, str] = {}
    for literal, segment in zip(want, got, strict=True):
        if literal.startswith("{") and literal.endswith("}"):
            params[literal[1:-1].split(":")[0]] = segment
        elif literal.lower() != segment.lower():
            return None
    return params


def _accounting_routes(sb: Sandbox) -> list[BaseRoute]:
    by_path: dict[str, dict[str, Route]] = {}
    for route in sb.routes:
        by_path.setdefault(route.path, {})[route.method.upper()] = route

    def endpoint_for(methods: dict[str, Route]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            return await sb.accounting(request, methods[request.method])
        return endpoint

    built: list[BaseRoute] = [
        StarletteRoute(API_PREFIX + path, endpoint_for(methods), methods=list(methods))
        for path, methods in by_path.items()
    ]

    async def unknown(request: Request) -> Response:
        # Xero's resource names are case-insensitive (/contacts works); Starlette's routing is
        # not. Exact-case requests never get here, so the loose match costs them nothing.
        # Starlette also prefers this catch-all's full match over a known path's method
        # mismatch, so "wrong method" (405) is told from "no such resource" (404) here too.
        path = request.path_params.get("rest", "")
        allowed: set[str] = set()
        for route in sb.routes:
            params = _loose_match(route.path, path)
            if params is None:
                continue
            if route.method.upper() == request.method:
                request.scope["path_params"] = params
                return await sb.accounting(request, route)
            allowed.add(route.method.upper())
        if allowed:
            error = problem(405, "MethodNotAllowed", f"{request.method} is not supported here")
            await run_in_threadpool(sb.state.count_request, request.method, "(unmatched)", 405)
            return _error_reply(error, {"Allow": ", ".join(sorted(allowed))})
        error = problem(404, "NotFound", "The resource you're looking for cannot be found: "
                        + request.url.path)
        await run_in_threadpool(sb.state.count_request, request.method, "(unmatched)", 404)
        return _error_reply(error)

    built.append(StarletteRoute(API_PREFIX + "/{rest:path}", unknown,
                                methods=["GET", "PUT", "POST", "DELETE", "PATCH"]))
    return built


# -- admin -----------------------------------------------------------------------------------
def _admin_routes(sb: Sandbox) -> list[BaseRoute]:
    def admin(handler: Callable[[Request], Any]) -> Callable[[Request], Any]:
        async def guarded(request: Request) -> Response:
            host = request.client.host if request.client else None
            if not sb.config.admin_from_anywhere and not _is_loopback(host):
                return _error_reply(problem(403, "Forbidden", "The admin API is loopback-only"))
            try:
                result = await handler(request)
            except (ValueError, TypeError, KeyError) as exc:
                return JsonReply(dump_json({"error": str(exc)}), 400)
            except XeroApiError as error:
                return _error_reply(error)
            if isinstance(result, Response):
                return result
            return JsonReply(dump_json(result), 200)
        return guarded

    async def body_of(request: Request) -> Any:
        raw = await request.body()
        if not raw.strip():
            return {}
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ValueError(f"the request body is not valid JSON: {exc}") from None

    def tenant_param(request: Request, body: Any) -> str:
        tenant_id = request.query_params.get("tenant_id")
        if tenant_id is None and isinstance(body, dict):
            tenant_id = body.get("tenant_id")
        tenant_id = tenant_id or sb.config.first_tenant()
        if not sb.state.tenant_exists(tenant_id):
            raise ValueError(f"unknown tenant_id {tenant_id}")
        return tenant_id

    def needs(name: str) -> Callable[..., Any]:
        func = getattr(_accounting_module(), name, None)
        if func is None:
            raise XeroApiError(501, {"error": f"xero_sandbox.accounting.{name} is not available"})
        return func

    async def reset(request: Request) -> Any:
        body = await body_of(request)
        keep_auth = bool(body.get("keep_auth", True)) if isinstance(body, dict) else True
        await run_in_threadpool(sb.reset, keep_auth)
        return {"status": "reset", "kept_auth": keep_auth}

    async def faults(request: Request) -> Any:
        if request.method == "POST":
            sb.faults.configure(FaultConfig.from_dict(await body_of(request)))
        return sb.faults.config.to_dict()

    async def fixtures(request: Request) -> Any:
        body = await body_of(request)
        docs = body if isinstance(body, list) else body.get("documents")
        if not isinstance(docs, list):
            raise ValueError('send a JSON list of documents or {"documents": [...]}')
        tenant_id = tenant_param(request, body)
        load = needs("load_fixture")
        kind = request.path_params["kind"]

        def run() -> int:
            with sb.state.transaction():
                return load(sb.state, tenant_id, sb.clock, kind, docs)

        loaded = await run_in_threadpool(run)
        return {"kind": kind, "tenant_id": tenant_id, "loaded": loaded}

    async def payments(request: Request) -> Any:
        body = await body_of(request)
        if not isinstance(body, dict):
            raise ValueError("send a JSON object describing the payment")
        tenant_id = tenant_param(request, body)
        record = needs("record_payment")
        payload = {k: v for k, v in body.items() if k != "tenant_id"}

        def run() -> Any:
            with sb.state.transaction():
                return record(sb.state, tenant_id, sb.clock, payload)

        return await run_in_threadpool(run)

    async def counters(request: Request) -> Any:
        rows = await run_in_threadpool(sb.state.counters)
        return {"requests": rows, "rate_limits": sb.limiter.snapshot()}

    async def advance(request: Request) -> Any:
        body = await body_of(request)
        seconds = float(body["seconds"])
        sb.clock.advance(seconds)
        return {"offset_seconds": sb.clock.offset_seconds, "now": sb.clock.now().isoformat()}

    async def health(request: Request) -> Any:
        return {"status": "ok", "tenants": sb.state.tenants(),
                "accounting_routes": len(sb.routes), "clock_scale": sb.clock.scale}

    return [
        StarletteRoute("/sandbox/reset", admin(reset), methods=["POST"]),
        StarletteRoute("/sandbox/faults", admin(faults), methods=["GET", "POST"]),
        StarletteRoute("/sandbox/fixtures/{kind}", admin(fixtures), methods=["POST"]),
        StarletteRoute("/sandbox/payments", admin(payments), methods=["POST"]),
        StarletteRoute("/sandbox/counters", admin(counters), methods=["GET"]),
        StarletteRoute("/sandbox/clock/advance", admin(advance), methods=["POST"]),
        StarletteRoute("/sandbox/health", admin(health), methods=["GET"]),
    ]
