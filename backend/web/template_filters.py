"""Filters the page templates use beyond Jinja's own, registered once by create_app."""

from __future__ import annotations

import re
from typing import Final

from litestar.contrib.jinja import JinjaTemplateEngine
from markupsafe import Markup, escape

from backend.network.actor import Actor
from backend.verification.messages import addressed_to_broker

# A page of this site written in a notice's body after a colon ("What is missing and how to
# fix it: /my/engagements/<id>"): the e-mail digest makes it a full address (notify/mail.py);
# on the notices page it becomes a link. Only these paths and only these characters, so no
# text a customer typed can become a link elsewhere.
SITE_PATH: Final = re.compile(
    r"(?<=: )(/(?:my/engagements|engagements|documents|depends)(?:/[0-9a-f-]{36})?"
    r"(?:/[a-z-]+)?(?:#[a-z-]+)?)(?=\s|$|[.,;)])"
)


def site_links(text: str) -> Markup:
    """The text escaped, each site path in it made a link (one folded notice names several
    engagements; its button opens only the first)."""
    escaped = str(escape(text))
    linked = SITE_PATH.sub(lambda m: f'<a href="{m.group(1)}">{m.group(1)}</a>', escaped)
    # Safe: the text was escaped first, and a link holds only SITE_PATH's characters.
    return Markup(linked)  # noqa: S704


def for_reader(message: str, actor: Actor | None) -> str:
    """A check's message as the person reading the page should read it: the bookkeeper's
    "Ask your broker for ..." is addressed to the broker when a broker reads it."""
    return addressed_to_broker(message) if actor is not None and actor.is_broker else message


def register_filters(engine: JinjaTemplateEngine) -> None:
    engine.engine.filters["site_links"] = site_links
    engine.engine.filters["for_reader"] = for_reader
