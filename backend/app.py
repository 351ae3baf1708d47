"""create_app(): the one place where routes, plugins, dependencies and middleware meet."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Request
from litestar.config.compression import CompressionConfig
from litestar.config.response_cache import ResponseCacheConfig
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy.exc import DBAPIError

from backend.audit import tail
from backend.audit.controllers import AuditController
from backend.chase.pages import ChasePagesController
from backend.config import PROJECT_ROOT, Settings, get_settings
from backend.db.session import make_engine, make_session_factory
from backend.deployment import require_deployable
from backend.errors import DomainError
from backend.health import live, open_redis, ready
from backend.home.controllers import HomeController
from backend.http import (
    data_error_handler,
    domain_error_handler,
    http_error_handler,
    overflow_error_handler,
    provide_actor,
    provide_auth,
    provide_db,
    provide_records,
    provide_settings,
    provide_store,
    unexpected_error_handler,
    validation_error_handler,
)
from backend.integrations.controllers import AccountingController
from backend.integrations.pages import IntegrationPagesController
from backend.integrations.procore.controllers import ProcoreController
from backend.integrations.procore.pages import ProcorePagesController
from backend.network.controllers import MemberController, TokenController
from backend.notify import nudge
from backend.notify.controllers import DevMailController, NoticeController
from backend.notify.webhooks_controllers import WebhookController
from backend.projects.controllers import ProjectController
from backend.projects.decision_controllers import DecisionController
from backend.projects.service import ProjectService
from backend.records.controllers import DocumentController, RecordController
from backend.records.store import make_store
from backend.web.auth_pages import AuthController
from backend.web.routes import WEB_CONTROLLERS
from backend.web.template_filters import register_filters
from backend.web_security.headers import security_headers_hook
from backend.web_security.input_guard import reject_unsafe_input
from backend.web_security.log_redaction import mask_access_log
from backend.web_security.rate_limits import rate_limit_guard

# Room for multipart framing around the largest allowed file.
MULTIPART_OVERHEAD = 64 * 1024


def provide_projects(db: Any) -> ProjectService:
    return ProjectService(db)


async def after_response(request: Request[Any, Any, Any]) -> None:
    """After the response went out: sign a checkpoint over what the request appended to the
    audit log, then nudge the outbox relay. Neither ever raises."""
    await tail.seal_after_response(request)
    await nudge.nudge_after_response(request)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    require_deployable(settings)
    nudge.install()
    mask_access_log()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        engine = make_engine(settings)
        app.state.engine = engine
        app.state.session_factory = make_session_factory(engine)
        app.state.redis = open_redis(settings)
        try:
            yield
        finally:
            await app.state.redis.aclose()
            await engine.dispose()

    return Litestar(
        route_handlers=[
            live,
            ready,
            AuthController,
            TokenController,
            MemberController,
            HomeController,
            RecordController,
            DocumentController,
            ProjectController,
            DecisionController,
            NoticeController,
            DevMailController,
            AuditController,
            WebhookController,
            AccountingController,
            ProcoreController,
            *WEB_CONTROLLERS,
            IntegrationPagesController,
            ProcorePagesController,
            ChasePagesController,
            create_static_files_router(
                path="/static", directories=[PROJECT_ROOT / "frontend" / "static"]
            ),
        ],
        dependencies={
            "db": Provide(provide_db),
            "settings": Provide(provide_settings, sync_to_thread=False),
            "store": Provide(provide_store, sync_to_thread=False),
            "auth": Provide(provide_auth, sync_to_thread=False),
            "records": Provide(provide_records, sync_to_thread=False),
            "projects": Provide(provide_projects, sync_to_thread=False),
            "actor": Provide(provide_actor),
        },
        state=State({"settings": settings, "store": make_store(settings)}),
        lifespan=[lifespan],
        after_response=after_response,
        template_config=TemplateConfig(
            directory=PROJECT_ROOT / "frontend" / "templates",
            engine=JinjaTemplateEngine,
            engine_callback=register_filters,
        ),
        openapi_config=OpenAPIConfig(title="COI network", version="0.1.0", path="/schema"),
        exception_handlers={
            DomainError: domain_error_handler,
            ValidationException: validation_error_handler,
            HTTPException: http_error_handler,
            DBAPIError: data_error_handler,
            OverflowError: overflow_error_handler,
            Exception: unexpected_error_handler,
        },
        guards=[rate_limit_guard(settings), reject_unsafe_input],
        before_send=[security_headers_hook(settings)],
        request_max_body_size=settings.max_upload_bytes + MULTIPART_OVERHEAD,
        response_cache_config=ResponseCacheConfig(),
        # Pages and scripts gzipped for slow connections; API bodies, documents and page images
        # (zip, PDF, PNG: compressed already) are sent as they are.
        compression_config=CompressionConfig(
            backend="gzip", gzip_compress_level=6, exclude=["/api/", "/documents/"]
        ),
        debug=False,
    )
