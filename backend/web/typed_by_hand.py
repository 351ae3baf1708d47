"""Which values of a sub's record a person typed at review instead of taking them as read, so a
GC can tell "read from the certificate" from "typed by hand" beside every check that uses one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final

from backend.network.actor import Actor
from backend.records.service import RecordService

HOLDER_POINTER: Final = "/certificate_holder/name"
HOLDER_FIELD: Final = "certificate_holder"
# The record fields a check judges, by the end of its code (the code starts with the line's
# prefix: GL_, AUTO_, UMB_, WC_ ...). Limit checks end in _MIN and judge limits.<kind>.
FIELDS_OF_CHECK: Final[dict[str, tuple[str, ...]]] = {
    "POLICY_NUMBER": ("policy_number",),
    "IN_FORCE": ("effective", "expiration"),
    "EFFECTIVE_BY_WORK_START": ("effective",),
    "NO_GAP": ("effective", "expiration"),
    "THROUGH_CLOSEOUT": ("expiration",),
    "EXPIRY_WINDOW": ("expiration",),
    "INSURER_NAIC": ("insurer_naic",),
    "INSURER_RATING": ("insurer_name", "insurer_naic"),
    "INSURER_SURPLUS_LINES": ("insurer_name", "insurer_naic"),
    "OCCURRENCE_BASIS": ("basis",),
    "WAIVER_OF_SUBROGATION": ("subrogation_waived",),
    "STATUTORY": ("wc_statutory",),
    "STATES": ("wc_states",),
    "FOLLOWS_FORM": ("follows_form",),
    "AGGREGATE_PER_PROJECT": ("aggregate_applies_per",),
}


# Endorsement checks by the start or end of their code, and the endorsement kind each judges.
ENDORSEMENT_KIND_OF_CHECK: Final[tuple[tuple[str, str], ...]] = (
    ("AI_ONGOING", "additional_insured_ongoing"),
    ("AI_COMPLETED", "additional_insured_completed"),
    ("PRIMARY_NONCONTRIBUTORY", "primary_noncontributory"),
    ("NOTICE_OF_CANCELLATION", "notice_of_cancellation"),
    ("WAIVER_OF_SUBROGATION", "waiver_of_subrogation"),
    ("PER_PROJECT_AGGREGATE", "per_project_aggregate"),
)


@dataclass(frozen=True)
class TypedValue:
    line: str  # "" for the certificate holder and for endorsements
    field: str
    read: str | None  # what the reader had read; None: nothing
    typed: str | None = None  # what the person typed, where the record keeps it elsewhere
    endorsement: str = ""  # the endorsement's form ("CG 20 10 04 13"), for its fields
    endorsement_kind: str = ""

    @property
    def label(self) -> str:
        if self.endorsement:
            return f"endorsement {self.endorsement}: {self.field.replace('_', ' ')}"
        where = self.line.replace("_", " ") + ": " if self.line else ""
        return where + self.field.replace("limits.", "").replace("_", " ")


async def typed_values(
    records: RecordService, actor: Actor, sub_org_id: uuid.UUID
) -> list[TypedValue]:
    """The typed values of the record as it stands, and every certificate holder a person
    corrected. The caller has already checked that the actor may see this sub's record."""
    found: list[TypedValue] = []
    terms, endorsements, reads = await records.typed_by_hand_sources(actor, sub_org_id)
    for policy, term in terms:
        for field, read in sorted((term.entered_by_hand or {}).items()):
            found.append(TypedValue(policy.line, str(field), read if read else None))
    for endorsement in endorsements:
        form = f"{endorsement.form_number} {endorsement.edition}".strip() or endorsement.kind
        for field, read in sorted((endorsement.entered_by_hand or {}).items()):
            found.append(
                TypedValue(
                    "",
                    str(field),
                    str(read) if read else None,
                    endorsement=form,
                    endorsement_kind=endorsement.kind,
                )
            )
    for result in reads:
        corrections = result.get("corrections") if isinstance(result, dict) else None
        holder = corrections.get(HOLDER_POINTER) if isinstance(corrections, dict) else None
        if isinstance(holder, dict):
            read = holder.get("read")
            confirmed = holder.get("confirmed")
            found.append(
                TypedValue(
                    "", HOLDER_FIELD, str(read) if read else None, str(confirmed or "") or None
                )
            )
    return found


def fields_of_check(code: str) -> tuple[str, ...]:
    if code == "CERTIFICATE_HOLDER_NAME":
        return (HOLDER_FIELD,)
    _, _, rest = code.partition("_")
    if rest.endswith("_MIN"):
        return ("limits." + rest[: -len("_MIN")].lower(),)
    return FIELDS_OF_CHECK.get(rest, ())


def endorsement_kind_of_check(code: str) -> str:
    for marker, kind in ENDORSEMENT_KIND_OF_CHECK:
        if code.startswith(marker) or code.endswith(marker):
            return kind
    return ""


def typed_in_check(check: dict[str, Any], typed: list[TypedValue]) -> list[TypedValue]:
    """The typed values a check's outcome rests on."""
    code = str(check.get("code", ""))
    fields = fields_of_check(code)
    line = str(check.get("line") or "")
    if fields == (HOLDER_FIELD,):
        # Each GC's certificate names its own holder: only the one this check judged counts.
        found = check.get("found")
        return [t for t in typed if t.field == HOLDER_FIELD and t.typed == found]
    on_file = endorsement_kind_of_check(code)
    return [
        t
        for t in typed
        if (t.field in fields and t.line == line and not t.endorsement)
        or (on_file and t.endorsement_kind == on_file)
    ]


def typed_for_engagement(typed: list[TypedValue], checks: list[dict[str, Any]]) -> list[TypedValue]:
    """What one GC is shown of the record's typed values: every typed policy or endorsement
    value, but of the holders typed at review only the one its own holder check judged (a
    holder typed for another GC would name that GC)."""
    judged = {
        c.get("found") for c in checks if fields_of_check(str(c.get("code", ""))) == (HOLDER_FIELD,)
    }
    return [t for t in typed if t.field != HOLDER_FIELD or t.typed in judged]
