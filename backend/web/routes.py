"""Every page controller of the web app, registered by create_app in one line."""

from __future__ import annotations

from typing import Any

from backend.web.gc_pages import GcPagesController
from backend.web.sub_pages import SubPagesController

WEB_CONTROLLERS: list[Any] = [GcPagesController, SubPagesController]
