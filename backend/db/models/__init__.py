"""Every ORM table, imported here so that `Base.metadata` is complete for Alembic."""

import importlib
import pkgutil

from backend.db.base import Base

# Import every table module (audit tables included) so the metadata is complete
# without this file having to be edited by each domain that adds a table.
for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_") and _module.name != "vocab":
        importlib.import_module(f"{__name__}.{_module.name}")

from backend.db.models.access_event import AccessEvent  # noqa: E402
from backend.db.models.api_token import ApiToken  # noqa: E402
from backend.db.models.decision import Decision  # noqa: E402
from backend.db.models.document import Document  # noqa: E402
from backend.db.models.endorsement import Endorsement  # noqa: E402
from backend.db.models.engagement import Engagement  # noqa: E402
from backend.db.models.engagement_message import EngagementMessage  # noqa: E402
from backend.db.models.fan_out_failure import FanOutFailure  # noqa: E402
from backend.db.models.insurer_rating import InsurerRating  # noqa: E402
from backend.db.models.invitation import Invitation  # noqa: E402
from backend.db.models.membership import Membership  # noqa: E402
from backend.db.models.notice import Notice  # noqa: E402
from backend.db.models.organisation import Organisation  # noqa: E402
from backend.db.models.outbox_event import OutboxEvent  # noqa: E402
from backend.db.models.password_reset import PasswordReset  # noqa: E402
from backend.db.models.person import Person  # noqa: E402
from backend.db.models.policy import Policy  # noqa: E402
from backend.db.models.policy_term import PolicyTerm  # noqa: E402
from backend.db.models.procore_connection import ProcoreConnection  # noqa: E402
from backend.db.models.procore_insurance_sync import ProcoreInsuranceSync  # noqa: E402
from backend.db.models.procore_project_link import ProcoreProjectLink  # noqa: E402
from backend.db.models.procore_vendor_link import ProcoreVendorLink  # noqa: E402
from backend.db.models.project import Project  # noqa: E402
from backend.db.models.project_trade import ProjectTrade  # noqa: E402
from backend.db.models.record_revision import RecordRevision  # noqa: E402
from backend.db.models.requirement_set import RequirementSet  # noqa: E402
from backend.db.models.requirement_set_version import RequirementSetVersion  # noqa: E402
from backend.db.models.sign_in_throttle import SignInThrottle  # noqa: E402
from backend.db.models.verdict import Verdict, VerdictChecks  # noqa: E402
from backend.db.models.web_session import WebSession  # noqa: E402
from backend.db.models.webhook_attempt import WebhookAttempt  # noqa: E402
from backend.db.models.webhook_delivery import WebhookDelivery  # noqa: E402
from backend.db.models.webhook_endpoint import WebhookEndpoint  # noqa: E402

__all__ = [
    "AccessEvent",
    "ApiToken",
    "Base",
    "Decision",
    "Document",
    "Endorsement",
    "Engagement",
    "EngagementMessage",
    "FanOutFailure",
    "InsurerRating",
    "Invitation",
    "Membership",
    "Notice",
    "Organisation",
    "OutboxEvent",
    "PasswordReset",
    "Person",
    "Policy",
    "PolicyTerm",
    "ProcoreConnection",
    "ProcoreInsuranceSync",
    "ProcoreProjectLink",
    "ProcoreVendorLink",
    "Project",
    "ProjectTrade",
    "RecordRevision",
    "RequirementSet",
    "RequirementSetVersion",
    "SignInThrottle",
    "Verdict",
    "VerdictChecks",
    "WebSession",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
