"""Every response carries the security headers: pages, the API, errors (handler errors and the
router's own 404/405) and static files; HSTS only in production; and no template holds what
the Content-Security-Policy would block (inline script, event-handler attributes, style
attributes, htmx's eval)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from httpx import AsyncClient, Response
from litestar import Litestar, get
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import PROJECT_ROOT, Settings
from backend.web_security.headers import security_headers, security_headers_hook
from tests.integration.factories import make_org, sign_in

TEMPLATES = PROJECT_ROOT / "frontend" / "templates"


def _assert_secured(response: Response) -> None:
    headers = response.headers
    policy = headers.get("content-security-policy", "")
    directives = {}
    for part in policy.split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    assert directives.get("frame-ancestors") == "'none'", policy
    assert directives.get("script-src") == "'self'", policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert directives.get("object-src") == "'none'"
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("x-frame-options") == "DENY"
    assert headers.get("referrer-policy") == "strict-origin-when-cross-origin"
    # The test settings are development ones: HSTS would pin a plain-HTTP dev server to HTTPS.
    assert "strict-transport-security" not in headers


async def test_pages_api_errors_and_static_files_carry_the_headers(
    client: AsyncClient, db: AsyncSession
) -> None:
    gc = await make_org(db, "general_contractor")
    anonymous = [
        await client.get("/login"),  # a page shown before sign-in
        await client.get("/static/app.js"),
        await client.get("/static/no-such-file.js"),  # 404 from the static router
        await client.get("/no/such/page", headers={"accept": "text/html"}),  # router 404
        await client.get("/api/v1/projects"),  # 401 as JSON
        await client.put("/login"),  # 405
    ]
    assert [r.status_code for r in anonymous] == [200, 200, 404, 404, 401, 405]
    await sign_in(client, gc.emails["gc_admin"])
    signed_in = [
        await client.get("/dashboard", headers={"accept": "text/html"}),
        await client.get("/api/v1/projects"),
        await client.get("/api/v1/audit/snapshots/%00/bundle"),  # 422 from the input guard
        await client.get("/schema/openapi.json"),
    ]
    assert [r.status_code for r in signed_in] == [200, 200, 422, 200]
    for response in anonymous + signed_in:
        _assert_secured(response)


async def test_hsts_only_in_production() -> None:
    development = Settings()
    production = dataclasses.replace(development, environment="production")
    assert "Strict-Transport-Security" not in security_headers(development)
    hsts = security_headers(production)["Strict-Transport-Security"]
    max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))  # type: ignore[union-attr]
    assert max_age >= 365 * 24 * 3600 and "includeSubDomains" in hsts

    @get("/", sync_to_thread=False)
    def hello() -> str:
        return "hello"

    app = Litestar([hello], before_send=[security_headers_hook(production)])
    async with AsyncTestClient(app) as http:
        for response in (await http.get("/"), await http.get("/missing")):
            assert response.headers["strict-transport-security"] == hsts
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_ATTRIBUTE = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE = re.compile(r"\sstyle\s*=|<style\b", re.IGNORECASE)
HTMX_EVAL = re.compile(r"\s(?:data-)?hx-(?:on\b|on:|vars\b)|js:|javascript:", re.IGNORECASE)


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_hold_nothing_the_policy_blocks(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    for pattern in (INLINE_SCRIPT, EVENT_ATTRIBUTE, STYLE, HTMX_EVAL):
        assert not pattern.search(text), f"{template.name}: {pattern.search(text)}"


def test_htmx_is_told_not_to_eval_or_inject_styles() -> None:
    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'>', base)
    assert config is not None
    assert '"allowEval": false' in config.group(1)
    assert '"includeIndicatorStyles": false' in config.group(1)
