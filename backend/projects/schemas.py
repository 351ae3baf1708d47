from __future__ import annotations

import uuid
from datetime import date

import msgspec

from backend.web_security.bounds import DayCount, NameList, Text16, Text40, Text200, Text300


class ProjectInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    number: Text40
    name: Text200
    state: Text16
    start_date: date
    end_date: date
    closeout_days: DayCount = 30
    certificate_holder: Text300
    additional_insureds: NameList = msgspec.field(default_factory=list)
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
    contract_ref: str
    contract_label: str
    contract_kind: str
    contract_title: str
    procore_commitment_id: int | None
    contract_start: date | None
    contract_end: date | None
    status: str
    expires_on: date | None
    days_to_expiry: int | None
    tier: int
    parent_engagement_id: uuid.UUID | None
    pay_hold: bool
