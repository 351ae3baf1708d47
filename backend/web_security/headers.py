"""Security headers on every response the app sends (pages, API, errors, static files and
the router's own 404/405), built with the `secure` package and applied by Litestar's
before_send hook, which sees every response start, not only those of matched routes."""

from __future__ import annotations

from collections.abc import Mapping

import secure
from litestar.datastructures import MutableScopeHeaders
from litestar.types import BeforeMessageSendHookHandler, Message, Scope

from backend.config import Settings

# Two years: the span browsers' preload lists ask for; HSTS is sent only in production, where
# the app is served over HTTPS only (a development server on plain HTTP must stay reachable).
HSTS_MAX_AGE_SECONDS = 2 * 365 * 24 * 3600

SELF = secure.ContentSecurityPolicy.keyword("self")
NONE = secure.ContentSecurityPolicy.keyword("none")


def content_security_policy() -> secure.ContentSecurityPolicy:
    """Scripts and styles only from the app's own files (no inline script, no eval, no style
    attribute); nothing may frame the app; forms post only to it."""
    return (
        secure.ContentSecurityPolicy()
        .default_src(SELF)
        .script_src(SELF)
        .style_src(SELF)
        .img_src(SELF)
        .connect_src(SELF)
        .font_src(SELF)
        .object_src(NONE)
        .base_uri(NONE)
        .form_action(SELF)
        .frame_ancestors(NONE)
    )


def security_headers(settings: Settings) -> Mapping[str, str]:
    policy = secure.Secure(
        csp=content_security_policy(),
        xcto=secure.XContentTypeOptions(),
        xfo=secure.XFrameOptions().deny(),
        referrer=secure.ReferrerPolicy().strict_origin_when_cross_origin(),
        coop=secure.CrossOriginOpenerPolicy().same_origin(),
        permissions=secure.PermissionsPolicy().camera().geolocation().microphone(),
        hsts=(
            secure.StrictTransportSecurity().max_age(HSTS_MAX_AGE_SECONDS).include_subdomains()
            if settings.environment == "production"
            else None
        ),
    )
    return dict(policy.headers)


def security_headers_hook(settings: Settings) -> BeforeMessageSendHookHandler:
    headers = security_headers(settings)

    async def add_security_headers(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start":
            response_headers = MutableScopeHeaders.from_message(message)
            for name, value in headers.items():
                response_headers[name] = value

    return add_security_headers
