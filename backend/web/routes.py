"""Every page controller of backend/web, registered by create_app in one line. The integration
pages (`backend/integrations`) build on backend/web and are registered by create_app beside
these: the web package imports no integration (import contract acyclic-backend)."""

from __future__ import annotations

from typing import Any

from backend.web.bulk_invite import BulkInviteController
from backend.web.engagement_pages import EngagementPagesController
from backend.web.evidence_pages import EvidencePagesController
from backend.web.gc_pages import GcPagesController
from backend.web.inbox import InboxController
from backend.web.members_pages import MembersPagesController
from backend.web.network_search import NetworkSearchController
from backend.web.project_report import ProjectReportController
from backend.web.review_pages import ReviewPreviewController
from backend.web.settings_pages import CompanySettingsController, SettingsPagesController
from backend.web.signup_pages import SignupPagesController
from backend.web.sub_engagement import SubEngagementController
from backend.web.sub_pages import NoticesPageController, SubPagesController
from backend.web.verify_page import VerifyPageController

WEB_CONTROLLERS: list[Any] = [
    GcPagesController,
    EngagementPagesController,
    InboxController,
    BulkInviteController,
    EvidencePagesController,
    ProjectReportController,
    NetworkSearchController,
    SettingsPagesController,
    CompanySettingsController,
    SubPagesController,
    ReviewPreviewController,
    SubEngagementController,
    NoticesPageController,
    VerifyPageController,
    SignupPagesController,
    MembersPagesController,
]
