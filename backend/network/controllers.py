"""Sign-in, sign-out, invitation links and API tokens."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from backend.config import Settings
from backend.errors import DomainError
from backend.http import SESSION_COOKIE, check_pre_session_csrf, csrf_form, session_cookie
from backend.network.actor import Actor
from backend.network.service import AuthService


class SignInForm(msgspec.Struct, kw_only=True):
    email: str = ""
    password: str = ""
    next: str = "/"


class AcceptForm(msgspec.Struct, kw_only=True):
    token: str = ""
    full_name: str = ""


class TokenRequest(msgspec.Struct, forbid_unknown_fields=True):
    name: str


class BrokerInvitationRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    email: str
    broker_org_id: uuid.UUID
    days: int = 30


def _safe_next(target: str) -> str:
    # Only same-site paths: an open redirect would turn the sign-in page into a phishing aid.
    return target if target.startswith("/") and not target.startswith("//") else "/"


class AuthController(Controller):
    @get("/login", include_in_schema=False)
    async def sign_in_page(self, next: str = "/") -> Template:
        return csrf_form("auth/login.html", {"next": _safe_next(next), "error": None})

    @post("/login", include_in_schema=False)
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        auth: AuthService,
        settings: Settings,
        data: Annotated[SignInForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Response[Any]:
        await check_pre_session_csrf(request)
        try:
            new = await auth.sign_in(data.email, data.password)
        except DomainError as exc:
            # The failed-attempt counter must persist even though sign-in is refused, so this
            # renders the error instead of raising (raising would roll the counter back).
            return csrf_form(
                "auth/login.html",
                {"next": _safe_next(data.next), "error": exc.message, "email": data.email},
                status=exc.status_code,
            )
        return Redirect(path=_safe_next(data.next), cookies=[session_cookie(new, settings)])

    @post("/logout", include_in_schema=False)
    async def sign_out(
        self, request: Request[Any, Any, Any], actor: Actor, auth: AuthService
    ) -> Redirect:
        await auth.sign_out(request.cookies.get(SESSION_COOKIE, ""))
        return Redirect(
            path="/login",
            cookies=[Cookie(key=SESSION_COOKIE, value="", max_age=0, httponly=True)],
        )

    @get("/invitations/accept", include_in_schema=False)
    async def accept_page(self, token: str = "") -> Template:
        return csrf_form("auth/accept.html", {"token": token, "error": None})

    @post("/invitations/accept", include_in_schema=False)
    async def accept(
        self,
        request: Request[Any, Any, Any],
        auth: AuthService,
        settings: Settings,
        data: Annotated[AcceptForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Response[Any]:
        await check_pre_session_csrf(request)
        try:
            new = await auth.accept_broker_invitation(data.token, data.full_name)
        except DomainError as exc:
            return csrf_form(
                "auth/accept.html", {"token": "", "error": exc.message}, status=exc.status_code
            )
        return Redirect(path="/", cookies=[session_cookie(new, settings)])


class TokenController(Controller):
    path = "/api/v1"

    @get("/tokens")
    async def list_tokens(self, actor: Actor, auth: AuthService) -> list[dict[str, Any]]:
        from backend.network.access import require

        require(actor, "tokens.manage")
        rows = await auth.repo.api_tokens_of(actor.organisation_id)
        return [
            {
                "id": str(r.id),
                "name": r.name,
                "prefix": r.prefix,
                "role": r.role,
                "revoked": r.revoked_at is not None,
                "created_at": r.created_at.isoformat(),
            }
            for r in rows
        ]

    @post("/tokens", status_code=201)
    async def create_token(
        self, actor: Actor, auth: AuthService, data: TokenRequest
    ) -> dict[str, Any]:
        row, token = await auth.create_api_token(actor, data.name)
        return {
            "id": str(row.id),
            "name": row.name,
            "token": token,
            "note": "Shown once; store it now.",
        }

    @delete("/tokens/{token_id:uuid}", status_code=204)
    async def revoke_token(self, actor: Actor, auth: AuthService, token_id: uuid.UUID) -> None:
        await auth.revoke_api_token(actor, token_id)

    @post("/broker-invitations", status_code=201)
    async def invite_broker(
        self, actor: Actor, auth: AuthService, settings: Settings, data: BrokerInvitationRequest
    ) -> dict[str, Any]:
        invitation, token = await auth.invite_broker(
            actor, data.email, data.broker_org_id, data.days
        )
        return {
            "id": str(invitation.id),
            "email": invitation.email,
            "expires_at": invitation.expires_at.isoformat(),
            "link": f"{settings.base_url}/invitations/accept?token={token}",
        }

    @delete("/broker-invitations/{invitation_id:uuid}", status_code=204)
    async def revoke_invitation(
        self, actor: Actor, auth: AuthService, invitation_id: uuid.UUID
    ) -> None:
        await auth.revoke_invitation(actor, invitation_id)
