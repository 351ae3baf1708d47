"""Snapshot bytes at fan-out speed: a fan-out appends one snapshot per engagement, and the
engagements of one sub share most of their checks word for word. `CheckFragments` keeps the
canonical bytes of each distinct check (and of the record's coverages) and `snapshot_bytes`
splices them into each snapshot's canonical form. The result is byte for byte what
`canonical_bytes(build_snapshot(facts, previous))` gives (RFC 8785 serialises an array as its
canonical elements joined by commas); a unit test holds the bytes equal.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Final, cast

import rfc8785

from backend.audit.canonical import (
    SnapshotFacts,
    build_snapshot,
    canonical_bytes,
    to_json_value,
)

_PLACEHOLDER: Final = "\x00coinet-checks-placeholder\x00"
_PLACEHOLDER_ARRAY: Final = b"[" + rfc8785.dumps(_PLACEHOLDER) + b"]"
_COVERAGES_PLACEHOLDER: Final = "\x00coinet-coverages-placeholder\x00"
_COVERAGES_PLACEHOLDER_ARRAY: Final = b"[" + rfc8785.dumps(_COVERAGES_PLACEHOLDER) + b"]"


class CheckFragments:
    """Canonical bytes of each distinct check dict, and of each distinct coverages list (every
    snapshot of one fan-out shares the record's), computed once. Keyed by identity, so the
    values must not change while this lives."""

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[Mapping[str, Any], bytes]] = {}
        self._coverages: dict[int, tuple[Sequence[Any], bytes]] = {}

    def coverages(self, coverages: Sequence[Any]) -> bytes:
        known = self._coverages.get(id(coverages))
        if known is None or known[0] is not coverages:
            converted = to_json_value(list(coverages), where="$.coverages")
            assert isinstance(converted, list)
            parts = [canonical_bytes(cast(Mapping[str, Any], item)) for item in converted]
            known = (coverages, b"[" + b",".join(parts) + b"]")
            self._coverages[id(coverages)] = known
        return known[1]

    def array(self, checks: Sequence[Mapping[str, Any]]) -> bytes:
        parts = []
        for check in checks:
            known = self._by_id.get(id(check))
            if known is None or known[0] is not check:
                known = (check, canonical_bytes(check))
                self._by_id[id(check)] = known
            parts.append(known[1])
        return b"[" + b",".join(parts) + b"]"


def snapshot_bytes(
    facts: SnapshotFacts, previous_sha256: str | None, fragments: CheckFragments
) -> bytes:
    """canonical_bytes(build_snapshot(facts, previous_sha256)), with shared checks reused."""
    # Placeholders stand where the checks and coverages arrays go; their bytes replace them.
    placeholder = dataclasses.replace(
        facts,
        checks=[_PLACEHOLDER],  # type: ignore[list-item]
        coverages=[_COVERAGES_PLACEHOLDER],  # type: ignore[list-item]
    )
    outline = build_snapshot(placeholder, previous_sha256)
    head = canonical_bytes(outline)
    if (
        head.count(_PLACEHOLDER_ARRAY) != 1 or head.count(_COVERAGES_PLACEHOLDER_ARRAY) != 1
    ):  # cannot happen with real facts; stay exact anyway
        return canonical_bytes(build_snapshot(facts, previous_sha256))
    head = head.replace(_COVERAGES_PLACEHOLDER_ARRAY, fragments.coverages(facts.coverages))
    return head.replace(_PLACEHOLDER_ARRAY, fragments.array(facts.checks))
