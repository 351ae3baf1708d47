"""Sign-in and sign-out, the organisation switcher, password reset, and accepting a broker
invitation: the pages a person uses before (or while changing) who they act as. Forms shown
before sign-in carry a double-submit CSRF token; every new session gets a new id and ends the
one the browser came with."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.errors import DomainError
from backend.http import (
    SESSION_COOKIE,
    check_pre_session_csrf,
    csrf_form,
    error_page,
    session_cookie,
)
from backend.network.actor import Actor
from backend.network.invitation_mail import account_mail_after_commit, password_reset_body
from backend.network.invitations import InvitationService
from backend.network.secrets import MIN_PASSWORD_LENGTH
from backend.network.service import NOTHING_TO_ACT_FOR, RESET_LINK_LIFETIME, AuthService
from backend.web.common import page

TWO_FACTOR_PAGE = "auth/two_factor.html"
# Every form here is posted as an HTML form is, not as JSON.
URL_FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
RESET_SENT = (
    "If an account uses that address, a link to set a new password is on its way to it. "
    "The link works once, within the hour."
)


class SignInForm(msgspec.Struct, kw_only=True):
    email: str = ""
    password: str = ""
    code: str = ""
    next: str = "/"


class CodeForm(msgspec.Struct, kw_only=True):
    code: str = ""


class ConfirmForm(msgspec.Struct, kw_only=True):
    code: str = ""
    password: str = ""


class AcceptForm(msgspec.Struct, kw_only=True):
    token: str = ""
    full_name: str = ""


class ForgotForm(msgspec.Struct, kw_only=True):
    email: str = ""


class ResetForm(msgspec.Struct, kw_only=True):
    token: str = ""
    password: str = ""
    password_again: str = ""


class SwitchForm(msgspec.Struct, kw_only=True):
    context: str = ""


def _safe_next(target: str) -> str:
    # Only same-site paths: an open redirect would turn the sign-in page into a phishing aid.
    # Browsers read a backslash as a slash and drop tabs and line breaks inside a URL, so
    # "/\\host" and "/\t/host" are "//host": both are refused along with any control character.
    if not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(c) < 0x21 or ord(c) == 0x7F for c in target):
        return "/"
    return target


def client_ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


async def signed_in(request: Request[Any, Any, Any], auth: AuthService) -> Actor | None:
    """Who is signed in on a page anyone may open; None for a visitor."""
    cookie = request.cookies.get(SESSION_COOKIE)
    return await auth.actor_for_session(cookie) if cookie else None


async def _two_factor_page(
    db: AsyncSession, actor: Actor, on: bool, secret: str | None = None, uri: str | None = None
) -> Template:
    """The second-factor page: on or off, and while being set up, the secret and its QR
    address."""
    return await page(db, actor, TWO_FACTOR_PAGE, on=on, secret=secret, uri=uri, error=None)


class AuthController(Controller):
    include_in_schema = False

    @get("/login")
    async def sign_in_page(self, next: str = "/") -> Template:
        return csrf_form("auth/login.html", {"next": _safe_next(next), "error": None})

    @post("/login")
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        auth: AuthService,
        settings: Settings,
        data: Annotated[SignInForm, URL_FORM],
    ) -> Response[Any]:
        await check_pre_session_csrf(request)
        try:
            new = await auth.sign_in(
                data.email,
                data.password,
                client_ip(request),
                replacing=request.cookies.get(SESSION_COOKIE, ""),
                code=data.code,
            )
        except DomainError as exc:
            # Failed attempts must be counted even though sign-in is refused, so this renders
            # the error instead of raising (raising would roll the count back).
            return csrf_form(
                "auth/login.html",
                {"next": _safe_next(data.next), "error": exc.message, "email": data.email},
                status=exc.status_code,
            )
        return Redirect(path=_safe_next(data.next), cookies=[session_cookie(new, settings)])

    @post("/logout")
    async def sign_out(
        self, request: Request[Any, Any, Any], actor: Actor, auth: AuthService
    ) -> Redirect:
        await auth.sign_out(request.cookies.get(SESSION_COOKIE, ""))
        return Redirect(
            path="/login",
            cookies=[Cookie(key=SESSION_COOKIE, value="", max_age=0, httponly=True)],
        )

    @get("/switch")
    async def switch_page(self, actor: Actor, auth: AuthService, db: AsyncSession) -> Template:
        contexts = await auth.contexts(actor.person_id)
        current = (
            f"grant:{actor.invitation_id}"
            if actor.invitation_id
            else f"org:{actor.organisation_id}"
        )
        return await page(db, actor, "auth/switch.html", contexts=contexts, current=current)

    @post("/switch")
    async def switch(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        auth: AuthService,
        settings: Settings,
        data: Annotated[SwitchForm, URL_FORM],
    ) -> Redirect:
        new = await auth.switch(actor, data.context, request.cookies.get(SESSION_COOKIE, ""))
        return Redirect(path="/", cookies=[session_cookie(new, settings)])

    # --- second factor (GC admins) --------------------------------------------------------

    @get("/settings/two-factor")
    async def two_factor_page(self, actor: Actor, auth: AuthService, db: AsyncSession) -> Template:
        on = await auth.two_factor_on(actor)
        return await _two_factor_page(db, actor, on)

    @post("/settings/two-factor/start")
    async def two_factor_start(self, actor: Actor, auth: AuthService, db: AsyncSession) -> Template:
        secret, uri = await auth.start_two_factor(actor)
        return await _two_factor_page(db, actor, False, secret, uri)

    @post("/settings/two-factor/confirm")
    async def two_factor_confirm(
        self,
        request: Request[Any, Any, Any],
        actor: Actor,
        auth: AuthService,
        db: AsyncSession,
        data: Annotated[ConfirmForm, URL_FORM],
    ) -> Template:
        try:
            await auth.confirm_two_factor(actor, data.code, data.password, client_ip(request))
        except DomainError as exc:
            # Shown, not raised: raising would roll back the failed password's count.
            return error_page(exc.status_code, exc.message)
        return await _two_factor_page(db, actor, True)

    @post("/settings/two-factor/disable")
    async def two_factor_disable(
        self,
        actor: Actor,
        auth: AuthService,
        db: AsyncSession,
        data: Annotated[CodeForm, URL_FORM],
    ) -> Template:
        await auth.disable_two_factor(actor, data.code)
        return await _two_factor_page(db, actor, False)

    # --- password reset -----------------------------------------------------------------

    @get("/password/forgot")
    async def forgot_page(self) -> Template:
        return csrf_form("auth/forgot.html", {"error": None, "sent": False})

    @post("/password/forgot")
    async def forgot(
        self,
        request: Request[Any, Any, Any],
        auth: AuthService,
        settings: Settings,
        data: Annotated[ForgotForm, URL_FORM],
    ) -> Template:
        await check_pre_session_csrf(request)
        found = await auth.request_password_reset(data.email)
        # The same page whether or not an account uses the address; the mail goes out after
        # the response, so the answer's timing does not tell either.
        response = csrf_form(
            "auth/forgot.html", {"error": None, "sent": True, "message": RESET_SENT}
        )
        if found is not None:
            person, token = found
            link = f"{settings.base_url}/password/reset?token={token}"
            minutes = int(RESET_LINK_LIFETIME.total_seconds() // 60)
            response.background = account_mail_after_commit(
                request,
                person.email,
                "Set a new password on the COI network",
                password_reset_body(link, minutes),
            )
        return response

    @get("/password/reset")
    async def reset_page(self, token: str = "") -> Template:
        return csrf_form(
            "auth/reset.html", {"token": token, "error": None, "min_password": MIN_PASSWORD_LENGTH}
        )

    @post("/password/reset")
    async def reset(
        self,
        request: Request[Any, Any, Any],
        auth: AuthService,
        settings: Settings,
        data: Annotated[ResetForm, URL_FORM],
    ) -> Response[Any]:
        await check_pre_session_csrf(request)
        try:
            person, first = await auth.reset_password_first(
                data.token, data.password, data.password_again
            )
        except DomainError as exc:
            return csrf_form(
                "auth/reset.html",
                {"token": data.token, "error": exc.message, "min_password": MIN_PASSWORD_LENGTH},
                status=exc.status_code,
            )
        if not await auth.contexts(person.id):
            # The link proved the mailbox: its owner learns why signing in will be refused
            # (the sign-in page answers as for a wrong password).
            told = csrf_form(
                "auth/reset.html", {"token": "", "error": None, "notice": NOTHING_TO_ACT_FOR}
            )
            told.set_cookie(Cookie(key=SESSION_COOKIE, value="", max_age=0, httponly=True))
            return told
        if first:
            # An account's first password (an operator onboarded its admin): the e-mailed link
            # was the only proof there was to ask for, so its owner lands signed in, in a new
            # session that ends the one the browser came with.
            new = await auth.open_for_person(
                person, None, replacing=request.cookies.get(SESSION_COOKIE, "")
            )
            return Redirect(path="/", cookies=[session_cookie(new, settings)])
        return Redirect(
            path="/login",
            cookies=[Cookie(key=SESSION_COOKIE, value="", max_age=0, httponly=True)],
        )

    # --- broker invitations -------------------------------------------------------------

    @get("/invitations/accept")
    async def accept_page(
        self,
        request: Request[Any, Any, Any],
        auth: AuthService,
        db: AsyncSession,
        token: str = "",
    ) -> Template:
        invitations = InvitationService(db)
        try:
            invitation, person = await invitations.usable_broker_invitation(token)
        except DomainError as exc:
            return csrf_form(
                "auth/accept.html", {"token": "", "error": exc.message}, exc.status_code
            )
        actor = await signed_in(request, auth)
        if actor is not None:
            mode = "confirm" if person is not None and actor.person_id == person.id else "other"
        elif person is not None and await invitations.member_of(person):
            mode = "sign_in"  # an organisation's member accepts signed in as itself
        else:
            mode = "new" if person is None else "confirm"
        sub = await auth.repo.organisation(invitation.issuer_org_id)
        firm = (
            await auth.repo.organisation(invitation.invitee_org_id)
            if invitation.invitee_org_id
            else None
        )
        return csrf_form(
            "auth/accept.html",
            {
                "token": token,
                "error": None,
                "mode": mode,
                "invitation": invitation,
                "sub_name": sub.legal_name if sub else "",
                "firm_name": firm.legal_name if firm else "",
            },
        )

    @post("/invitations/accept")
    async def accept(
        self,
        request: Request[Any, Any, Any],
        auth: AuthService,
        db: AsyncSession,
        settings: Settings,
        data: Annotated[AcceptForm, URL_FORM],
    ) -> Response[Any]:
        await check_pre_session_csrf(request)
        cookie = request.cookies.get(SESSION_COOKIE, "")
        try:
            async with db.begin_nested():
                actor = await signed_in(request, auth)
                invitation, person = await InvitationService(db).accept_broker(
                    data.token, actor, data.full_name
                )
                new = await auth.session_after_grant(person, invitation, replacing=cookie)
        except DomainError as exc:
            return csrf_form(
                "auth/accept.html", {"token": "", "error": exc.message}, status=exc.status_code
            )
        return Redirect(path="/", cookies=[session_cookie(new, settings)])
