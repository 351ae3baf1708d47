"""Requirement sets to and from JSON (the format FORMAT.md documents).

Reading is strict: an unknown key, an unknown limit kind or a value of the wrong type is refused
with a RequirementError naming its path, never silently ignored, because a GC's typo in a
requirement would otherwise quietly weaken what is checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from backend.requirements.model import (
    AdditionalInsuredRequirement,
    FormEdition,
    InsurerRequirement,
    LineRequirement,
    RequirementError,
    RequirementSet,
    parse_form_edition,
)

FORMAT_ID: Final = "coinet.requirements/1"

_TOP_KEYS: Final = frozenset(
    {
        "format",
        "name",
        "version",
        "tier",
        "owner",
        "lines",
        "additional_insured",
        "primary_noncontributory",
        "notice_of_cancellation_days",
        "insurer",
        "certificate_holder_name",
        "coverage_through_closeout",
        "endorsements_on_file",
        "combined_limits",
        "completed_operations_years",
        "valid_from",
        "valid_until",
        "derived_from",
    }
)
_LINE_KEYS: Final = frozenset(
    {
        "limits",
        "waiver_of_subrogation",
        "claims_made_allowed",
        "tail_years",
        "per_project_aggregate",
        "any_auto",
        "follows_form",
        "states",
        "only_if_employees_on_site",
        "owners_exclusion_allowed",
    }
)
_AI_KEYS: Final = frozenset(
    {
        "ongoing",
        "completed",
        "lines",
        "blanket_allowed",
        "parties",
        "accepted_forms",
        "refused_forms",
        "equivalent_forms",
    }
)
_FORMS_KEYS: Final = frozenset({"ongoing", "completed"})
_INSURER_KEYS: Final = frozenset(
    {"minimum_rating", "minimum_size_class", "naic_required", "surplus_lines_allowed"}
)
_DERIVED_KEYS: Final = frozenset({"name", "version"})


def requirements_from_json(data: object) -> RequirementSet:
    """Build a RequirementSet from parsed JSON, refusing anything not in FORMAT.md."""
    top = _object(data, "(top level)", _TOP_KEYS)
    declared_format = top.get("format", FORMAT_ID)
    if declared_format != FORMAT_ID:
        raise RequirementError("format", f"expected {FORMAT_ID!r}, got {declared_format!r}")
    lines_data = _object(top.get("lines"), "lines", None)
    if not lines_data:
        raise RequirementError("lines", "a requirement set needs at least one line")
    lines = tuple(_line_from_json(name, value) for name, value in lines_data.items())
    derived = top.get("derived_from")
    derived_from: tuple[str, int] | None = None
    if derived is not None:
        derived_data = _object(derived, "derived_from", _DERIVED_KEYS)
        derived_from = (
            _string(derived_data.get("name"), "derived_from.name"),
            _integer(derived_data.get("version"), "derived_from.version"),
        )
    return RequirementSet(
        name=_string(top.get("name"), "name"),
        version=_integer(top.get("version", 1), "version"),
        tier=_optional_string(top.get("tier"), "tier"),
        owner=_optional_string(top.get("owner"), "owner"),
        lines=lines,
        additional_insured=_ai_from_json(top.get("additional_insured")),
        primary_noncontributory=_boolean(
            top.get("primary_noncontributory", False), "primary_noncontributory"
        ),
        notice_of_cancellation_days=_optional_integer(
            top.get("notice_of_cancellation_days"), "notice_of_cancellation_days"
        ),
        insurer=_insurer_from_json(top.get("insurer")),
        certificate_holder_name=_optional_string(
            top.get("certificate_holder_name"), "certificate_holder_name"
        ),
        coverage_through_closeout=_string(
            top.get("coverage_through_closeout", "warning"), "coverage_through_closeout"
        ),
        endorsements_on_file=_boolean(
            top.get("endorsements_on_file", True), "endorsements_on_file"
        ),
        combined_limits=_boolean(top.get("combined_limits", False), "combined_limits"),
        completed_operations_years=_integer(
            top.get("completed_operations_years", 0), "completed_operations_years"
        ),
        valid_from=_optional_date(top.get("valid_from"), "valid_from"),
        valid_until=_optional_date(top.get("valid_until"), "valid_until"),
        derived_from=derived_from,
    )


def requirements_to_json(requirements: RequirementSet) -> dict[str, Any]:
    """The FORMAT.md JSON of a requirement set; `requirements_from_json` reads it back equal."""
    ai = requirements.additional_insured
    result: dict[str, Any] = {
        "format": FORMAT_ID,
        "name": requirements.name,
        "version": requirements.version,
        "tier": requirements.tier,
        "owner": requirements.owner,
        "lines": {line.line: _line_to_json(line) for line in requirements.lines},
        "additional_insured": {
            "ongoing": ai.ongoing,
            "completed": ai.completed,
            "lines": list(ai.lines),
            "blanket_allowed": ai.blanket_allowed,
            "parties": list(ai.parties),
            "accepted_forms": {
                "ongoing": [str(form) for form in ai.ongoing_forms],
                "completed": [str(form) for form in ai.completed_forms],
            },
            "refused_forms": [str(form) for form in ai.refused_forms],
            "equivalent_forms": {carrier: str(iso) for carrier, iso in ai.equivalent_forms},
        },
        "primary_noncontributory": requirements.primary_noncontributory,
        "notice_of_cancellation_days": requirements.notice_of_cancellation_days,
        "insurer": {
            "minimum_rating": requirements.insurer.minimum_rating,
            "minimum_size_class": requirements.insurer.minimum_size_class,
            "naic_required": requirements.insurer.naic_required,
            "surplus_lines_allowed": requirements.insurer.surplus_lines_allowed,
        },
        "certificate_holder_name": requirements.certificate_holder_name,
        "coverage_through_closeout": requirements.coverage_through_closeout,
        "endorsements_on_file": requirements.endorsements_on_file,
        "combined_limits": requirements.combined_limits,
        "completed_operations_years": requirements.completed_operations_years,
        "valid_from": _date_text(requirements.valid_from),
        "valid_until": _date_text(requirements.valid_until),
        "derived_from": None,
    }
    if requirements.derived_from is not None:
        name, version = requirements.derived_from
        result["derived_from"] = {"name": name, "version": version}
    return result


def _line_to_json(line: LineRequirement) -> dict[str, Any]:
    result: dict[str, Any] = {"limits": dict(line.limits)}
    defaults = LineRequirement(line=line.line)
    for key in sorted(_LINE_KEYS - {"limits"}):
        value = getattr(line, key)
        if value != getattr(defaults, key):
            result[key] = list(value) if isinstance(value, tuple) else value
    return result


def _line_from_json(name: str, value: object) -> LineRequirement:
    path = f"lines.{name}"
    data = _object(value, path, _LINE_KEYS)
    limits_data = _object(data.get("limits", {}), f"{path}.limits", None)
    limits = tuple(
        (kind, _integer(amount, f"{path}.limits.{kind}")) for kind, amount in limits_data.items()
    )
    return LineRequirement(
        line=name,
        limits=limits,
        waiver_of_subrogation=_boolean(
            data.get("waiver_of_subrogation", False), f"{path}.waiver_of_subrogation"
        ),
        claims_made_allowed=_boolean(
            data.get("claims_made_allowed", False), f"{path}.claims_made_allowed"
        ),
        tail_years=_integer(data.get("tail_years", 0), f"{path}.tail_years"),
        per_project_aggregate=_boolean(
            data.get("per_project_aggregate", False), f"{path}.per_project_aggregate"
        ),
        any_auto=_boolean(data.get("any_auto", False), f"{path}.any_auto"),
        follows_form=_boolean(data.get("follows_form", False), f"{path}.follows_form"),
        states=tuple(
            _string(state, f"{path}.states").upper()
            for state in _list(data.get("states", []), f"{path}.states")
        ),
        only_if_employees_on_site=_boolean(
            data.get("only_if_employees_on_site", False), f"{path}.only_if_employees_on_site"
        ),
        owners_exclusion_allowed=_boolean(
            data.get("owners_exclusion_allowed", False), f"{path}.owners_exclusion_allowed"
        ),
    )


def _ai_from_json(value: object) -> AdditionalInsuredRequirement:
    if value is None:
        return AdditionalInsuredRequirement()
    data = _object(value, "additional_insured", _AI_KEYS)
    forms = _object(
        data.get("accepted_forms", {}), "additional_insured.accepted_forms", _FORMS_KEYS
    )
    return AdditionalInsuredRequirement(
        ongoing=_boolean(data.get("ongoing", False), "additional_insured.ongoing"),
        completed=_boolean(data.get("completed", False), "additional_insured.completed"),
        lines=tuple(
            _string(line, "additional_insured.lines")
            for line in _list(data.get("lines", ["general_liability"]), "additional_insured.lines")
        ),
        blanket_allowed=_boolean(
            data.get("blanket_allowed", True), "additional_insured.blanket_allowed"
        ),
        parties=tuple(
            _string(party, "additional_insured.parties")
            for party in _list(data.get("parties", []), "additional_insured.parties")
        ),
        ongoing_forms=_forms(forms.get("ongoing", []), "additional_insured.accepted_forms.ongoing"),
        completed_forms=_forms(
            forms.get("completed", []), "additional_insured.accepted_forms.completed"
        ),
        refused_forms=_forms(data.get("refused_forms", []), "additional_insured.refused_forms"),
        equivalent_forms=_equivalents(data.get("equivalent_forms", {})),
    )


def _equivalents(value: object) -> tuple[tuple[str, FormEdition], ...]:
    path = "additional_insured.equivalent_forms"
    pairs = []
    for carrier, iso in _object(value, path, None).items():
        item_path = f"{path}.{carrier}"
        try:
            pairs.append((str(carrier), parse_form_edition(_string(iso, item_path))))
        except RequirementError:
            raise
        except ValueError as exc:
            raise RequirementError(item_path, str(exc)) from None
    return tuple(pairs)


def _forms(value: object, path: str) -> tuple[FormEdition, ...]:
    forms = []
    for item in _list(value, path):
        try:
            forms.append(parse_form_edition(_string(item, path)))
        except ValueError as exc:
            raise RequirementError(path, str(exc)) from None
    return tuple(forms)


def _insurer_from_json(value: object) -> InsurerRequirement:
    if value is None:
        return InsurerRequirement()
    data = _object(value, "insurer", _INSURER_KEYS)
    return InsurerRequirement(
        minimum_rating=_optional_string(data.get("minimum_rating"), "insurer.minimum_rating"),
        minimum_size_class=_optional_string(
            data.get("minimum_size_class"), "insurer.minimum_size_class"
        ),
        naic_required=_boolean(data.get("naic_required", False), "insurer.naic_required"),
        surplus_lines_allowed=_boolean(
            data.get("surplus_lines_allowed", True), "insurer.surplus_lines_allowed"
        ),
    )


def _object(value: object, path: str, allowed: frozenset[str] | None) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise RequirementError(path, "expected a JSON object")
    if allowed is not None:
        unknown = sorted(str(key) for key in value if key not in allowed)
        if unknown:
            prefix = "" if path == "(top level)" else f"{path}."
            raise RequirementError(f"{prefix}{unknown[0]}", "unknown key")
    return value


def _list(value: object, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise RequirementError(path, "expected a JSON array")
    return value


def _string(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise RequirementError(path, "expected a string")
    return value


def _optional_string(value: object, path: str) -> str | None:
    return None if value is None else _string(value, path)


def _integer(value: object, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequirementError(path, "expected a whole number")
    return value


def _optional_integer(value: object, path: str) -> int | None:
    return None if value is None else _integer(value, path)


def _boolean(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise RequirementError(path, "expected true or false")
    return value


def _optional_date(value: object, path: str) -> date | None:
    if value is None:
        return None
    text = _string(value, path)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RequirementError(path, f"{text!r} is not a YYYY-MM-DD date") from None


def _date_text(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
