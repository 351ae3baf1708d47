"""A decision told to the sub names the waived check in words, not only by its code."""

from __future__ import annotations

import uuid
from datetime import date

from backend.notify.decision_notices import DecisionFacts, check_in_words, decision_text


def test_a_check_code_reads_as_its_requirement_on_its_line() -> None:
    assert check_in_words("UMB_EACH_OCCURRENCE_MIN") == (
        "Umbrella: each occurrence limit at least the minimum (UMB_EACH_OCCURRENCE_MIN)"
    )
    assert check_in_words("AUTO_WAIVER_OF_SUBROGATION") == (
        "Auto liability: waiver of subrogation endorsement on this line "
        "(AUTO_WAIVER_OF_SUBROGATION)"
    )
    assert check_in_words("AI_COMPLETED") == (
        "Additional insured endorsement for completed operations (AI_COMPLETED)"
    )
    assert check_in_words("NOT_A_CHECK") == "NOT_A_CHECK"


def test_a_waiver_notice_says_what_was_waived_in_words() -> None:
    facts = DecisionFacts(
        decision_id=uuid.uuid4(),
        kind="waive",
        reason="Owner accepts $1M umbrella",
        engagement_id=uuid.uuid4(),
        sub_org_id=uuid.uuid4(),
        sub_name="Riverbend Drywall LLC",
        gc_name="Harbor Point Builders LLC",
        project="HP-300 Harbor Point Warehouse",
        check_code="UMB_EACH_OCCURRENCE_MIN",
        expires_on=date(2027, 4, 6),
    )
    subject, body = decision_text(facts)
    assert (
        subject == "Harbor Point Builders LLC waived a requirement on HP-300 Harbor Point Warehouse"
    )
    assert "Waived: Umbrella: each occurrence limit at least the minimum" in body
    assert "until 2027-04-06" in body and "Reason: Owner accepts $1M umbrella" in body
