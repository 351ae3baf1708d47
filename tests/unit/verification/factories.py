"""A compliant four-line record, its engagement context and requirement set, and small helpers
to spoil one fact at a time."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from backend.requirements.model import RequirementSet
from backend.requirements.ratings import InsurerRating, RatingTable
from backend.requirements.templates import template
from backend.verification.checks import Check
from backend.verification.context import VerificationContext
from backend.verification.engine import verify
from backend.verification.record import (
    AI_COMPLETED,
    AI_ONGOING,
    NOTICE_OF_CANCELLATION,
    PER_PROJECT_AGGREGATE,
    PRIMARY_NONCONTRIBUTORY,
    STOP_GAP,
    WAIVER_OF_SUBROGATION,
    Endorsement,
    Evidence,
    Policy,
    RecordAsOf,
    Term,
)
from backend.verification.verdict import Verdict

ON = date(2026, 11, 23)
GC = "Meridian Construction Group LLC"
OWNER = "Harbor Point Owner LP"
LENDER = "First Lakes Bank, N.A."
GL, AUTO, UMB, WC = "general_liability", "auto_liability", "umbrella", "workers_compensation"

GL_LIMITS = {
    "each_occurrence": 2_000_000,
    "general_aggregate": 4_000_000,
    "products_completed_operations_aggregate": 4_000_000,
    "personal_advertising_injury": 2_000_000,
    "damage_to_rented_premises": 300_000,
    "medical_expense": 10_000,
}
AUTO_LIMITS = {
    "combined_single_limit": 1_000_000,
    "bodily_injury_per_person": 1_000_000,
    "bodily_injury_per_accident": 1_000_000,
    "property_damage": 1_000_000,
}
UMB_LIMITS = {"each_occurrence": 10_000_000, "aggregate": 10_000_000}
WC_LIMITS = {
    "el_each_accident": 1_000_000,
    "el_disease_each_employee": 1_000_000,
    "el_disease_policy_limit": 1_000_000,
}


def term(limits: dict[str, int], **values: Any) -> Term:
    fields: dict[str, Any] = {
        "effective": date(2026, 3, 1),
        "expiration": date(2027, 3, 1),
        "limits": dict(limits),
        "evidence": {
            f"limits.{kind}": Evidence(document="doc-1", page=1, pointer=f"/limits/{kind}")
            for kind in limits
        },
    }
    fields.update(values)
    return Term(**fields)


def compliant_record() -> RecordAsOf:
    policies = (
        Policy(
            GL,
            (term(GL_LIMITS, policy_number="GL-1", basis="occurrence"),),
            insurer_name="Great Lakes Casualty Company",
            insurer_naic="24112",
        ),
        Policy(
            AUTO,
            (term(AUTO_LIMITS, policy_number="BA-1", covered_autos=("any_auto",)),),
            insurer_name="Great Lakes Casualty Company",
            insurer_naic="24112",
        ),
        Policy(
            UMB,
            (
                term(
                    UMB_LIMITS,
                    policy_number="UMB-1",
                    basis="occurrence",
                    follows_form=True,
                    follows_form_over=(GL, AUTO, "employers_liability"),
                ),
            ),
            insurer_name="Continental Excess Insurance Co",
            insurer_naic="35289",
        ),
        Policy(
            WC,
            (
                term(
                    WC_LIMITS,
                    policy_number="WC-1",
                    statutory=True,
                    wc_states=("OH", "PA"),
                    officers_excluded=False,
                ),
            ),
            insurer_name="Buckeye Workers Mutual",
            insurer_naic="10677",
        ),
    )
    parties = (GC, OWNER, LENDER)
    endorsements = (
        Endorsement(
            AI_ONGOING,
            (GL, UMB),
            form_number="CG 20 10",
            edition="04 13",
            blanket=False,
            named_parties=parties,
        ),
        Endorsement(
            AI_COMPLETED,
            (GL, UMB),
            form_number="CG 20 37",
            edition="04 13",
            blanket=False,
            named_parties=parties,
        ),
        Endorsement(PRIMARY_NONCONTRIBUTORY, (GL,), form_number="CG 20 01"),
        Endorsement(WAIVER_OF_SUBROGATION, (GL,), form_number="CG 24 04"),
        Endorsement(WAIVER_OF_SUBROGATION, (AUTO,), form_number="CA 04 44"),
        Endorsement(WAIVER_OF_SUBROGATION, (WC,), form_number="WC 00 03 13"),
        Endorsement(PER_PROJECT_AGGREGATE, (GL,), form_number="CG 25 03"),
        Endorsement(NOTICE_OF_CANCELLATION, (GL, AUTO, UMB, WC), notice_days=30),
        # Ohio, the project's state, is monopolistic: employer's liability by stop-gap on GL.
        Endorsement(STOP_GAP, (GL,)),
    )
    return RecordAsOf(
        as_of=ON,
        policies=policies,
        endorsements=endorsements,
        insured_name="Apex Mechanical LLC",
        certificate_holder_name=GC,
        description_of_operations="Re: Harbor Point Tower, HVAC work.",
    )


RATINGS = RatingTable.of(
    [
        InsurerRating("24112", "Great Lakes Casualty Company", "A", "IX"),
        InsurerRating("35289", "Continental Excess Insurance Co", "A+", "XV"),
        InsurerRating("10677", "Buckeye Workers Mutual", "A-", "VIII"),
    ]
)


def context(**changes: Any) -> VerificationContext:
    values: dict[str, Any] = {
        "project_start": date(2026, 2, 1),
        "project_end": date(2027, 1, 31),
        "closeout_days": 28,
        "certificate_holder": GC,
        "additional_insured_parties": (GC, OWNER, LENDER),
        "state": "OH",
        "work_start": date(2026, 4, 1),
        "insurer_ratings": RATINGS,
    }
    values.update(changes)
    return VerificationContext(**values)


def requirements(**changes: Any) -> RequirementSet:
    """The high-tier template, with each line's minimums met by that line alone (combined
    limits off), so that spoiling one limit fails its own check; tests of combined limits
    switch it on."""
    values: dict[str, Any] = {"combined_limits": False}
    values.update(changes)
    return dataclasses.replace(template("high"), **values)


def run(
    record: RecordAsOf | None = None,
    requirement_set: RequirementSet | None = None,
    ctx: VerificationContext | None = None,
    on: date = ON,
) -> Verdict:
    return verify(
        requirement_set or requirements(),
        compliant_record() if record is None else record,
        ctx or context(),
        on,
    )


def find(verdict: Verdict, code: str, line: str | None = None) -> Check:
    matches = [c for c in verdict.checks if c.code == code and (line is None or c.line == line)]
    assert matches, f"{code} ({line}) not evaluated; got {[c.code for c in verdict.checks]}"
    return matches[0]


def replace_term(record: RecordAsOf, line: str, **changes: Any) -> RecordAsOf:
    policies = tuple(
        dataclasses.replace(
            policy,
            terms=(*policy.terms[:-1], dataclasses.replace(policy.terms[-1], **changes)),
        )
        if policy.line == line
        else policy
        for policy in record.policies
    )
    return dataclasses.replace(record, policies=policies)


def add_term(record: RecordAsOf, line: str, new_term: Term) -> RecordAsOf:
    policies = tuple(
        dataclasses.replace(policy, terms=(new_term, *policy.terms))
        if policy.line == line
        else policy
        for policy in record.policies
    )
    return dataclasses.replace(record, policies=policies)


def replace_policy(record: RecordAsOf, line: str, **changes: Any) -> RecordAsOf:
    policies = tuple(
        dataclasses.replace(policy, **changes) if policy.line == line else policy
        for policy in record.policies
    )
    return dataclasses.replace(record, policies=policies)


def drop_line(record: RecordAsOf, line: str) -> RecordAsOf:
    return dataclasses.replace(
        record, policies=tuple(policy for policy in record.policies if policy.line != line)
    )


def drop_endorsements(record: RecordAsOf, kind: str, line: str | None = None) -> RecordAsOf:
    kept = tuple(
        e for e in record.endorsements if not (e.kind == kind and (line is None or line in e.lines))
    )
    return dataclasses.replace(record, endorsements=kept)


def replace_endorsements(record: RecordAsOf, kind: str, **changes: Any) -> RecordAsOf:
    endorsements = tuple(
        dataclasses.replace(e, **changes) if e.kind == kind else e for e in record.endorsements
    )
    return dataclasses.replace(record, endorsements=endorsements)
