"""The fan-out's snapshot adapter writes exactly the bytes the audit log's own builder does."""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from datetime import date
from typing import Any

import pytest

from backend.audit import merkle
from backend.audit.canonical import SnapshotError, build_snapshot, canonical_bytes
from backend.audit.encoding import CheckFragments, snapshot_bytes
from backend.audit.samples import sample_facts


def _facts(serial: int, checks: list[dict[str, Any]] | None = None) -> Any:
    facts = sample_facts(
        engagement_id=uuid.UUID(int=serial + 10),
        project_id=uuid.UUID(int=1),
        sub_id=uuid.UUID(int=2),
        gc_id=uuid.UUID(int=3),
        as_of=date(2026, 5, 1),
        serial=serial,
    )
    return facts if checks is None else dataclasses.replace(facts, checks=checks)


def test_bytes_equal_the_audit_builders_with_and_without_a_previous_snapshot() -> None:
    fragments = CheckFragments()
    previous = hashlib.sha256(b"earlier").hexdigest()
    for serial in range(5):
        facts = _facts(serial)
        for before in (None, previous):
            expected = canonical_bytes(build_snapshot(facts, before))
            assert snapshot_bytes(facts, before, fragments) == expected


def test_shared_checks_with_awkward_values_stay_exact() -> None:
    shared = {
        "code": "GL_EACH_OCCURRENCE_MIN",
        "outcome": "fail",
        "found": 1e21,
        "expected": [1.5, -0.0, "\u00e9\u2028\x01", None, True],
        "evidence": {"bbox": [30.25, 600.0, 250.125, 612.5], "page": 1},
        "message": 'Limit "each occurrence" is $1,000,000 \u2014 below $2,000,000.',
    }
    fragments = CheckFragments()
    for serial in range(3):
        facts = _facts(serial, [shared, {"code": f"X{serial}", "passed": True}, shared])
        assert snapshot_bytes(facts, None, fragments) == canonical_bytes(
            build_snapshot(facts, None)
        )


def test_no_checks_at_all() -> None:
    facts = _facts(1, [])
    assert snapshot_bytes(facts, None, CheckFragments()) == canonical_bytes(
        build_snapshot(facts, None)
    )


def test_shared_coverages_with_awkward_values_stay_exact() -> None:
    from decimal import Decimal

    coverages = [
        {
            "line": "general_liability",
            "effective": date(2026, 3, 1),
            "limits": {"each_occurrence": Decimal("2000000"), "deductible": Decimal("2500.50")},
            "insurer": "Compa\u00f1\u00eda de Seguros \u2014 \u00c9tat",
            "ratio": 0.1,
        },
        {"line": "umbrella", "limits": {}, "follows_form_over": ("general_liability",)},
    ]
    fragments = CheckFragments()
    for serial in range(3):
        facts = dataclasses.replace(_facts(serial), coverages=coverages)
        assert snapshot_bytes(facts, None, fragments) == canonical_bytes(
            build_snapshot(facts, None)
        )
    # A different list is read afresh, never answered from the first one's bytes.
    other = dataclasses.replace(_facts(9), coverages=[{"line": "auto_liability"}])
    assert snapshot_bytes(other, None, fragments) == canonical_bytes(build_snapshot(other, None))


def test_outlines_shared_across_a_fan_out_stay_exact() -> None:
    """One set of fragments for many snapshots, as a fan-out keeps it: the outline made for
    the first is reused for the others, whatever their ids, names, status and extra values;
    values that are not plain JSON text (a float, a nested object) take the general path."""
    fragments = CheckFragments()
    base = _facts(0)
    previous = hashlib.sha256(b"earlier").hexdigest()
    variants: list[Any] = []
    for serial, extra_value in enumerate(
        ["text", 7, None, True, 2.5, {"nested": [1, 2]}, 'quote " and \u00e9\n', -(2**53 - 1)]
    ):
        facts = dataclasses.replace(
            base,
            engagement_id=str(uuid.UUID(int=100 + serial)),
            project=dataclasses.replace(base.project, name=f"Project \u2028 {serial}"),
            status=("compliant", "non_compliant")[serial % 2],
            extra={"verdict_id": str(uuid.UUID(int=serial)), "value": extra_value},
        )
        variants.append((facts, previous if serial % 2 else None))
    for facts, before in variants * 2:
        expected = canonical_bytes(build_snapshot(facts, before))
        assert snapshot_bytes(facts, before, fragments) == expected
    # Past JSON's safe integers neither path makes bytes: both refuse.
    unsafe = dataclasses.replace(base, extra={"verdict_id": "x", "value": 2**60})
    with pytest.raises(SnapshotError):
        canonical_bytes(build_snapshot(unsafe, None))
    with pytest.raises(SnapshotError):
        snapshot_bytes(unsafe, None, fragments)


def test_one_checks_list_shared_by_many_snapshots_stays_exact() -> None:
    # A fan-out hands the very same checks list to every engagement with one judgement; the
    # second and later snapshots take its bytes by the list's identity.
    fragments = CheckFragments()
    shared = list(_facts(0).checks)
    for serial in range(4):
        facts = _facts(serial, shared)
        assert snapshot_bytes(facts, None, fragments) == canonical_bytes(
            build_snapshot(facts, None)
        )


def test_digests_share_the_start_of_snapshots_and_equal_hashing_them_whole() -> None:
    # Snapshots of one fan-out start alike ("as_of", then the checks array): the digests hash
    # that start once and each snapshot's rest, and equal the snapshot's and leaf's hashes of
    # the whole bytes, for one day and the next, one checks list and another, and bytes that
    # do not hold the array where a snapshot does.
    fragments = CheckFragments()
    shared = list(_facts(0).checks)
    other = [*shared[1:], shared[0]]
    previous = hashlib.sha256(b"earlier").hexdigest()
    for serial in range(6):
        checks = shared if serial % 3 else other
        facts = _facts(serial, checks)
        if serial >= 4:
            facts = dataclasses.replace(facts, as_of=date(2026, 5, 2))
        data = snapshot_bytes(facts, previous if serial % 2 else None, fragments)
        assert fragments.digests(data, checks) == (
            hashlib.sha256(data).digest(),
            merkle.leaf_hash(data),
        )
    elsewhere = b'{"a":' + b"x" * 100 + fragments.array(shared) + b"}"
    other_array = b'{"as_of":"2026-05-01","checks":' + fragments.array(other) + b"}"
    for data in (elsewhere, other_array):
        assert fragments.digests(data, shared) == (
            hashlib.sha256(data).digest(),
            merkle.leaf_hash(data),
        )
