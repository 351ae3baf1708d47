"""Verdict status, waivers over time, and the rules of approve / reject / waive."""

from __future__ import annotations

from datetime import date

import pytest

from backend.verification.checks import PASS, UNKNOWN, WAIVED, Waiver
from backend.verification.decisions import (
    DecisionError,
    RejectionReason,
    approve,
    reasons_from_verdict,
    reject,
    waive,
)
from backend.verification.engine import verify
from backend.verification.record import PRIMARY_NONCONTRIBUTORY, SOURCE_CERTIFICATE
from backend.verification.verdict import COMPLIANT, EXPIRING, INCOMPLETE, NON_COMPLIANT, rewaive
from tests.unit.verification import factories as f
from tests.unit.verification.factories import GL, ON


def _short_gl() -> f.RecordAsOf:
    return f.replace_term(
        f.compliant_record(), GL, limits={**f.GL_LIMITS, "each_occurrence": 1_000_000}
    )


def test_coverage_ending_within_the_window_is_expiring() -> None:
    record = f.replace_term(f.compliant_record(), GL, expiration=date(2026, 12, 10))
    verdict = f.run(record, ctx=f.context(project_end=None))
    assert verdict.status == EXPIRING
    assert f.find(verdict, "GL_EXPIRY_WINDOW", GL).outcome == "fail"


def test_the_gc_window_decides_what_is_expiring() -> None:
    record = f.replace_term(f.compliant_record(), GL, expiration=date(2026, 12, 10))
    assert (
        f.run(record, ctx=f.context(project_end=None, expiring_window_days=7)).status == COMPLIANT
    )


def test_a_renewal_on_the_record_is_not_expiring() -> None:
    record = f.replace_term(f.compliant_record(), GL, expiration=date(2026, 12, 10))
    renewal = f.term(f.GL_LIMITS, effective=date(2026, 12, 10), expiration=date(2027, 12, 10))
    renewed = f.add_term(record, GL, renewal)
    assert f.run(renewed, ctx=f.context(project_end=None)).status == COMPLIANT


def test_a_claimed_only_endorsement_makes_the_verdict_incomplete() -> None:
    record = f.replace_endorsements(
        f.compliant_record(), PRIMARY_NONCONTRIBUTORY, source=SOURCE_CERTIFICATE
    )
    verdict = f.run(record)
    assert verdict.status == INCOMPLETE
    assert f.find(verdict, "PRIMARY_NONCONTRIBUTORY").outcome == UNKNOWN
    accepting = f.requirements(endorsements_on_file=False)
    assert f.run(record, accepting).status == COMPLIANT


def test_a_waiver_stops_a_failure_blocking_until_it_expires() -> None:
    record = _short_gl()
    failing = f.run(record)
    assert failing.status == NON_COMPLIANT
    check = f.find(failing, "GL_EACH_OCCURRENCE_MIN", GL)
    waiver = waive(
        check, reason="Owner accepted $1M", expires_on=date(2027, 1, 31), by="ana", on=ON
    )
    waived = verify(f.requirements(), record, f.context(), ON, waivers=[waiver])
    shown = f.find(waived, "GL_EACH_OCCURRENCE_MIN", GL)
    assert shown.outcome == WAIVED and shown.waiver == waiver
    assert "Owner accepted $1M" in shown.message and "2027-01-31" in shown.message
    assert waived.status == COMPLIANT
    assert waived.to_json()["checks"][[c.code for c in waived.checks].index(shown.code)][
        "waiver"
    ] == {"reason": "Owner accepted $1M", "expires_on": "2027-01-31", "by": "ana"}
    later = verify(f.requirements(), record, f.context(), date(2027, 2, 1), waivers=[waiver])
    assert f.find(later, "GL_EACH_OCCURRENCE_MIN", GL).outcome == "fail"


def test_a_waiver_about_to_expire_makes_the_verdict_expiring() -> None:
    record = _short_gl()
    check = f.find(f.run(record), "GL_EACH_OCCURRENCE_MIN", GL)
    waiver = waive(check, reason="Until renewal", expires_on=date(2026, 12, 1), by="ana", on=ON)
    assert verify(f.requirements(), record, f.context(), ON, waivers=[waiver]).status == EXPIRING


def test_a_waiver_for_another_line_or_code_changes_nothing() -> None:
    record = _short_gl()
    other = Waiver("GL_EACH_OCCURRENCE_MIN", "umbrella", "wrong line", date(2027, 1, 1), "ana")
    assert verify(f.requirements(), record, f.context(), ON, waivers=[other]).status == (
        NON_COMPLIANT
    )


def test_non_waivable_checks_ignore_waivers_and_refuse_to_be_waived() -> None:
    record = f.replace_term(f.compliant_record(), GL, expiration=date(2026, 11, 1))
    verdict = f.run(record)
    check = f.find(verdict, "GL_IN_FORCE", GL)
    with pytest.raises(DecisionError, match="cannot be waived"):
        waive(check, reason="x", expires_on=date(2027, 1, 1), by="ana", on=ON)
    forged = Waiver("GL_IN_FORCE", GL, "forged", date(2027, 1, 1), "ana")
    assert f.find(rewaive(verdict, [forged]), "GL_IN_FORCE", GL).outcome == "fail"


def test_waive_refuses_passed_checks_blank_reasons_and_past_expiry() -> None:
    verdict = f.run(_short_gl())
    passed = f.find(verdict, "GL_PRESENT", GL)
    assert passed.outcome == PASS
    with pytest.raises(DecisionError, match="nothing to waive"):
        waive(passed, reason="x", expires_on=date(2027, 1, 1), by="ana", on=ON)
    failed = f.find(verdict, "GL_EACH_OCCURRENCE_MIN", GL)
    with pytest.raises(DecisionError, match="reason"):
        waive(failed, reason="  ", expires_on=date(2027, 1, 1), by="ana", on=ON)
    with pytest.raises(DecisionError, match="expire"):
        waive(failed, reason="ok", expires_on=date(2026, 1, 1), by="ana", on=ON)


def test_approve_needs_every_blocking_check_passed_or_waived() -> None:
    record = _short_gl()
    verdict = f.run(record)
    with pytest.raises(DecisionError, match="GL_EACH_OCCURRENCE_MIN"):
        approve(verdict, by="ana", on=ON)
    check = f.find(verdict, "GL_EACH_OCCURRENCE_MIN", GL)
    waiver = waive(check, reason="accepted", expires_on=date(2027, 1, 1), by="ana", on=ON)
    approval = approve(rewaive(verdict, [waiver]), by="ana", on=ON, note=" fine ")
    assert approval.waived_checks == ("GL_EACH_OCCURRENCE_MIN (general_liability)",)
    assert approval.note == "fine"
    assert approve(f.run(), by="ana", on=ON).verdict_status == COMPLIANT


def test_reject_needs_a_reason_naming_checks_of_the_verdict() -> None:
    verdict = f.run(_short_gl())
    with pytest.raises(DecisionError, match="at least one reason"):
        reject(verdict, by="ana", on=ON, reasons=[RejectionReason("  ")])
    with pytest.raises(DecisionError, match="not a check"):
        reject(verdict, by="ana", on=ON, reasons=[RejectionReason("x", "WC_STATES", "umbrella")])
    drafted = reasons_from_verdict(verdict)
    assert [reason.check_code for reason in drafted] == ["GL_EACH_OCCURRENCE_MIN"]
    rejection = reject(verdict, by="ana", on=ON, reasons=drafted)
    assert rejection.reasons[0].text.startswith("General liability each occurrence is $1,000,000")


def test_decisions_need_an_actor() -> None:
    with pytest.raises(DecisionError, match="person"):
        approve(f.run(), by=" ", on=ON)
