"""A local Procore for tests and benchmarks: a separate HTTP process implementing exactly the
endpoints in ../shared/contracts/procore-insurances.md and refusing everything else.

Every API request must carry a live bearer token and `Procore-Company-Id`; every answer carries
X-Rate-Limit-Limit / -Remaining / -Reset, and over the hourly budget the answer is 429 with
Retry-After. Insurance bodies are validated field by field (tests/procore_server/validation.py);
sync endpoints create-or-update by `origin_id` and answer {"entities": [...], "errors": [...]},
partly failing when items are bad or a field is locked by a Sage 300 CRE sync.

Routes under /_control/ are the tests' own levers (seed data, lock fields, force 429s or item
failures, read counters); a client of Procore never calls them.
"""

from __future__ import annotations

import math
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from aiohttp import web

from tests.procore_server.validation import insurance_errors, locked_changes

TOKEN_SECONDS: Final = 5400  # Procore's access tokens last an hour and a half
MAX_PER_PAGE: Final = 100


@dataclass
class Token:
    client_id: str
    expires_at: float


@dataclass
class World:
    clients: dict[str, str] = field(default_factory=dict)
    redirect_uri: str = ""
    codes: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    refresh_tokens: dict[str, str] = field(default_factory=dict)
    # company id -> vendor id -> vendor
    vendors: dict[int, dict[int, dict[str, Any]]] = field(default_factory=dict)
    # project id -> company id
    projects: dict[int, int] = field(default_factory=dict)
    commitments: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"work_order_contracts": [], "purchase_order_contracts": []}
    )
    insurances: dict[int, dict[str, Any]] = field(default_factory=dict)
    locked_companies: set[int] = field(default_factory=set)
    next_id: int = 9000
    rate_limit: int = 3600
    rate_window: float = 3600.0
    windows: dict[str, tuple[float, int]] = field(default_factory=dict)
    forced_429: int = 0
    failing_origins: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    by_route: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    throttled: int = 0
    sync_items: int = 0

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id


WORLD_KEY: Final = web.AppKey("world", World)


def problem(status: int, message: Any, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"errors": message}, status=status, headers=headers)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


# ---------------------------------------------------------------- OAuth


async def oauth_token(request: web.Request) -> web.Response:
    world = request.app[WORLD_KEY]
    if request.content_type == "application/json":
        form: dict[str, Any] = await request.json()
    else:
        form = dict(await request.post())
    grant = form.get("grant_type")
    client_id, client_secret = str(form.get("client_id", "")), str(form.get("client_secret", ""))
    if world.clients.get(client_id) != client_secret or not client_id:
        return web.json_response({"error": "invalid_client"}, status=401)
    if grant == "client_credentials":
        return _issue(world, client_id, refresh=False)
    if grant == "authorization_code":
        code = str(form.get("code", ""))
        if (
            world.codes.pop(code, None) != client_id
            or form.get("redirect_uri") != world.redirect_uri
        ):
            return web.json_response({"error": "invalid_grant"}, status=400)
        return _issue(world, client_id, refresh=True)
    if grant == "refresh_token":
        refresh = str(form.get("refresh_token", ""))
        if world.refresh_tokens.pop(refresh, None) != client_id:
            return web.json_response({"error": "invalid_grant"}, status=400)
        return _issue(world, client_id, refresh=True)
    return web.json_response({"error": "unsupported_grant_type"}, status=400)


def _issue(world: World, client_id: str, refresh: bool) -> web.Response:
    token = secrets.token_urlsafe(24)
    world.tokens[token] = Token(client_id, time.time() + TOKEN_SECONDS)
    body: dict[str, Any] = {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": TOKEN_SECONDS,
        "created_at": int(time.time()),
    }
    if refresh:
        body["refresh_token"] = secrets.token_urlsafe(24)
        world.refresh_tokens[body["refresh_token"]] = client_id
    return web.json_response(body)


# ---------------------------------------------------------------- gate


@web.middleware
async def gate(request: web.Request, handler: Any) -> web.StreamResponse:
    """Authentication, company header and the rate limit for every /rest/ request."""
    if not request.path.startswith("/rest/"):
        return await handler(request)
    world = request.app[WORLD_KEY]
    world.requests += 1
    resource = request.match_info.route.resource
    world.by_route[f"{request.method} {resource.canonical if resource else request.path}"] += 1
    auth = request.headers.get("Authorization", "")
    token = auth[7:] if auth.startswith("Bearer ") else ""
    held = world.tokens.get(token)
    if held is None or held.expires_at < time.time():
        return problem(401, "The access token is invalid or has expired")
    start, used = world.windows.get(token, (time.time(), 0))
    if time.time() - start >= world.rate_window:
        start, used = time.time(), 0
    reset = int(start + world.rate_window)
    limits = {"X-Rate-Limit-Limit": str(world.rate_limit), "X-Rate-Limit-Reset": str(reset)}
    if world.forced_429 > 0 or used >= world.rate_limit:
        forced = world.forced_429 > 0
        world.forced_429 = max(0, world.forced_429 - 1)
        world.throttled += 1
        wait = 1 if forced else max(1, math.ceil(reset - time.time()))
        return problem(
            429,
            "Rate limit exceeded",
            {**limits, "X-Rate-Limit-Remaining": "0", "Retry-After": str(wait)},
        )
    used += 1
    world.windows[token] = (start, used)
    limits["X-Rate-Limit-Remaining"] = str(world.rate_limit - used)
    company = request.headers.get("Procore-Company-Id", "")
    if not company.isdigit():
        response = problem(400, "The Procore-Company-Id header is required")
    elif int(company) not in world.vendors:
        response = problem(403, "You do not have access to this company")
    else:
        request["company_id"] = int(company)
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = problem(exc.status, exc.reason)
    response.headers.update(limits)
    return response


def _int(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    if not raw.isdigit():
        raise web.HTTPNotFound(reason=f"{name} must be a number")
    return int(raw)


def _company(request: web.Request) -> int:
    company_id = _int(request, "company_id")
    if company_id != request["company_id"]:
        raise web.HTTPForbidden(reason="Procore-Company-Id does not match the company in the path")
    return company_id


def _project(request: web.Request, world: World) -> int:
    project_id = _int(request, "project_id")
    if world.projects.get(project_id) != request["company_id"]:
        raise web.HTTPNotFound(reason="No such project in this company")
    return project_id


def _vendor(request: web.Request, world: World, company_id: int) -> int:
    vendor_id = _int(request, "vendor_id")
    if vendor_id not in world.vendors[company_id]:
        raise web.HTTPNotFound(reason="No such vendor in this company")
    return vendor_id


def _page(request: web.Request, rows: list[Any]) -> web.Response:
    page, per_page = request.query.get("page", "1"), request.query.get("per_page", "100")
    if not page.isdigit() or not per_page.isdigit() or int(page) < 1:
        return problem(400, "page and per_page must be positive whole numbers")
    size = int(per_page)
    if not 1 <= size <= MAX_PER_PAGE:
        return problem(400, f"per_page must be from 1 to {MAX_PER_PAGE}")
    start = (int(page) - 1) * size
    return web.json_response(
        rows[start : start + size], headers={"Total": str(len(rows)), "Per-Page": str(size)}
    )


# ---------------------------------------------------------------- vendors


async def vendors(request: web.Request) -> web.Response:
    world = request.app[WORLD_KEY]
    company_id = _company(request)
    return _page(request, sorted(world.vendors[company_id].values(), key=lambda v: v["id"]))


async def vendor(request: web.Request) -> web.Response:
    world = request.app[WORLD_KEY]
    company_id = _company(request)
    return web.json_response(world.vendors[company_id][_vendor(request, world, company_id)])


# ---------------------------------------------------------------- insurances


def _shown(record: dict[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in record.items() if not k.startswith("_") and k != "name"}
    shown["insurance_provider"] = record.get("name")
    return shown


def _scope(request: web.Request, world: World) -> tuple[str, int, int]:
    if "project_id" in request.match_info:
        project_id = _project(request, world)
        return ("project", project_id, _vendor(request, world, request["company_id"]))
    company_id = _company(request)
    return ("company", company_id, _vendor(request, world, company_id))


async def _body(request: web.Request) -> Any:
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(reason="Send JSON (Content-Type: application/json)")
    try:
        return await request.json()
    except ValueError as exc:
        raise web.HTTPBadRequest(reason="The body is not valid JSON") from exc


def _store(
    world: World, scope: tuple[str, int, int], fields: dict[str, Any], company_id: int
) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    """Create or update by id or origin_id within the scope; the record or the item's errors."""
    fields = dict(fields)
    record_id = fields.pop("id", None)
    fields.pop("vendor_id", None)
    errors = insurance_errors(fields)
    if errors:
        return None, errors
    existing = None
    if record_id is not None:
        existing = world.insurances.get(record_id) if isinstance(record_id, int) else None
        if existing is None or existing["_scope"] != scope:
            return None, {"id": ["not found"]}
    elif fields.get("origin_id"):
        existing = next(
            (
                r
                for r in world.insurances.values()
                if r["_scope"] == scope and r.get("origin_id") == fields["origin_id"]
            ),
            None,
        )
    origin = str(fields.get("origin_id") or (existing or {}).get("origin_id") or "")
    if world.failing_origins.get(origin, 0) > 0:
        world.failing_origins[origin] -= 1
        return None, {"base": ["could not be saved, try again"]}
    if existing is not None:
        if company_id in world.locked_companies:
            locked = locked_changes(existing, fields)
            if locked:
                return None, locked
        existing.update(fields)
        existing["updated_at"] = _now_iso()
        return existing, {}
    if not fields.get("insurance_type"):
        return None, {"insurance_type": ["can't be blank"]}
    record = {
        "id": world.new_id(),
        "_scope": scope,
        "vendor_id": scope[2],
        "project_id": scope[1] if scope[0] == "project" else None,
        "status": "undecided",
        "exempt": False,
        "info_received": False,
        "enable_expired_insurance_notifications": False,
        "created_at": _now_iso(),
        "updated_at": _now_iso(),
        **fields,
    }
    world.insurances[record["id"]] = record
    return record, {}


async def list_or_create(request: web.Request) -> web.Response:
    world = request.app[WORLD_KEY]
    scope = _scope(request, world)
    if request.method == "GET":
        rows = [_shown(r) for r in world.insurances.values() if r["_scope"] == scope]
        return _page(request, sorted(rows, key=lambda r: r["id"]))
    body = await _body(request)
    if not isinstance(body, dict) or set(body) != {"insurance"}:
        return problem(400, {"base": ['send {"insurance": {...}}']})
    if isinstance(body["insurance"], dict) and "id" in body["insurance"]:
        return problem(422, {"id": ["is not a permitted attribute"]})
    record, errors = _store(world, scope, body["insurance"], request["company_id"])
    if record is None:
        return problem(422, errors)
    return web.json_response(_shown(record), status=201)


async def one(request: web.Request) -> web.Response:
    world = request.app[WORLD_KEY]
    scope = _scope(request, world)
    record = world.insurances.get(_int(request, "insurance_id"))
    if record is None or record["_scope"] != scope:
        return problem(404, "Insurance not found")
    if request.method == "GET":
        return web.json_response(_shown(record))
    if request.method == "DELETE":
        del world.insurances[record["id"]]
        return web.Response(status=204)
    body = await _body(request)
    if (
        not isinstance(body, dict)
        or set(body) != {"insurance"}
        or not isinstance(body["insurance"], dict)
    ):
        return problem(400, {"base": ['send {"insurance": {...}}']})
    updated, errors = _store(
        world, scope, {**body["insurance"], "id": record["id"]}, request["company_id"]
    )
    if updated is None:
        return problem(422, errors)
    return web.json_response(_shown(updated))


async def sync(request: web.Request) -> web.Response:
    world = request.app[WORLD_KEY]
    company_id = request["company_id"]
    if "project_id" in request.match_info:
        project_scope: tuple[str, int, int] | None = _scope(request, world)
    else:
        _company(request)
        project_scope = None
    body = await _body(request)
    if (
        not isinstance(body, dict)
        or set(body) != {"updates"}
        or not isinstance(body["updates"], list)
    ):
        return problem(400, {"base": ['send {"updates": [...]}']})
    entities, errors = [], []
    for item in body["updates"]:
        world.sync_items += 1
        if not isinstance(item, dict):
            errors.append({"errors": {"base": ["must be an object"]}})
            continue
        scope = project_scope
        if scope is None:
            vendor_id = item.get("vendor_id")
            if not isinstance(vendor_id, int) or vendor_id not in world.vendors[company_id]:
                errors.append(
                    {**item, "errors": {"vendor_id": ["must name a vendor of this company"]}}
                )
                continue
            scope = ("company", company_id, vendor_id)
        record, item_errors = _store(world, scope, item, company_id)
        if record is None:
            errors.append({**item, "errors": item_errors})
        else:
            entities.append(_shown(record))
    return web.json_response({"entities": entities, "errors": errors})


# ---------------------------------------------------------------- commitments


async def commitments(request: web.Request) -> web.Response:
    world = request.app[WORLD_KEY]
    kind = request.path.rsplit("/", 1)[-1]
    project = request.query.get("project_id", "")
    if not project.isdigit() or world.projects.get(int(project)) != request["company_id"]:
        return problem(
            400 if not project.isdigit() else 404, "project_id must name a project of this company"
        )
    rows = [c for c in world.commitments[kind] if c["project_id"] == int(project)]
    status = request.query.get("filters[status]")
    if status is not None:
        rows = [c for c in rows if c["status"] == status]
    wanted = request.query.get("filters[id]")
    if wanted is not None:
        ids = {int(x) for x in wanted.split(",") if x.strip().isdigit()}
        rows = [c for c in rows if c["id"] in ids]
    return _page(request, rows)


# ---------------------------------------------------------------- control


async def control(request: web.Request) -> web.Response:
    world = request.app[WORLD_KEY]
    command = request.match_info["command"]
    body = await request.json() if request.can_read_body else {}
    if command == "seed":
        for client_id, secret in body.get("clients", {}).items():
            world.clients[client_id] = secret
        world.redirect_uri = body.get("redirect_uri", world.redirect_uri)
        for code, client_id in body.get("codes", {}).items():
            world.codes[code] = client_id
        for company in body.get("companies", []):
            world.vendors.setdefault(company["id"], {})
            for v in company.get("vendors", []):
                world.vendors[company["id"]][v["id"]] = v
            for p in company.get("projects", []):
                world.projects[p] = company["id"]
        for kind in ("work_order_contracts", "purchase_order_contracts"):
            world.commitments[kind].extend(body.get(kind, []))
    elif command == "lock":
        (world.locked_companies.add if body["locked"] else world.locked_companies.discard)(
            body["company_id"]
        )
    elif command == "rate":
        world.rate_limit, world.rate_window = int(body["limit"]), float(body["window"])
        world.windows.clear()
    elif command == "throttle":
        world.forced_429 = int(body["next"])
    elif command == "fail":
        for origin in body["origin_ids"]:
            world.failing_origins[origin] = int(body.get("times", 1))
    elif command == "expire_tokens":
        for token in world.tokens.values():
            token.expires_at = 0
    elif command == "stats":
        return web.json_response(
            {
                "requests": world.requests,
                "throttled": world.throttled,
                "sync_items": world.sync_items,
                "insurances": [_shown(r) for r in world.insurances.values()],
                "by_route": dict(world.by_route),
            }
        )
    else:
        return problem(404, "no such control")
    return web.json_response({"ok": True})


def make_app() -> web.Application:
    app = web.Application(middlewares=[gate])
    app[WORLD_KEY] = World()
    app.router.add_post("/oauth/token", oauth_token)
    rest = "/rest/v1.0"
    company_vendor = rest + "/companies/{company_id}/vendors/{vendor_id}/insurances"
    project_vendor = rest + "/projects/{project_id}/vendors/{vendor_id}/insurances"
    app.router.add_get(rest + "/companies/{company_id}/vendors", vendors)
    app.router.add_get(rest + "/companies/{company_id}/vendors/{vendor_id}", vendor)
    for base in (company_vendor, project_vendor):
        app.router.add_get(base, list_or_create)
        app.router.add_post(base, list_or_create)
        for method in ("GET", "PATCH", "DELETE"):
            app.router.add_route(method, base + "/{insurance_id}", one)
    app.router.add_patch(project_vendor + "/sync", sync)
    app.router.add_patch(rest + "/companies/{company_id}/insurances/sync", sync)
    app.router.add_get(rest + "/work_order_contracts", commitments)
    app.router.add_get(rest + "/purchase_order_contracts", commitments)
    app.router.add_route("*", "/_control/{command}", control)
    return app
