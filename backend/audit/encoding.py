"""Snapshot bytes at fan-out speed: a fan-out appends one snapshot per engagement, and the
engagements of one sub share most of their checks word for word. `CheckFragments` keeps the
canonical bytes of each distinct check (and of the record's coverages) and `snapshot_bytes`
splices them into each snapshot's canonical form. The result is byte for byte what
`canonical_bytes(build_snapshot(facts, previous))` gives (RFC 8785 serialises an array as its
canonical elements joined by commas); a unit test holds the bytes equal.

The rest of a snapshot also repeats across a fan-out: the sub, the record, the decision (one
time per batch), the dates, the keys of `extra`. `SnapshotTemplates` canonicalises that outline
once, with a slot for each value that differs per engagement (its id, project, GC, requirement
set, status, previous snapshot, the values of `extra`), and a snapshot is the outline's bytes
with each slot's canonical value spliced in: RFC 8785 orders members by key, never by value,
so the bytes are the same. A value whose canonical form is not plain JSON text (a float, say)
sends that snapshot down the general path.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final, cast

import rfc8785

from backend.audit import merkle
from backend.audit.canonical import (
    MAX_SAFE_INTEGER,
    Party,
    SnapshotError,
    SnapshotFacts,
    build_snapshot,
    canonical_bytes,
    to_json_value,
)

_PLACEHOLDER: Final = "\x00coinet-checks-placeholder\x00"
_PLACEHOLDER_ARRAY: Final = b"[" + rfc8785.dumps(_PLACEHOLDER) + b"]"
_COVERAGES_PLACEHOLDER: Final = "\x00coinet-coverages-placeholder\x00"
_COVERAGES_PLACEHOLDER_ARRAY: Final = b"[" + rfc8785.dumps(_COVERAGES_PLACEHOLDER) + b"]"
# Checks lists CheckFragments.array holds by identity; emptied at this size, since lists made
# afresh for every snapshot (outside a fan-out's shared ones) would otherwise pile up.
_HELD_ARRAYS: Final = 4096
# How far into a snapshot its checks array may start for `CheckFragments.digests` to share
# the hashing of what comes before and with it: RFC 8785 puts "as_of" (a date) first and
# "checks" second, so the array starts at byte 31; a snapshot laid out otherwise (a key added
# before "checks") is hashed whole, exactly as before.
_SHARED_HEAD_MAX: Final = 64
_CHECKS_KEY: Final = b'"checks":'
# The JSON text of a str as json.dumps(value, ensure_ascii=False) gives it, without building
# an encoder per call (the function json.dumps itself ends in).
_encode_str: Final = json.encoder.encode_basestring


class CheckFragments:
    """Canonical bytes of each distinct check dict, and of each distinct coverages list (every
    snapshot of one fan-out shares the record's), computed once. Keyed by identity, so the
    values must not change while this lives."""

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[Mapping[str, Any], bytes]] = {}
        self._coverages: dict[int, tuple[Sequence[Any], bytes]] = {}
        self._arrays: dict[tuple[int, ...], bytes] = {}
        # The very same list again (a fan-out shares one checks list among the engagements
        # with one judgement), held so its id is not reused: no need to walk its dicts.
        self._array_of: dict[int, tuple[Sequence[Mapping[str, Any]], bytes]] = {}
        self.templates = SnapshotTemplates()
        # (head before the array, id of the array's bytes) -> (those bytes, SHA-256 states of
        # the snapshot and of its leaf, each fed everything up to the array's end).
        self._states: dict[tuple[bytes, int], tuple[bytes, Any, Any]] = {}

    def digests(self, data: bytes, checks: Sequence[Mapping[str, Any]]) -> tuple[bytes, bytes]:
        """sha256(data) and merkle.leaf_hash(data) of a snapshot whose checks are `checks`.
        The snapshots of one fan-out start alike ({"as_of":"<day>","checks":[...]), ~30 KB
        of their ~33 KB: that start is hashed once and each snapshot hashes only its rest.
        Exact: the start is taken only when the snapshot's bytes begin with it."""
        array = self.array(checks)
        # Where the checks array would start; compared in place (a search for the ~30 KB
        # array itself cost as much as hashing it).
        key_at = data.find(_CHECKS_KEY, 0, _SHARED_HEAD_MAX)
        position = key_at + len(_CHECKS_KEY)
        if key_at < 0 or not data.startswith(array, position):
            return hashlib.sha256(data).digest(), merkle.leaf_hash(data)
        key = (data[:position], id(array))
        known = self._states.get(key)
        if known is None or known[0] is not array:
            start = memoryview(data)[: position + len(array)]
            snapshot_state = hashlib.sha256(start)
            leaf_state = hashlib.sha256(merkle.LEAF_PREFIX)
            leaf_state.update(start)
            known = (array, snapshot_state, leaf_state)
            if len(self._states) >= _HELD_ARRAYS:
                self._states.clear()
            self._states[key] = known
        rest = memoryview(data)[position + len(array) :]
        snapshot_hash = known[1].copy()
        snapshot_hash.update(rest)
        leaf_hash = known[2].copy()
        leaf_hash.update(rest)
        return snapshot_hash.digest(), leaf_hash.digest()

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
        # Engagements of one GC share whole arrays of the same check dicts: each distinct
        # array is joined once (keyed by its dicts' identities; the dicts are held here).
        same = self._array_of.get(id(checks))
        if same is not None and same[0] is checks:
            return same[1]
        shape = tuple(map(id, checks))
        joined = self._arrays.get(shape)
        if joined is not None:
            self._hold(checks, joined)
            return joined
        parts = []
        for check in checks:
            known = self._by_id.get(id(check))
            if known is None or known[0] is not check:
                known = (check, canonical_bytes(check))
                self._by_id[id(check)] = known
            parts.append(known[1])
        joined = b"[" + b",".join(parts) + b"]"
        if all(self._by_id[id(check)][0] is check for check in checks):
            self._arrays[shape] = joined
            self._hold(checks, joined)
        return joined

    def _hold(self, checks: Sequence[Mapping[str, Any]], joined: bytes) -> None:
        if len(self._array_of) >= _HELD_ARRAYS:
            self._array_of.clear()
        self._array_of[id(checks)] = (checks, joined)


def snapshot_bytes(
    facts: SnapshotFacts, previous_sha256: str | None, fragments: CheckFragments
) -> bytes:
    """canonical_bytes(build_snapshot(facts, previous_sha256)), with shared checks reused and,
    where the facts allow, the outline of `fragments`' templates."""
    spliced = fragments.templates.render(facts, previous_sha256, fragments)
    return spliced if spliced is not None else _outlined(facts, previous_sha256, fragments)


def _outlined(
    facts: SnapshotFacts, previous_sha256: str | None, fragments: CheckFragments
) -> bytes:
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


_SLOT: Final = "\x00coinet-slot-{}\x00"
_SHA256_HEX: Final = re.compile(r"[0-9a-f]{64}")
# The slots of an outline, in the order `_slot_values` gives their values.
_FIXED_SLOTS: Final = 9


def _slot_values(facts: SnapshotFacts, previous_sha256: str | None) -> list[Any]:
    return [
        facts.engagement_id,
        facts.project.id,
        facts.project.name,
        facts.gc.id,
        facts.gc.name,
        facts.requirement_set_version,
        facts.requirement_set_sha256,
        facts.status,
        previous_sha256,
        *facts.extra.values(),
    ]


def _plain_text(value: Any) -> bytes | None:
    """The canonical bytes of a JSON scalar when plain JSON text gives them, else None."""
    kind = type(value)
    if kind is str:
        try:
            return _encode_str(value).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: the general path says what is wrong
            return None
    if value is None or kind is bool:
        return b"null" if value is None else (b"true" if value else b"false")
    if kind is int and -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return str(value).encode("ascii")
    return None


class SnapshotTemplates:
    """Snapshot outlines of one fan-out, each with slots for the values that differ."""

    def __init__(self) -> None:
        # key -> (the lists the key names by id, kept so no id is reused; the outline's byte
        # segments; which value goes between segment i and i+1: a slot number, or -1 for the
        # checks array)
        self._outlines: dict[
            tuple[Any, ...], tuple[tuple[object, object], list[bytes], list[int]]
        ] = {}
        self._seen: set[tuple[Any, ...]] = set()

    def render(
        self, facts: SnapshotFacts, previous_sha256: str | None, fragments: CheckFragments
    ) -> bytes | None:
        """The snapshot's bytes from its outline, or None when the general path must make
        them (a value that is not plain JSON text, or facts the outline cannot hold)."""
        # build_snapshot's own checks of the values that vary (the rest are the outline's).
        if _SHA256_HEX.fullmatch(facts.requirement_set_sha256) is None or (
            previous_sha256 is not None and _SHA256_HEX.fullmatch(previous_sha256) is None
        ):
            return None
        texts: list[bytes] = []
        for value in _slot_values(facts, previous_sha256):
            text = _plain_text(to_json_value(value, where="$.extra"))
            if text is None:
                return None
            texts.append(text)
        outline = self._outline_of(facts, fragments)
        if outline is None:
            return None
        segments, order = outline
        parts = [segments[0]]
        for slot, segment in zip(order, segments[1:], strict=True):
            parts.append(fragments.array(facts.checks) if slot < 0 else texts[slot])
            parts.append(segment)
        return b"".join(parts)

    def _outline_of(
        self, facts: SnapshotFacts, fragments: CheckFragments
    ) -> tuple[list[bytes], list[int]] | None:
        key = (
            facts.kind,
            facts.sub,
            facts.record_revision,
            id(facts.documents),
            id(facts.coverages),
            facts.decision,
            facts.as_of,
            facts.engine_version,
            tuple(facts.extra),
        )
        known = self._outlines.get(key)
        # The key names the documents and coverages lists by id: only the very lists held
        # with the outline match it (an id may be reused once a list is gone).
        if known is not None and known[0][0] is facts.documents and known[0][1] is facts.coverages:
            return known[1], known[2]
        if key not in self._seen:
            # An outline pays off only when it is used again: facts whose documents or
            # coverages are new lists every time (single appends, samples) never repeat.
            self._seen.add(key)
            return None
        try:
            made = self._outline(facts, fragments)
        except SnapshotError:
            return None
        if made is not None:
            self._outlines[key] = ((facts.documents, facts.coverages), *made)
        return made

    @staticmethod
    def _outline(
        facts: SnapshotFacts, fragments: CheckFragments
    ) -> tuple[list[bytes], list[int]] | None:
        slots = [_SLOT.format(n) for n in range(_FIXED_SLOTS + len(facts.extra))]
        placeholder = dataclasses.replace(
            facts,
            engagement_id=slots[0],
            project=Party(id=slots[1], name=slots[2]),
            gc=Party(id=slots[3], name=slots[4]),
            requirement_set_version=slots[5],
            requirement_set_sha256="0" * 64,  # a valid stand-in, replaced below
            status=slots[7],
            checks=[_PLACEHOLDER],  # type: ignore[list-item]
            coverages=[_COVERAGES_PLACEHOLDER],  # type: ignore[list-item]
            extra=dict(zip(facts.extra, slots[_FIXED_SLOTS:], strict=True)),
        )
        outline = build_snapshot(placeholder, "0" * 64)
        outline["requirements"]["sha256"] = slots[6]
        outline["previous_snapshot_sha256"] = slots[8]
        head = canonical_bytes(outline)
        if head.count(_COVERAGES_PLACEHOLDER_ARRAY) != 1:
            return None
        head = head.replace(_COVERAGES_PLACEHOLDER_ARRAY, fragments.coverages(facts.coverages))
        markers = [(json.dumps(slot).encode("ascii"), n) for n, slot in enumerate(slots)]
        markers.append((_PLACEHOLDER_ARRAY, -1))
        found: list[tuple[int, int, int]] = []
        for marker, slot_number in markers:
            if head.count(marker) != 1:
                return None
            found.append((head.index(marker), len(marker), slot_number))
        found.sort()
        segments: list[bytes] = []
        order: list[int] = []
        cursor = 0
        for position, length, slot_number in found:
            segments.append(head[cursor:position])
            order.append(slot_number)
            cursor = position + length
        segments.append(head[cursor:])
        return segments, order
