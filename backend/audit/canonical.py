"""Audit snapshots as canonical JSON (RFC 8785).

A snapshot freezes one verdict or one human decision on an engagement: the parties, the record
revision and the hash of every document it rests on, the requirement set, every check, the
decision, the as-of date, the engine version and the hash of the engagement's previous
snapshot. Its canonical bytes are what the Merkle log commits to, so the same facts always give
the same bytes, on any machine, years later.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Final

import rfc8785

SNAPSHOT_SCHEMA: Final = "coinet.audit.snapshot/1"

# One snapshot per verdict and one per human decision.
SNAPSHOT_KINDS: Final = frozenset(
    {
        "verdict",
        "approve",
        "reject",
        "waive",
        "pay_hold",
        "release",
        "work_stop",
        "resume",
    }
)

MAX_SAFE_INTEGER: Final = 2**53 - 1

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]


class SnapshotError(ValueError):
    """The facts given cannot form a snapshot (a missing party, an unknown kind, a bad hash)."""


@dataclass(frozen=True)
class Party:
    id: str
    name: str

    def to_json(self) -> dict[str, JsonValue]:
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True)
class DocumentRef:
    """A document the verdict rests on, identified by the SHA-256 of its bytes."""

    sha256: str
    name: str = ""
    kind: str = ""

    def to_json(self) -> dict[str, JsonValue]:
        return {"sha256": self.sha256, "name": self.name, "kind": self.kind}


@dataclass(frozen=True)
class Decision:
    """Who decided what, when. `action` is the snapshot kind ("verdict" for the engine)."""

    action: str
    by: Party
    at: datetime
    reason: str = ""

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "action": self.action,
            "by": self.by.to_json(),
            "at": _iso_datetime(self.at),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class SnapshotFacts:
    """Everything a snapshot records, in the shape the other domains hand it over."""

    kind: str
    engagement_id: str
    project: Party
    gc: Party
    sub: Party
    record_revision: str
    documents: Sequence[DocumentRef]
    requirement_set_version: str
    requirement_set_sha256: str
    status: str
    checks: Sequence[Mapping[str, Any]]
    decision: Decision
    as_of: date
    engine_version: str
    coverages: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    extra: Mapping[str, Any] = field(default_factory=dict)


def _iso_datetime(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise SnapshotError("decision time must carry a time zone")
    return moment.isoformat()


def to_json_value(value: Any, *, where: str = "$") -> JsonValue:
    """Turn the values the domains use (UUIDs, dates, decimals, enums) into plain JSON values.

    Floats are refused when not finite, and whole-number decimals become integers so that a
    limit of `Decimal("1000000")` and `1000000` give the same bytes.
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SnapshotError(f"{where}: {value!r} is not a finite number")
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise SnapshotError(f"{where}: {value!r} is not a finite number")
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, Enum):
        return to_json_value(value.value, where=where)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return _iso_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        converted: dict[str, JsonValue] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise SnapshotError(f"{where}: object keys must be text, got {key!r}")
            converted[key] = to_json_value(item, where=f"{where}.{key}")
        return converted
    if isinstance(value, list | tuple):
        return [to_json_value(item, where=f"{where}[{i}]") for i, item in enumerate(value)]
    raise SnapshotError(f"{where}: cannot record a value of type {type(value).__name__}")


_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def _require_sha256(value: str, what: str) -> None:
    if not isinstance(value, str) or _SHA256_HEX.fullmatch(value) is None:
        raise SnapshotError(f"{what} must be a lower-case hex SHA-256, got {value!r}")


def build_snapshot(facts: SnapshotFacts, previous_snapshot_sha256: str | None) -> dict[str, Any]:
    """The snapshot as a JSON object, ready for canonical encoding."""
    if facts.kind not in SNAPSHOT_KINDS:
        raise SnapshotError(f"unknown snapshot kind {facts.kind!r}")
    if facts.decision.action != facts.kind:
        raise SnapshotError(
            f"decision action {facts.decision.action!r} differs from kind {facts.kind!r}"
        )
    for document in facts.documents:
        _require_sha256(document.sha256, f"document {document.name or '?'} hash")
    _require_sha256(facts.requirement_set_sha256, "requirement set hash")
    if previous_snapshot_sha256 is not None:
        _require_sha256(previous_snapshot_sha256, "previous snapshot hash")
    documents = sorted(
        (d.to_json() for d in facts.documents), key=lambda d: (str(d["sha256"]), str(d["name"]))
    )
    return {
        "schema": SNAPSHOT_SCHEMA,
        "kind": facts.kind,
        "engagement_id": facts.engagement_id,
        "project": facts.project.to_json(),
        "gc": facts.gc.to_json(),
        "sub": facts.sub.to_json(),
        "record": {"revision": facts.record_revision, "documents": documents},
        "requirements": {
            "version": facts.requirement_set_version,
            "sha256": facts.requirement_set_sha256,
        },
        "coverages": to_json_value(list(facts.coverages), where="$.coverages"),
        "status": facts.status,
        "checks": to_json_value(list(facts.checks), where="$.checks"),
        "decision": facts.decision.to_json(),
        "as_of": facts.as_of.isoformat(),
        "engine_version": facts.engine_version,
        "previous_snapshot_sha256": previous_snapshot_sha256,
        "extra": to_json_value(dict(facts.extra), where="$.extra"),
    }


def _plain_json_suffices(value: object) -> bool:
    """True when `value` is made of plain JSON values only and the standard library's sorted,
    compact JSON of it is byte-for-byte RFC 8785.

    That holds when there are no floats (ECMAScript number formatting differs from Python's),
    every integer is in the IEEE 754 safe range, and every key is ASCII (where sorting by
    UTF-16 code units and by code points agree). Snapshots meet this almost always; the rest go
    through the `rfc8785` package, which is also what the verifier uses.
    """
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER  # type: ignore[operator]
    if kind is list:
        for item in value:  # type: ignore[attr-defined]
            if not _plain_json_suffices(item):
                return False
        return True
    if kind is dict:
        for key, item in value.items():  # type: ignore[attr-defined]
            if type(key) is not str or not key.isascii() or not _plain_json_suffices(item):
                return False
        return True
    return False


def canonical_bytes(snapshot: Mapping[str, Any]) -> bytes:
    """RFC 8785 bytes of a JSON object (sorted keys, no spaces, ECMAScript numbers)."""
    value: Any = snapshot if _plain_json_suffices(snapshot) else to_json_value(snapshot)
    try:
        if value is snapshot or _plain_json_suffices(value):
            text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            return text.encode("utf-8")
        return strict_canonical_bytes(value)
    except (UnicodeEncodeError, rfc8785.CanonicalizationError) as exc:
        raise SnapshotError(f"snapshot cannot be canonicalised: {exc}") from exc


def strict_canonical_bytes(value: JsonValue) -> bytes:
    """RFC 8785 bytes straight from the `rfc8785` package (the reference the verifier uses)."""
    return rfc8785.dumps(value)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_snapshot(data: bytes) -> dict[str, Any]:
    """Read snapshot bytes back, refusing anything that is not exactly its canonical form."""
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SnapshotError(f"snapshot is not JSON: {exc}") from exc
    if not isinstance(parsed, dict):
        raise SnapshotError("snapshot is not a JSON object")
    if parsed.get("schema") != SNAPSHOT_SCHEMA:
        raise SnapshotError(f"unknown snapshot schema {parsed.get('schema')!r}")
    try:
        canonical = strict_canonical_bytes(parsed)
    except (UnicodeEncodeError, rfc8785.CanonicalizationError) as exc:
        raise SnapshotError(f"snapshot cannot be canonicalised: {exc}") from exc
    if canonical != data:
        raise SnapshotError("snapshot bytes are not in RFC 8785 canonical form")
    return parsed
