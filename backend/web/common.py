"""What every page controller shares: the page context, htmx detection, status colours."""

from __future__ import annotations

import uuid
from typing import Any, Final

from litestar import Request
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from backend.errors import DomainError, Forbidden
from backend.network.actor import Actor
from backend.network.company import CompanyService

# The four colours of the dashboard; the status word is always printed inside the badge, so
# colour is never the only signal.
COLOUR_OF_STATUS: Final[dict[str, str]] = {
    "compliant": "green",
    "expiring": "yellow",
    "non_compliant": "red",
    "expired": "red",
    "pending": "grey",
    "incomplete": "grey",
}
STATUS_LABEL: Final[dict[str, str]] = {
    "compliant": "Compliant",
    "expiring": "Expiring",
    "non_compliant": "Non-compliant",
    "expired": "Expired",
    "pending": "Pending review",
    "incomplete": "Incomplete",
}


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


async def page(
    db: AsyncSession,
    actor: Actor | None,
    template_name: str,
    status_code: int | None = None,
    **context: Any,
) -> Template:
    """A full page: base.html needs the actor and its organisation for the header. A page
    shown again with a refusal (`error` in the context) answers with the refusal's status,
    unless `status_code` says otherwise."""
    if status_code is None:
        error = context.get("error")
        status_code = error.status_code if isinstance(error, DomainError) else 200
    organisation = await CompanyService(db).own(actor) if actor else None
    return Template(
        template_name=template_name,
        context={"actor": actor, "organisation": organisation, **context},
        status_code=status_code,
    )


def fragment(template_name: str, actor: Actor | None = None, **context: Any) -> Template:
    return Template(template_name=template_name, context={"actor": actor, **context})


def require_gc(actor: Actor) -> None:
    if not actor.is_gc:
        raise Forbidden("This page is for general contractors.")


def require_sub(actor: Actor) -> None:
    if not actor.is_sub:
        raise Forbidden("This page is for subcontractors.")


def parse_uuid(value: str | None) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
