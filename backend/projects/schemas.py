from __future__ import annotations

import uuid
from datetime import date

import msgspec


class ProjectInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    number: str
    name: str
    state: str
    start_date: date
    end_date: date
    closeout_days: int = 30
    certificate_holder: str
    additional_insureds: list[str] = msgspec.field(default_factory=list)
    flowdown_required: bool = False


class ProjectView(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    number: str
    name: str
    state: str
    start_date: date
    end_date: date
    closeout_days: int
    certificate_holder: str
    additional_insureds: list[str]
    flowdown_required: bool


class EngagementRow(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    project_id: uuid.UUID
    project_number: str
    project_name: str
    sub_org_id: uuid.UUID
    sub_name: str
    trade: str
    status: str
    expires_on: date | None
    days_to_expiry: int | None
    tier: int
    parent_engagement_id: uuid.UUID | None
    pay_hold: bool
