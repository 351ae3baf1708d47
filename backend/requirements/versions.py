"""Requirement-set bodies as stored in requirement_set_versions: the codec's JSON, with a
SHA-256 over its RFC 8785 form so a snapshot can name exactly what it was judged against."""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785

from backend.requirements.codec import requirements_from_json, requirements_to_json
from backend.requirements.model import RequirementSet
from backend.requirements.templates import template


def requirement_body(tier: str) -> dict[str, Any]:
    return requirements_to_json(template(tier))


def requirement_digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(rfc8785.dumps(body)).hexdigest()


def requirement_set_from_body(body: dict[str, Any]) -> RequirementSet:
    return requirements_from_json(body)
