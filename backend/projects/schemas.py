from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

import msgspec

from backend.web_security.bounds import (
    MAX_LIST_ITEMS,
    DayCount,
    NameList,
    Text16,
    Text40,
    Text80,
    Text120,
    Text200,
    Text300,
)

NextCursor = Annotated[
    str | None,
    msgspec.Meta(
        description="Pass as `cursor` to read the next page; null on the last page.",
        examples=["WzEsIjIwMjctMDEtMDVUMTQ6MDA6MDArMDA6MDAiLCI3ZjJjLi4uIl0"],
    ),
]
ContractRef = Annotated[
    str,
    msgspec.Meta(
        description="The contract's label: the Procore commitment number when imported, "
        "else the trade.",
        examples=["SC-002"],
    ),
]


class ProjectInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    number: Annotated[Text40, msgspec.Meta(examples=["P-2027-014"])]
    name: Annotated[Text200, msgspec.Meta(examples=["Riverside Medical Office Building"])]
    state: Annotated[Text16, msgspec.Meta(examples=["OH"])]
    start_date: Annotated[date, msgspec.Meta(examples=["2027-03-01"])]
    end_date: Annotated[date, msgspec.Meta(examples=["2028-06-30"])]
    closeout_days: DayCount = 30
    certificate_holder: Text300
    additional_insureds: NameList = msgspec.field(default_factory=list)
    flowdown_required: bool = False


class TradeInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One trade of a new project and what it is held to: one of the GC's requirement sets,
    or the GC's copy of a tier template (made when it has none)."""

    trade: Annotated[Text80, msgspec.Meta(examples=["Electrical"])]
    requirement_set_id: Annotated[
        uuid.UUID | None, msgspec.Meta(examples=["5b1d7c2e-9f3a-4e8b-a1c6-0d2f4b6e8a13"])
    ] = None
    template: Annotated[
        str | None,
        msgspec.Meta(
            description="A tier template instead of a set: low, moderate or high.",
            examples=["moderate"],
        ),
    ] = None


class ProjectCreateInput(ProjectInput, forbid_unknown_fields=True, kw_only=True):
    """A project and, optionally, its trades (needed before subs are invited onto it)."""

    trades: Annotated[list[TradeInput], msgspec.Meta(max_length=MAX_LIST_ITEMS)] = msgspec.field(
        default_factory=list
    )


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


class ProjectTradeView(msgspec.Struct, kw_only=True):
    trade: Annotated[str, msgspec.Meta(examples=["Electrical"])]
    requirement_set_id: uuid.UUID
    requirement_set_name: Annotated[str, msgspec.Meta(examples=["Electrical subs (moderate)"])]


class ProjectDetail(ProjectView, kw_only=True):
    """A project with the trades a sub can be invited onto and what each is held to."""

    trades: list[ProjectTradeView] = msgspec.field(default_factory=list)


class SubInvitationInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Invite a sub onto a project for one of its trades, under a contract label (blank: the
    trade labels it). A sub already in the network accepts from its home page; a new one
    joins from the e-mailed link. A sub may hold several contracts on one project."""

    email: Annotated[Text300, msgspec.Meta(examples=["office@keystoneframing.example"])]
    trade: Annotated[Text80, msgspec.Meta(examples=["Electrical"])]
    contract: Annotated[Text80, msgspec.Meta(examples=["SC-014"])] = ""


class SubInvitationView(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    project_id: uuid.UUID
    email: str
    trade: str
    contract_ref: str | None
    invitee_org_id: Annotated[
        uuid.UUID | None,
        msgspec.Meta(description="The sub, when the address is already one of its people."),
    ]
    state: Annotated[
        str,
        msgspec.Meta(
            description=(
                "sent (not used yet), link_expired (send it again), accepted (the contract is "
                "an engagement), revoked, or sender_left (void: whoever sent it is no longer a "
                "member of your organisation, so the link is refused; send it again to vouch "
                "for it)"
            ),
            examples=["sent"],
        ),
    ]
    state_text: Annotated[
        str,
        msgspec.Meta(
            description="The state in the words of the project page, with why for a void link.",
            examples=["sent, not yet used"],
        ),
    ]
    expires_at: datetime


class SubInvitationPage(msgspec.Struct, kw_only=True):
    data: list[SubInvitationView]
    next_cursor: NextCursor = None


class EngagementRow(msgspec.Struct, kw_only=True):
    """One engagement: one contract (subcontract or purchase order) of a sub on a project."""

    id: uuid.UUID
    project_id: uuid.UUID
    project_number: Annotated[str, msgspec.Meta(examples=["P-2027-014"])]
    project_name: str
    sub_org_id: uuid.UUID
    sub_name: Annotated[str, msgspec.Meta(examples=["Keystone Electric LLC"])]
    trade: Annotated[str, msgspec.Meta(examples=["Electrical"])]
    contract_ref: ContractRef
    contract_label: Annotated[str, msgspec.Meta(examples=["SC-002 · Electrical"])]
    contract_kind: Annotated[
        str, msgspec.Meta(description="subcontract or purchase_order", examples=["subcontract"])
    ]
    contract_title: str
    procore_commitment_id: int | None
    contract_start: date | None
    contract_end: date | None
    status: Annotated[str, msgspec.Meta(examples=["compliant"])]
    expires_on: date | None
    days_to_expiry: int | None
    tier: int
    parent_engagement_id: uuid.UUID | None
    pay_hold: bool


# ---------------------------------------------------------------- paged lists (the API)


class ProjectPage(msgspec.Struct, kw_only=True):
    data: list[ProjectView]
    next_cursor: NextCursor = None


class EngagementPage(msgspec.Struct, kw_only=True):
    data: list[EngagementRow]
    next_cursor: NextCursor = None


class DecisionRow(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    engagement_id: uuid.UUID
    project_id: uuid.UUID
    sub_org_id: uuid.UUID
    contract_ref: ContractRef
    kind: Annotated[str, msgspec.Meta(examples=["pay_hold"])]
    check_code: str
    reason: Annotated[str, msgspec.Meta(examples=["Lien waiver missing"])]
    expires_on: date | None
    decided_by_id: uuid.UUID
    created_at: datetime
    details: dict[str, Any]


class DecisionPage(msgspec.Struct, kw_only=True):
    data: list[DecisionRow]
    next_cursor: NextCursor = None


class HoldRow(msgspec.Struct, kw_only=True):
    """An engagement (contract) under a pay hold, a work stop or both, with when and why."""

    engagement_id: uuid.UUID
    project_id: uuid.UUID
    project_number: str
    sub_org_id: uuid.UUID
    sub_name: str
    contract_ref: ContractRef
    contract_kind: Annotated[str, msgspec.Meta(examples=["subcontract"])]
    pay_hold: bool
    pay_hold_since: datetime | None
    pay_hold_reason: str
    work_stopped: bool
    work_stopped_since: datetime | None
    work_stop_reason: str


class HoldPage(msgspec.Struct, kw_only=True):
    data: list[HoldRow]
    next_cursor: NextCursor = None


class RequirementSetRow(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: Annotated[str, msgspec.Meta(examples=["Standard subcontractor"])]
    template: Annotated[str, msgspec.Meta(examples=["moderate"])]
    latest_version: int | None
    latest_version_id: uuid.UUID | None
    created_at: datetime


class RequirementSetVersionView(msgspec.Struct, kw_only=True):
    id: Annotated[
        uuid.UUID,
        msgspec.Meta(description="What an engagement's requirement_set_version_id names."),
    ]
    version: int
    body_sha256: str
    body: Annotated[
        dict[str, Any],
        msgspec.Meta(
            description="The requirements: lines with their limits, additional insured, "
            "waiver of subrogation, notice, insurer ratings (as the requirement editor saves).",
        ),
    ]


class RequirementSetDetail(msgspec.Struct, kw_only=True):
    """One requirement set and every version of it, newest first: an engagement stays held to
    the version it was judged on until the GC moves it."""

    id: uuid.UUID
    name: Annotated[str, msgspec.Meta(examples=["Standard subcontractor"])]
    template: Annotated[str, msgspec.Meta(examples=["moderate"])]
    versions: list[RequirementSetVersionView]


REQUIREMENTS_EXAMPLE: dict[str, Any] = {
    "format": "coinet.requirements/1",
    "lines": {
        "general_liability": {
            "limits": {"each_occurrence": 1000000, "general_aggregate": 2000000},
            "waiver_of_subrogation": True,
        },
        "workers_compensation": {"limits": {"el_each_accident": 1000000}},
    },
    "additional_insured": {"ongoing": True, "completed": True, "lines": ["general_liability"]},
    "primary_noncontributory": True,
    "notice_of_cancellation_days": 30,
}
Requirements = Annotated[
    dict[str, Any],
    msgspec.Meta(
        description="The requirements in the format the editor saves (FORMAT.md of "
        "backend/requirements: lines with their limits, additional insured, waiver of "
        "subrogation, notice, insurer ratings). The set's name, version and owner are the "
        "set's own, whatever the body says; a refused value is a 422 naming its JSON path.",
        examples=[REQUIREMENTS_EXAMPLE],
    ),
]


class RequirementSetCreateInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A new requirement set: either the GC's copy of a tier template (`template`; the copy it
    has already if it made one, as the project pages do) or a set written anew (`name` and
    `requirements`)."""

    template: Annotated[
        str | None,
        msgspec.Meta(
            description="A tier template: high, elevated, moderate, standard or lower.",
            examples=["moderate"],
        ),
    ] = None
    name: Annotated[Text120 | None, msgspec.Meta(examples=["Roofing subs 2027"])] = None
    requirements: Requirements | None = None


class RequirementSetVersionInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The next version of a set: engagements keep the version they were judged on; new
    ones take this one."""

    requirements: Requirements


class RequirementSetPage(msgspec.Struct, kw_only=True):
    data: list[RequirementSetRow]
    next_cursor: NextCursor = None


class DocumentRow(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    sub_org_id: uuid.UUID
    filename: Annotated[str, msgspec.Meta(examples=["acord25-2027.pdf"])]
    content_type: Annotated[str, msgspec.Meta(examples=["application/pdf"])]
    size_bytes: int
    sha256: str
    read_state: Annotated[str, msgspec.Meta(examples=["confirmed"])]
    created_at: datetime


class DocumentPage(msgspec.Struct, kw_only=True):
    data: list[DocumentRow]
    next_cursor: NextCursor = None


class WebhookDeliveryRow(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    endpoint_id: uuid.UUID
    message_id: str
    event_type: Annotated[str, msgspec.Meta(examples=["engagement.status_changed"])]
    state: Annotated[str, msgspec.Meta(examples=["delivered"])]
    attempts: int
    last_status_code: int | None
    last_response_ms: int | None
    delivered_at: datetime | None
    created_at: datetime


class WebhookDeliveryPage(msgspec.Struct, kw_only=True):
    data: list[WebhookDeliveryRow]
    next_cursor: NextCursor = None
