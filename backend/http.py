"""HTTP plumbing shared by every controller: the per-request transaction, who is acting,
CSRF, and turning domain errors into clear 4xx responses (never a traceback)."""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import AsyncGenerator
from typing import Any

from litestar import Request, Response
from litestar.datastructures import Cookie, State
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.response import Redirect, Template
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.config import Settings
from backend.db.models.vocab import TOKEN_SCOPE_READ
from backend.errors import DomainError, Forbidden, NotAuthenticated, TooManyRequests, Unavailable
from backend.network.actor import Actor
from backend.network.repository import NetworkRepository
from backend.network.service import AuthService, NewSession
from backend.records.service import RecordService
from backend.records.store import DocumentStore

SESSION_COOKIE = "coinet_session"
PRE_SESSION_CSRF_COOKIE = "coinet_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "_csrf"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Where API tokens are honoured: the JSON API, never the server-rendered pages.
API_PREFIX = "/api/"
# SQLSTATE classes PostgreSQL refuses a request's values with: 22, a value out of range or too
# long; 23, an integrity constraint (a unique key two concurrent requests both tried to take).
DATA_CLASS = "22"
INTEGRITY_CLASS = "23"

log = logging.getLogger("coinet.http")


async def provide_db(state: State) -> AsyncGenerator[AsyncSession, None]:
    """The request owns the transaction: commit when the handler returns, roll back if it
    raises. Handlers and services never commit."""
    factory: async_sessionmaker[AsyncSession] = state.session_factory
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


def provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


def provide_store(state: State) -> DocumentStore:
    store: DocumentStore = state.store
    return store


def provide_auth(db: AsyncSession, settings: Settings) -> AuthService:
    return AuthService(NetworkRepository(db), settings)


def provide_records(db: AsyncSession, store: DocumentStore, settings: Settings) -> RecordService:
    return RecordService(db, store, settings.max_upload_bytes)


async def _submitted_csrf(request: Request[Any, Any, Any]) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def provide_actor(request: Request[Any, Any, Any], auth: AuthService) -> Actor:
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        actor = await auth.actor_for_api_token(authorization[7:].strip())
        if actor is None:
            raise NotAuthenticated("The API token is unknown or revoked.")
        # A token is an integration's key, not a person's sign-in: on the pages it could open
        # a browser session through /switch (in any of its maker's organisations, past the
        # second factor) or set a second factor on its maker's account. Pages want a session.
        if not request.url.path.startswith(API_PREFIX):
            raise Forbidden("An API token opens /api/ only. Sign in to use the pages.")
        # The one gate for token scopes: every route that acts for someone resolves its
        # actor here, so a read-only token can change nothing whatever the route or body.
        if actor.token_scope == TOKEN_SCOPE_READ and request.method in UNSAFE_METHODS:
            raise Forbidden(
                f'This API token has scope "read": it may not {request.method}. '
                'Make a token with scope "write" to change data.'
            )
        return actor
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise NotAuthenticated("Please sign in.")
    actor = await auth.actor_for_session(cookie)
    if actor is None:
        raise NotAuthenticated("Your session has ended. Please sign in again.")
    if request.method in UNSAFE_METHODS:
        submitted = await _submitted_csrf(request)
        if not submitted or not hmac.compare_digest(submitted, actor.csrf_token):
            raise Forbidden("The form's security token is missing or stale. Reload the page.")
    return actor


async def check_pre_session_csrf(request: Request[Any, Any, Any]) -> None:
    """Double-submit check for forms shown before anyone is signed in (sign-in, accepting
    an invitation): the hidden field must equal the cookie set when the form was shown."""
    cookie = request.cookies.get(PRE_SESSION_CSRF_COOKIE, "")
    submitted = await _submitted_csrf(request)
    if not cookie or not submitted or not hmac.compare_digest(cookie, submitted):
        raise Forbidden("The form's security token is missing or stale. Reload the page.")


def _wants_html(request: Request[Any, Any, Any]) -> bool:
    if request.url.path.startswith("/api/"):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept or request.headers.get("hx-request") == "true"


def _error_response(
    request: Request[Any, Any, Any], status: int, code: str, message: str, field: str | None
) -> Response[Any]:
    if status == 401 and _wants_html(request) and request.method == "GET":
        return Redirect(path=f"/login?next={request.url.path}")
    if _wants_html(request):
        return error_page(status, message)
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if field:
        body["error"]["field"] = field
    return Response(content=body, status_code=status)


def error_page(status: int, message: str) -> Template:
    """The page a browser is shown for a refused or failed request: the status and the message,
    nothing else about the failure."""
    return Template(
        template_name="error.html",
        context={"status": status, "message": message},
        status_code=status,
    )


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    response = _error_response(request, exc.status_code, exc.code, exc.message, exc.field)
    if isinstance(exc, TooManyRequests | Unavailable):
        response.headers["retry-after"] = str(exc.retry_after)
    return response


def validation_error_handler(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[Any]:
    """A value of the wrong type, length or range: 422 naming the first field at fault."""
    details = exc.extra if isinstance(exc.extra, list) else []
    parts = []
    first_field: str | None = None
    for item in details:
        if isinstance(item, dict):
            key = str(item.get("key") or "")
            first_field = first_field or key or None
            parts.append(f"{key}: {item.get('message', '')}".strip(": "))
    message = "The request is not valid" + (": " + "; ".join(parts) if parts else ".")
    return _error_response(request, 422, "invalid", message, first_field)


def data_error_handler(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[Any]:
    """PostgreSQL refused a value (SQLSTATE class 22: too long, out of range, bad encoding)
    that the request bounds let through: still the caller's value, so a 422 and nothing saved,
    logged so the missing bound gets declared where the field is."""
    if _sqlstate_class(exc) == INTEGRITY_CLASS:
        # Two requests at once both passed a check ("is this number taken?") and the database's
        # own key refused the second: the caller's conflict, to retry, not a server fault.
        log.warning("concurrent change refused on %s %s: %s", request.method, request.url.path, exc)
        return _error_response(
            request,
            409,
            "conflict",
            "Another request changed this at the same moment; nothing was saved. Try again.",
            None,
        )
    if not _is_data_exception(exc):
        return unexpected_error_handler(request, exc)
    log.warning("value refused by the database on %s %s: %s", request.method, request.url.path, exc)
    return _error_response(
        request, 422, "invalid", "A value is too long or out of range; nothing was saved.", None
    )


def overflow_error_handler(request: Request[Any, Any, Any], exc: OverflowError) -> Response[Any]:
    """A number too large for a date or duration (a period of 10^11 hours): the caller's value,
    so a 422 and nothing saved; logged so the field gets its own bound."""
    log.warning("number out of range on %s %s", request.method, request.url.path, exc_info=exc)
    return _error_response(
        request, 422, "invalid", "A number in the request is out of range; nothing was saved.", None
    )


def _sqlstate_class(exc: DBAPIError) -> str:
    state = getattr(exc.orig, "sqlstate", None)
    return state[:2] if isinstance(state, str) else ""


def _is_data_exception(exc: DBAPIError) -> bool:
    return _sqlstate_class(exc) == DATA_CLASS


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, NotAuthorizedException):
        return _error_response(request, 401, "not_signed_in", "Please sign in.", None)
    status = exc.status_code
    code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(status, "http_error")
    message = exc.detail or "The request could not be handled."
    if status == 413:
        message = "The upload is larger than the allowed size."
    return _error_response(request, status, code, message, None)


def unexpected_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error_response(
        request, 500, "internal_error", "Something went wrong on our side; nothing was saved.", None
    )


def csrf_form(template: str, context: dict[str, Any], status: int = 200) -> Template:
    """A form shown before anyone is signed in (or to anyone at all), guarded by a double-submit
    token that check_pre_session_csrf compares with the cookie set here."""
    token = secrets.token_urlsafe(32)
    return Template(
        template_name=template,
        context={**context, "csrf_token": token},
        status_code=status,
        cookies=[
            Cookie(key=PRE_SESSION_CSRF_COOKIE, value=token, httponly=True, samesite="strict")
        ],
    )


def session_cookie(new: NewSession, settings: Settings, max_age: int | None = None) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=new.token,
        httponly=True,
        samesite="lax",
        secure=settings.base_url.startswith("https://"),
        max_age=max_age or settings.session_days * 86400,
    )
