"""/signup: the page an invited subcontractor that is not in the network yet lands on from
its e-mailed project invitation. Public (the token is the credential), CSRF-guarded."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.errors import DomainError
from backend.http import SESSION_COOKIE, check_pre_session_csrf, csrf_form, session_cookie
from backend.network.joining import join_network, open_signup
from backend.network.secrets import MIN_PASSWORD_LENGTH
from backend.network.service import AuthService
from backend.projects.verify_service import verify_engagement
from backend.web.forms import read_form, text

TEMPLATE = "auth/signup.html"


def _form(
    token: str,
    signup: object | None,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
) -> Template:
    return csrf_form(
        TEMPLATE,
        {
            "token": token,
            "signup": signup,
            "error": error.message if error else None,
            "field": error.field if error else None,
            "values": values or {},
            "min_password": MIN_PASSWORD_LENGTH,
        },
        status=error.status_code if error else 200,
    )


class SignupPagesController(Controller):
    include_in_schema = False

    @get("/signup")
    async def signup_page(self, db: AsyncSession, token: str = "") -> Template:
        try:
            signup = await open_signup(db, token)
        except DomainError as exc:
            return _form("", None, exc)
        return _form(token, signup)

    @post("/signup")
    async def signup(
        self,
        request: Request[Any, Any, Any],
        db: AsyncSession,
        auth: AuthService,
        settings: Settings,
    ) -> Template | Redirect:
        await check_pre_session_csrf(request)
        form = await read_form(request)
        token = text(form, "token")
        values = {
            "legal_name": text(form, "legal_name"),
            "tax_id": text(form, "tax_id"),
            "full_name": text(form, "full_name"),
        }
        try:
            # A refusal rolls back everything the attempt wrote (person, company, membership).
            async with db.begin_nested():
                joined = await join_network(
                    db,
                    auth,
                    token,
                    values["legal_name"],
                    values["full_name"],
                    text(form, "password"),
                    text(form, "password_again"),
                    values["tax_id"],
                )
        except DomainError as exc:
            try:
                signup = await open_signup(db, token)
            except DomainError:
                return _form("", None, exc)
            return _form(token, signup, exc, values)
        # Like sign-in, joining ends the session the browser came with (a shared office
        # browser still signed in as someone else must not keep that person's session).
        came_with = request.cookies.get(SESSION_COOKIE, "")
        if came_with:
            await auth.sign_out(came_with)
        # The GC sees a verdict at once: an empty record is judged incomplete, not left pending.
        await verify_engagement(db, joined.engagement.id, None, date.today())
        # To what the GC requires of this engagement, not to the empty master record: the
        # newcomer's first question is what to send, and that page says it.
        return Redirect(
            path=f"/my/engagements/{joined.engagement.id}?done=joined",
            cookies=[session_cookie(joined.session, settings)],
        )
