"""/verify: anyone (an auditor, an owner, a lender) checks an evidence bundle in the browser.
The same offline verifier as `coinet audit verify` runs on it, with this operator's published
keys pinned, so a bundle re-signed with someone else's key does not pass. Anyone may post here,
so the bundle is checked in a limited child process within the bounds of audit/public_verify."""

from __future__ import annotations

import asyncio
from typing import Any

from cryptography import x509
from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Template

from backend.audit.bundle import TrustAnchors
from backend.audit.context import AuditContext
from backend.audit.public_verify import MAX_UPLOAD_BYTES, BundleRefused, verify_upload
from backend.config import Settings
from backend.http import SESSION_COOKIE, check_pre_session_csrf, csrf_form
from backend.network.actor import Actor
from backend.network.service import AuthService


def operator_anchors(settings: Settings) -> TrustAnchors:
    context = AuditContext.from_settings(settings)
    pem = context.pdf_identity.certificate_pem + context.pdf_identity.chain_pem
    roots = x509.load_pem_x509_certificates(context.tsa_roots_pem) if context.tsa_roots_pem else []
    return TrustAnchors(
        checkpoint_keys=context.keyring,
        pdf_certificates=x509.load_pem_x509_certificates(pem),
        tsa_roots=roots,
    )


async def optional_actor(request: Request[Any, Any, Any], auth: AuthService) -> Actor | None:
    token = request.cookies.get(SESSION_COOKIE)
    return await auth.actor_for_session(token) if token else None


class VerifyPageController(Controller):
    include_in_schema = False

    @get("/verify")
    async def verify_form(self, request: Request[Any, Any, Any], auth: AuthService) -> Template:
        actor = await optional_actor(request, auth)
        return csrf_form("verify.html", {"actor": actor, "report": None, "filename": ""})

    # The body may hold one bundle of the largest size checked here, and a form around it.
    @post("/verify", request_max_body_size=MAX_UPLOAD_BYTES + 64 * 1024)
    async def verify(
        self, request: Request[Any, Any, Any], auth: AuthService, settings: Settings
    ) -> Template:
        await check_pre_session_csrf(request)
        actor = await optional_actor(request, auth)
        form = await request.form()
        upload = form.get("bundle")
        if not isinstance(upload, UploadFile):
            return csrf_form(
                "verify.html",
                {"actor": actor, "report": None, "filename": "", "error": "Choose a bundle file."},
                status=422,
            )
        data = await upload.read()
        anchors = await asyncio.to_thread(operator_anchors, settings)
        try:
            report = await verify_upload(data, anchors)
        except BundleRefused as refused:
            return csrf_form(
                "verify.html",
                {
                    "actor": actor,
                    "report": None,
                    "filename": upload.filename,
                    "error": refused.message,
                },
                status=refused.status_code,
            )
        return csrf_form(
            "verify.html",
            {"actor": actor, "report": report, "filename": upload.filename, "error": None},
            status=200,
        )
