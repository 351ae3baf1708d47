"""Who is acting: the person, the organisation they act for and their role there."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    person_id: uuid.UUID
    organisation_id: uuid.UUID
    organisation_kind: str
    role: str
    email: str = ""
    full_name: str = ""
    # Set for a broker session opened from an invitation: its access ends with it.
    invitation_id: uuid.UUID | None = None
    csrf_token: str = ""
    # Set when acting through an API token: that token's scope ("read" or "write").
    token_scope: str | None = None
    # ... and that token's id.
    token_id: uuid.UUID | None = None

    @property
    def is_sub(self) -> bool:
        return self.organisation_kind == "subcontractor"

    @property
    def is_gc(self) -> bool:
        return self.organisation_kind == "general_contractor"

    @property
    def is_broker(self) -> bool:
        return self.organisation_kind == "broker"
