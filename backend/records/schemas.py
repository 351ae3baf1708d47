"""What callers send to change a master record and what they get back. msgspec validates
types and refuses unknown fields before any rule runs."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import msgspec

from backend.web_security.bounds import (
    CodeList,
    LongText,
    NameList,
    Text10,
    Text16,
    Text32,
    Text40,
    Text80,
    Text300,
)


class TermInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    line: Text32
    insurer_name: Text300
    insurer_naic: Text10 = ""
    policy_number: Text80
    effective: date
    expiration: date
    basis: Text16 = "occurrence"
    retro_date: date | None = None
    aggregate_applies_per: Text16 = "policy"
    # The amount's bound is checked by the record's rules, whose message names the limit.
    limits: dict[Text80, int] = msgspec.field(default_factory=dict)
    covered_autos: CodeList = msgspec.field(default_factory=list)
    follows_form: bool = False
    wc_states: CodeList = msgspec.field(default_factory=list)
    wc_statutory: bool = False
    additional_insured: bool = False
    subrogation_waived: bool = False
    cancelled_on: date | None = None
    replaces_term_id: uuid.UUID | None = None
    source_document_id: uuid.UUID | None = None
    # Fields typed or corrected by a person at review -> what the reader had read (None: nothing).
    entered_by_hand: dict[str, str | None] = msgspec.field(default_factory=dict)


class EndorsementInput(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    form_number: Text40
    edition: Text10 = ""
    kind: Text40
    blanket: bool = False
    named_parties: NameList = msgspec.field(default_factory=list)
    # Days of notice of cancellation the form states (IL 70 21, CG 02 24, state forms).
    notice_days: int | None = None
    effective: date | None = None
    expiration: date | None = None
    policy_id: uuid.UUID | None = None
    replaces_endorsement_id: uuid.UUID | None = None
    source_document_id: uuid.UUID | None = None
    entered_by_hand: dict[str, str | None] = msgspec.field(default_factory=dict)


class RecordChange(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    kind: Text32
    summary: LongText = ""
    terms: list[TermInput] = msgspec.field(default_factory=list)
    endorsements: list[EndorsementInput] = msgspec.field(default_factory=list)
    source_document_id: uuid.UUID | None = None


class TermView(msgspec.Struct, kw_only=True):
    policy_id: uuid.UUID
    term_id: uuid.UUID
    line: str
    insurer_name: str
    insurer_naic: str
    policy_number: str
    effective: date
    expiration: date
    cancelled_on: date | None
    basis: str
    limits: dict[str, int]
    covered_autos: list[str]
    wc_states: list[str]
    additional_insured: bool
    subrogation_waived: bool
    entered_by_hand: dict[str, str | None] = msgspec.field(default_factory=dict)


class EndorsementView(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    form_number: str
    edition: str
    kind: str
    blanket: bool
    named_parties: list[str]
    effective: date | None
    expiration: date | None
    notice_days: int | None = None


class DocumentView(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    sha256: str
    filename: str
    size_bytes: int
    content_type: str
    read_state: str
    created_at: datetime
    duplicate: bool = False


class RevisionView(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    number: int
    kind: str
    summary: str
    created_at: datetime


class MasterRecordView(msgspec.Struct, kw_only=True):
    sub_org_id: uuid.UUID
    legal_name: str
    terms: list[TermView]
    endorsements: list[EndorsementView]
    revisions: list[RevisionView]
