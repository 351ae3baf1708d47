"""One engagement whose verdict a verification stored: the value notices and webhook events
are made from. It lives with its readers (notices, webhooks) so that they need nothing of
`backend.projects`, which writes it (`projects/verify_service.py`): projects import notify,
never the other way round (import contract acyclic-backend)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class VerdictChange:
    """One engagement whose verdict this call stored: what notices are made from."""

    engagement_id: uuid.UUID
    verdict_id: uuid.UUID
    project_id: uuid.UUID
    project_number: str
    project_name: str
    gc_org_id: uuid.UUID
    gc_name: str
    sub_org_id: uuid.UUID
    sub_name: str
    parent_engagement_id: uuid.UUID | None
    previous_status: str
    status: str
    expires_on: date | None
    open_checks: tuple[str, ...]
    pay_hold_released: bool
    flowdown_required: bool
    # The engagement's contract label (its trade, or "<contract> · <trade>"): a sub may hold
    # several contracts on one project, so a notice names which one changed.
    contract: str = ""

    @property
    def status_changed(self) -> bool:
        return self.previous_status != self.status
