"""Made-up but realistic snapshot facts, for demos, tests and the benchmark."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime

from backend.audit.canonical import Decision, DocumentRef, Party, SnapshotFacts

ENGINE = Party(id="engine", name="verification engine")


def sample_facts(
    *,
    engagement_id: uuid.UUID,
    project_id: uuid.UUID,
    sub_id: uuid.UUID,
    gc_id: uuid.UUID,
    as_of: date,
    kind: str = "verdict",
    status: str = "non_compliant",
    serial: int = 0,
    decided_by: Party = ENGINE,
    document: bytes | None = None,
) -> SnapshotFacts:
    """One snapshot's facts; `serial` varies the content so that snapshots differ."""
    certificate = document if document is not None else f"certificate {serial}".encode()
    checks = [
        {
            "code": "GL_EACH_OCCURRENCE_MIN",
            "passed": False,
            "line": "general_liability",
            "expected": 2_000_000,
            "found": 1_000_000,
            "message": "General liability each occurrence is $1,000,000; "
            "the requirement is $2,000,000.",
        },
        {
            "code": "AUTO_ANY_AUTO",
            "passed": True,
            "line": "auto_liability",
            "message": "Auto liability covers any auto.",
        },
        {
            "code": "WC_STATUTORY",
            "passed": True,
            "line": "workers_compensation",
            "message": "Workers' compensation is statutory in the project's state.",
        },
    ]
    return SnapshotFacts(
        kind=kind,
        engagement_id=str(engagement_id),
        project=Party(id=str(project_id), name="Harbor Point Medical Office Building"),
        gc=Party(id=str(gc_id), name="Bayline Builders LLC"),
        sub=Party(id=str(sub_id), name="Keystone Mechanical Inc."),
        record_revision=f"revision-{serial}",
        documents=[
            DocumentRef(
                sha256=hashlib.sha256(certificate).hexdigest(),
                name=f"acord25-{serial}.pdf",
                kind="acord25",
            )
        ],
        requirement_set_version="elevated/2",
        requirement_set_sha256=hashlib.sha256(b"elevated requirement set v2").hexdigest(),
        status=status,
        checks=checks,
        decision=Decision(
            action=kind,
            by=decided_by,
            at=datetime(as_of.year, as_of.month, as_of.day, 14, 30, tzinfo=UTC),
            reason="" if kind == "verdict" else "Reviewed against the subcontract.",
        ),
        as_of=as_of,
        engine_version="verification/1.0",
        coverages=[
            {
                "line": "general_liability",
                "policy_number": f"GL-{1000 + serial}",
                "insurer": "Granite State Casualty Company",
                "effective": "2026-01-01",
                "expires": "2027-01-01",
                "limits": {"each_occurrence": 1_000_000, "general_aggregate": 2_000_000},
            }
        ],
    )
