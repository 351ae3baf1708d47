"""Pure parts of the fan-out: database rows to the engine's record, thresholds, digests."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from backend.config import Settings
from backend.db.models import (
    Document,
    Endorsement,
    Engagement,
    Notice,
    Person,
    Policy,
    PolicyTerm,
    Project,
)
from backend.notify.mail import backoff_seconds, compose_digest
from backend.projects.engine_input import (
    RecordRows,
    _with_engine_values,
    alert_thresholds,
    context_for,
    expiring_window_days,
    holder_not_evaluable,
    record_as_of,
)
from backend.projects.sweep import crossed_threshold
from backend.projects.verify_service import coverage_end
from backend.requirements.templates import template
from backend.verification.checks import FAIL, UNKNOWN
from backend.verification.engine import verify

DAY = date(2026, 6, 1)
SUB = uuid.UUID(int=7)


def _document(holder: str, description: str = "") -> Document:
    return Document(
        id=uuid.uuid4(),
        sub_org_id=SUB,
        sha256="ab" * 32,
        filename="acord25.pdf",
        read_state="read",
        read_result={
            "certificate_holder": {"name": holder},
            "description_of_operations": description,
            "coverages": [{"line": "general_liability", "policy_number": "GL-9"}],
            "fields": {
                "/coverages/0/limits/each_occurrence": {"page": 1, "bbox": [1, 2, 3, 4]},
                "/certificate_holder/name": {"page": 1, "bbox": [5, 6, 7, 8]},
            },
        },
    )


def _rows(
    *,
    cancelled_on: date | None = None,
    certificates: list[Document] | None = None,
    endorsements: list[Endorsement] | None = None,
    follows_form: bool = False,
    subrogation_waived: bool = False,
) -> RecordRows:
    from backend.projects.engine_input import _certificate

    documents = certificates or []
    gl = Policy(
        id=uuid.uuid4(),
        sub_org_id=SUB,
        line="general_liability",
        insurer_name="Insurer",
        insurer_naic="24112",
        policy_number="GL-9",
    )
    umbrella = Policy(
        id=uuid.uuid4(),
        sub_org_id=SUB,
        line="umbrella",
        insurer_name="Insurer",
        insurer_naic="24112",
        policy_number="U-1",
    )
    term = PolicyTerm(
        id=uuid.uuid4(),
        policy_id=gl.id,
        sub_org_id=SUB,
        revision_id=uuid.uuid4(),
        effective=DAY - timedelta(days=100),
        expiration=DAY + timedelta(days=265),
        cancelled_on=cancelled_on,
        basis="occurrence",
        aggregate_applies_per="policy",
        limits={"each_occurrence": 1_000_000},
        covered_autos=[],
        follows_form=False,
        wc_states=[],
        wc_statutory=False,
        additional_insured=True,
        subrogation_waived=subrogation_waived,
        source_document_id=documents[0].id if documents else None,
    )
    umbrella_term = PolicyTerm(
        id=uuid.uuid4(),
        policy_id=umbrella.id,
        sub_org_id=SUB,
        revision_id=uuid.uuid4(),
        effective=DAY - timedelta(days=100),
        expiration=DAY + timedelta(days=30),
        basis="occurrence",
        aggregate_applies_per="policy",
        limits={},
        covered_autos=[],
        follows_form=follows_form,
        wc_states=[],
        wc_statutory=False,
        additional_insured=False,
        subrogation_waived=False,
    )
    return _with_engine_values(
        RecordRows(
            sub_org_id=SUB,
            sub_name="Keel Drywall LLC",
            known_at=None,
            terms=[(gl, term), (umbrella, umbrella_term)],
            endorsements=endorsements or [],
            documents={d.id: d for d in documents},
            certificates=[c for c in (_certificate(d) for d in documents) if c is not None],
        )
    )


def test_a_cancellation_ends_the_term_and_evidence_points_into_the_certificate() -> None:
    certificate = _document("Harbor Builders LLC")
    rows = _rows(cancelled_on=DAY + timedelta(days=10), certificates=[certificate])
    record = record_as_of(rows, DAY, "Harbor Builders LLC")
    assert record is not None
    ((_, term),) = record.terms_by_line["general_liability"]
    assert term.expiration == DAY + timedelta(days=10)
    evidence = term.evidence["limits.each_occurrence"]
    assert (evidence.document, evidence.page, evidence.bbox) == ("ab" * 32, 1, (1.0, 2.0, 3.0, 4.0))
    claims = record.endorsements_by_kind["additional_insured_ongoing"]
    assert [c.source for c in claims] == ["certificate"]


def test_ticked_boxes_claim_their_endorsements_for_the_terms_dates_only() -> None:
    rows = _rows(subrogation_waived=True)
    record = record_as_of(rows, DAY, "Harbor Builders LLC")
    assert record is not None
    for kind in ("additional_insured_ongoing", "waiver_of_subrogation"):
        (claim,) = record.endorsements_by_kind[kind]
        assert (claim.source, claim.lines) == ("certificate", ("general_liability",))
        assert (claim.effective, claim.expiration) == (
            DAY - timedelta(days=100),
            DAY + timedelta(days=265),
        )
    # The umbrella row ticks neither box: it claims nothing of its own.
    assert all("umbrella" not in c.lines for c in record.endorsements)


def test_the_holder_is_the_certificate_naming_this_gc_else_the_newest() -> None:
    newest, older = _document("Other Builders Inc."), _document("Harbor Builders, LLC")
    rows = _rows(certificates=[newest, older])
    mine = record_as_of(rows, DAY, "Harbor Builders LLC")
    other = record_as_of(rows, DAY, "Nobody Corp.")
    assert mine is not None and mine.certificate_holder_name == "Harbor Builders, LLC"
    assert other is not None and other.certificate_holder_name == "Other Builders Inc."


def test_without_any_certificate_the_holder_check_is_not_evaluable() -> None:
    rows = _rows()
    record = record_as_of(rows, DAY, "Harbor Builders LLC")
    context = context_for(_project(), _engagement())
    verdict = verify(template("moderate"), record, context, DAY)
    holder = [c for c in verdict.checks if c.code == "CERTIFICATE_HOLDER_NAME"]
    assert holder and holder[0].outcome == FAIL
    adjusted = holder_not_evaluable(verdict, record, 30)
    assert [c.outcome for c in adjusted.checks if c.code == "CERTIFICATE_HOLDER_NAME"] == [UNKNOWN]


def test_notice_days_come_from_the_wording_and_ai_extends_to_a_following_umbrella() -> None:
    certificate = _document("Harbor Builders LLC", "Thirty (30) days notice of cancellation.")
    notice = Endorsement(
        id=uuid.uuid4(),
        sub_org_id=SUB,
        policy_id=None,
        revision_id=uuid.uuid4(),
        form_number="IL 70 01",
        edition="",
        kind="notice_of_cancellation",
        blanket=False,
        named_parties=[],
    )
    ai = Endorsement(
        id=uuid.uuid4(),
        sub_org_id=SUB,
        policy_id=None,
        revision_id=uuid.uuid4(),
        form_number="CG 20 38",
        edition="04 13",
        kind="additional_insured_ongoing",
        blanket=True,
        named_parties=[],
    )
    wos = Endorsement(
        id=uuid.uuid4(),
        sub_org_id=SUB,
        policy_id=None,
        revision_id=uuid.uuid4(),
        form_number="CA 04 44",
        edition="",
        kind="waiver_of_subrogation",
        blanket=True,
        named_parties=[],
    )
    rows = _rows(certificates=[certificate], endorsements=[notice, ai, wos], follows_form=True)
    record = record_as_of(rows, DAY, None)
    assert record is not None
    assert record.endorsements_by_kind["notice_of_cancellation"][0].notice_days == 30
    on_file = [
        e
        for e in record.endorsements_by_kind["additional_insured_ongoing"]
        if e.source == "endorsement"
    ]
    assert on_file[0].lines == ("general_liability", "umbrella")
    assert record.endorsements_by_kind["waiver_of_subrogation"][0].lines == ("auto_liability",)


def _project(**changes: Any) -> Project:
    values: dict[str, Any] = dict(
        id=uuid.uuid4(),
        gc_org_id=uuid.uuid4(),
        number="P-1",
        name="Pier",
        state="IN",
        start_date=DAY,
        end_date=DAY + timedelta(days=200),
        closeout_days=30,
        certificate_holder="Harbor Builders LLC",
        additional_insureds=["Harbor Builders LLC"],
    )
    values.update(changes)
    return Project(**values)


def _engagement(**changes: Any) -> Engagement:
    values: dict[str, Any] = dict(id=uuid.uuid4(), trade="Drywall", work_start=DAY)
    values.update(changes)
    return Engagement(**values)


def test_a_contradicting_fact_is_dropped_not_trusted() -> None:
    late = _engagement(work_start=DAY + timedelta(days=900))
    context = context_for(_project(), late, parent_sub_name="Tier One Mechanical Inc.")
    assert context.work_start is None
    assert context.additional_insured_parties[-1] == "Tier One Mechanical Inc."
    assert context_for(_project(state="ZZ"), _engagement()).state is None


def test_thresholds_default_and_per_gc() -> None:
    assert alert_thresholds(None) == (60, 30, 7, 0)
    assert alert_thresholds({"alert_thresholds": [14, 90, 3, "x", -1]}) == (90, 14, 3)
    assert expiring_window_days({"alert_thresholds": [45, 10]}) == 45
    assert crossed_threshold(40, (60, 30, 7, 0)) == 60
    assert crossed_threshold(7, (60, 30, 7, 0)) == 7
    assert crossed_threshold(-3, (60, 30, 7, 0)) == 0
    assert crossed_threshold(61, (60, 30, 7, 0)) is None


def test_coverage_end_follows_renewals_and_reports_a_lapse() -> None:
    rows = _rows()
    record = record_as_of(rows, DAY, None)
    requirements = template("moderate")
    assert coverage_end(record, requirements, DAY) == DAY + timedelta(days=30)  # umbrella first
    later = DAY + timedelta(days=300)
    assert coverage_end(record, requirements, later) == DAY + timedelta(days=30)
    assert coverage_end(None, requirements, DAY) is None


def test_digest_lists_every_notice_and_backoff_grows() -> None:
    settings = Settings()
    person = Person(email="admin@example.test", full_name="Ada Admin")
    notices = [
        Notice(subject=f"Sub {i} on P-{i}: pending review -> compliant", body="Verified.")
        for i in range(3)
    ]
    message = compose_digest(settings, person, notices)
    assert message["To"] == "admin@example.test"
    assert message["Subject"] == "COI network: 3 updates for you"
    text = message.get_content()
    assert all(f"{i + 1}. Sub {i} on P-{i}" in text for i in range(3))
    single = compose_digest(settings, person, notices[:1])
    assert single["Subject"] == notices[0].subject
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [5.0, 10.0, 20.0, 40.0]
    assert backoff_seconds(30) == 900.0
