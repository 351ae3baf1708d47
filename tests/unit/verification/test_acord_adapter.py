"""The ACORD 25 JSON adapter and the certificate rule: a certificate claims, it does not prove."""

from __future__ import annotations

from datetime import date

import pytest

from backend.verification.acord_adapter import AcordRecordError, record_from_acord_json
from backend.verification.checks import PASS, UNKNOWN
from backend.verification.engine import verify
from backend.verification.record import (
    AI_COMPLETED,
    AI_ONGOING,
    NOTICE_OF_CANCELLATION,
    PER_PROJECT_AGGREGATE,
    PRIMARY_NONCONTRIBUTORY,
    SOURCE_CERTIFICATE,
    WAIVER_OF_SUBROGATION,
)
from backend.verification.verdict import COMPLIANT, INCOMPLETE, NON_COMPLIANT
from tests.unit.verification import factories as f
from tests.unit.verification.acord_sample import acord_json

GL, UMB = "general_liability", "umbrella"


def test_policies_limits_and_insurers_are_read() -> None:
    record = record_from_acord_json(acord_json(), document_id="sha-1")
    assert record.as_of == date(2026, 11, 20)
    assert sorted(record.terms_by_line) == ["auto_liability", GL, UMB, "workers_compensation"]
    policy, term = record.terms_by_line[GL][0]
    assert policy.insurer_naic == "24112"
    assert term.limits["each_occurrence"] == 2_000_000
    assert term.policy_number == "GL-4410022"
    evidence = term.evidence["limits.each_occurrence"]
    assert evidence.pointer == "/coverages/0/limits/each_occurrence"
    assert (evidence.page, evidence.bbox, evidence.document) == (
        1,
        (420.5, 310.0, 470.0, 318.5),
        "sha-1",
    )
    umbrella_term = record.terms_by_line[UMB][0][1]
    assert umbrella_term.follows_form is True
    assert record.terms_by_line["workers_compensation"][0][1].statutory is True
    assert record.certificate_holder_name == "Meridian Construction Group LLC"


def test_every_endorsement_from_a_certificate_is_a_claim() -> None:
    record = record_from_acord_json(acord_json())
    assert record.endorsements
    assert {e.source for e in record.endorsements} == {SOURCE_CERTIFICATE}
    kinds = {(e.kind, line) for e in record.endorsements for line in e.lines}
    assert (AI_ONGOING, GL) in kinds and (AI_ONGOING, UMB) in kinds
    assert (AI_COMPLETED, GL) in kinds
    assert (WAIVER_OF_SUBROGATION, "workers_compensation") in kinds
    assert (WAIVER_OF_SUBROGATION, UMB) not in kinds
    assert (PER_PROJECT_AGGREGATE, GL) in kinds
    assert (PRIMARY_NONCONTRIBUTORY, GL) in kinds
    notice = [e for e in record.endorsements if e.kind == NOTICE_OF_CANCELLATION]
    assert notice[0].notice_days == 30
    forms = {(e.form_number, e.edition) for e in record.endorsements if e.form_number}
    assert forms == {("CG 20 10", "04 13"), ("CG 20 37", "04 13")}


def test_completed_operations_are_claimed_only_when_the_certificate_says_so() -> None:
    record = record_from_acord_json(acord_json(description_of_operations="Job 12."))
    assert not any(e.kind == AI_COMPLETED for e in record.endorsements)
    assert any(e.kind == AI_ONGOING for e in record.endorsements)


def test_a_certificate_alone_is_incomplete_not_compliant() -> None:
    record = record_from_acord_json(acord_json())
    verdict = verify(f.requirements(), record, f.context(), f.ON)
    assert verdict.status == INCOMPLETE
    ai = f.find(verdict, "AI_ONGOING", GL)
    assert ai.outcome == UNKNOWN
    assert "not on file" in ai.message
    assert ai.evidence is not None and ai.evidence.pointer == "/coverages/0/additional_insured"
    assert f.find(verdict, "GL_EACH_OCCURRENCE_MIN", GL).outcome == PASS


def test_a_gc_accepting_certificates_gets_a_verdict_from_the_claims() -> None:
    record = record_from_acord_json(acord_json())
    accepting = f.requirements(endorsements_on_file=False)
    ctx = f.context(state=None)  # the certificate does not list WC states
    verdict = verify(accepting, record, ctx, f.ON)
    assert verdict.status == COMPLIANT, [c.message for c in verdict.checks if not c.passed]
    parties = f.find(verdict, "AI_ONGOING_PARTIES", GL)
    assert parties.outcome == PASS  # each party named in the description


def test_conditional_wording_is_a_red_flag_without_the_endorsement() -> None:
    text = "Holder is additional insured per written contract."
    record = record_from_acord_json(acord_json(description_of_operations=text))
    verdict = verify(f.requirements(endorsements_on_file=False), record, f.context(), f.ON)
    flag = f.find(verdict, "RED_FLAG_CONDITIONAL_WORDING")
    assert flag.outcome == "fail" and flag.found == "per written contract"
    assert flag.evidence is not None and flag.evidence.pointer == "/description_of_operations"
    assert verdict.status == NON_COMPLIANT


def test_unreadable_dates_leave_the_line_unknown_not_absent() -> None:
    document = acord_json()
    document["coverages"][1]["effective"] = "03/01/26"
    record = record_from_acord_json(document)
    verdict = verify(f.requirements(), record, f.context(), f.ON)
    assert f.find(verdict, "AUTO_PRESENT").outcome == UNKNOWN


def test_a_blank_policy_number_is_flagged() -> None:
    document = acord_json()
    document["coverages"][0]["policy_number"] = None
    verdict = verify(f.requirements(), record_from_acord_json(document), f.context(), f.ON)
    check = f.find(verdict, "GL_POLICY_NUMBER", GL)
    assert check.outcome == "fail" and check.message.startswith(
        "General liability has a blank policy number."
    )


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "must be an object"),
        ({"error": {"code": "unreadable", "message": "not a PDF"}}, "not a PDF"),
        ({"form": "ACORD 25"}, "coverages"),
    ],
)
def test_unusable_json_is_refused_with_a_reason(document: object, message: str) -> None:
    with pytest.raises(AcordRecordError, match=message):
        record_from_acord_json(document)
