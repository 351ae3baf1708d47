"""Tier-2 flow-down: a sub-subcontractor's requirements derive from the parent engagement's and
are never less restrictive than them.

`strictness_violations(child, parent)` names every requirement on which `child` is weaker;
`derive_tier2` copies the parent and `tighten` applies a GC's edits, refusing any that would
loosen a requirement below the parent's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from backend.requirements.model import (
    AdditionalInsuredRequirement,
    FormEdition,
    LineRequirement,
    RequirementError,
    RequirementSet,
)
from backend.requirements.names import normalise_entity_name
from backend.requirements.ratings import rating_strength, size_order
from backend.requirements.vocabulary import THROUGH_CLOSEOUT_LEVELS


class FlowDownError(RequirementError):
    """A tier-2 set that would be less restrictive than its parent on the named field."""


def derive_tier2(parent: RequirementSet, *, name: str | None = None) -> RequirementSet:
    """A tier-2 set equal in every requirement to `parent`, recording where it came from.

    The certificate holder name is left to the tier-2 engagement's context: a sub-sub's
    certificate is held by the tier-1 sub, not by the GC.
    """
    return dataclasses.replace(
        parent,
        name=name or f"{parent.name} (tier 2)",
        version=1,
        certificate_holder_name=None,
        derived_from=(parent.name, parent.version),
    )


def tighten(child: RequirementSet, parent: RequirementSet, **changes: Any) -> RequirementSet:
    """`child` with `changes` applied (dataclasses.replace keywords), refused with FlowDownError
    naming the first field that would fall below `parent`. The version goes up by one."""
    candidate = dataclasses.replace(child, version=child.version + 1, **changes)
    violations = strictness_violations(candidate, parent)
    if violations:
        field_path, message = violations[0]
        raise FlowDownError(field_path, message)
    return candidate


def is_at_least_as_strict(child: RequirementSet, parent: RequirementSet) -> bool:
    return not strictness_violations(child, parent)


def strictness_violations(child: RequirementSet, parent: RequirementSet) -> list[tuple[str, str]]:
    """(field path, reason) for every requirement on which `child` is weaker than `parent`."""
    problems: list[tuple[str, str]] = []
    for parent_line in parent.lines:
        child_line = child.line(parent_line.line)
        path = f"lines.{parent_line.line}"
        if child_line is None:
            problems.append((path, "the parent requires this line"))
            continue
        _compare_line(child_line, parent_line, path, problems)
    _compare_additional_insured(child.additional_insured, parent.additional_insured, problems)
    _require(
        problems,
        "primary_noncontributory",
        child.primary_noncontributory or not parent.primary_noncontributory,
        "the parent requires primary and non-contributory wording",
    )
    _minimum_kept(
        problems,
        "notice_of_cancellation_days",
        child.notice_of_cancellation_days,
        parent.notice_of_cancellation_days,
        int,
        " days",
    )
    _compare_insurer(child, parent, problems)
    _require(
        problems,
        "coverage_through_closeout",
        THROUGH_CLOSEOUT_LEVELS.index(child.coverage_through_closeout)
        >= THROUGH_CLOSEOUT_LEVELS.index(parent.coverage_through_closeout),
        f"at least {parent.coverage_through_closeout!r}, as the parent",
    )
    _require(
        problems,
        "endorsements_on_file",
        child.endorsements_on_file or not parent.endorsements_on_file,
        "the parent requires endorsements on file",
    )
    _require(
        problems,
        "combined_limits",
        parent.combined_limits or not child.combined_limits,
        "the parent requires each line's minimums from that line alone",
    )
    _require(
        problems,
        "completed_operations_years",
        child.completed_operations_years >= parent.completed_operations_years,
        f"at least {parent.completed_operations_years} years, as the parent",
    )
    return problems


def _require(problems: list[tuple[str, str]], path: str, holds: bool, message: str) -> None:
    if not holds:
        problems.append((path, message))


_M = TypeVar("_M")


def _minimum_kept(
    problems: list[tuple[str, str]],
    path: str,
    ours: _M | None,
    theirs: _M | None,
    strength: Callable[[_M], int],
    unit: str = "",
) -> None:
    """A minimum the parent sets (`theirs`; None: none), the child sets too, at least as high
    by `strength` (days count as themselves, a rating by its strength, a size class by its
    order)."""
    if theirs is not None:
        _require(
            problems,
            path,
            ours is not None and strength(ours) >= strength(theirs),
            f"at least {theirs}{unit}, as the parent",
        )


def _compare_line(
    child: LineRequirement,
    parent: LineRequirement,
    path: str,
    problems: list[tuple[str, str]],
) -> None:
    for kind, minimum in parent.limits:
        found = child.minimum(kind)
        _require(
            problems,
            f"{path}.limits.{kind}",
            found is not None and found >= minimum,
            f"at least {minimum}, the parent's minimum",
        )
    flags: list[tuple[str, Callable[[LineRequirement], bool]]] = [
        ("waiver_of_subrogation", lambda line: line.waiver_of_subrogation),
        ("per_project_aggregate", lambda line: line.per_project_aggregate),
        ("any_auto", lambda line: line.any_auto),
        ("follows_form", lambda line: line.follows_form),
    ]
    for name, read in flags:
        _require(
            problems, f"{path}.{name}", read(child) or not read(parent), "the parent requires it"
        )
    _require(
        problems,
        f"{path}.claims_made_allowed",
        parent.claims_made_allowed or not child.claims_made_allowed,
        "the parent accepts occurrence basis only",
    )
    if child.claims_made_allowed:
        _require(
            problems,
            f"{path}.tail_years",
            child.tail_years >= parent.tail_years,
            f"at least {parent.tail_years} years, as the parent",
        )
    missing_states = sorted(set(parent.states) - set(child.states))
    _require(
        problems,
        f"{path}.states",
        not missing_states,
        f"the parent also requires {', '.join(missing_states)}",
    )
    _require(
        problems,
        f"{path}.owners_exclusion_allowed",
        parent.owners_exclusion_allowed or not child.owners_exclusion_allowed,
        "the parent requires owners and officers covered",
    )
    _require(
        problems,
        f"{path}.only_if_employees_on_site",
        parent.only_if_employees_on_site or not child.only_if_employees_on_site,
        "the parent requires this line whether or not employees are on site",
    )


def _forms_at_least_as_strict(
    child: tuple[FormEdition, ...], parent: tuple[FormEdition, ...]
) -> bool:
    """Every form the child accepts must be accepted by the parent (empty = any form)."""
    if not parent:
        return True
    if not child:
        return False
    for form in child:
        if form.edition is None:
            # Any edition of this form: the parent must accept every edition of it too.
            if not any(p.form == form.form and p.edition is None for p in parent):
                return False
        elif not any(p.accepts(form.form, form.edition) for p in parent):
            return False
    return True


def _compare_additional_insured(
    child: AdditionalInsuredRequirement,
    parent: AdditionalInsuredRequirement,
    problems: list[tuple[str, str]],
) -> None:
    path = "additional_insured"
    _require(
        problems, f"{path}.ongoing", child.ongoing or not parent.ongoing, "the parent requires it"
    )
    _require(
        problems,
        f"{path}.completed",
        child.completed or not parent.completed,
        "the parent requires it",
    )
    if parent.required:
        missing_lines = [line for line in parent.lines if line not in child.lines]
        _require(
            problems,
            f"{path}.lines",
            not missing_lines,
            f"the parent also requires {', '.join(missing_lines)}",
        )
    _require(
        problems,
        f"{path}.blanket_allowed",
        parent.blanket_allowed or not child.blanket_allowed,
        "the parent accepts named additional insureds only",
    )
    child_parties = {normalise_entity_name(party) for party in child.parties}
    missing = [p for p in parent.parties if normalise_entity_name(p) not in child_parties]
    _require(
        problems, f"{path}.parties", not missing, f"the parent also requires {', '.join(missing)}"
    )
    _require(
        problems,
        f"{path}.accepted_forms.ongoing",
        _forms_at_least_as_strict(child.ongoing_forms, parent.ongoing_forms),
        "accepts a form or edition the parent does not",
    )
    _require(
        problems,
        f"{path}.accepted_forms.completed",
        _forms_at_least_as_strict(child.completed_forms, parent.completed_forms),
        "accepts a form or edition the parent does not",
    )
    not_refused = [str(form) for form in parent.refused_forms if form not in child.refused_forms]
    _require(
        problems,
        f"{path}.refused_forms",
        not not_refused,
        f"the parent also refuses {', '.join(not_refused)}",
    )
    theirs = dict(parent.equivalent_forms)
    extra = [carrier for carrier, iso in child.equivalent_forms if theirs.get(carrier) != iso]
    _require(
        problems,
        f"{path}.equivalent_forms",
        not extra,
        f"the parent does not accept {', '.join(extra)} as equivalent",
    )


def _compare_insurer(
    child: RequirementSet, parent: RequirementSet, problems: list[tuple[str, str]]
) -> None:
    theirs, ours = parent.insurer, child.insurer
    _minimum_kept(
        problems,
        "insurer.minimum_rating",
        ours.minimum_rating,
        theirs.minimum_rating,
        rating_strength,
    )
    _minimum_kept(
        problems,
        "insurer.minimum_size_class",
        ours.minimum_size_class,
        theirs.minimum_size_class,
        size_order,
    )
    _require(
        problems,
        "insurer.naic_required",
        ours.naic_required or not theirs.naic_required,
        "the parent requires a NAIC number",
    )
    _require(
        problems,
        "insurer.surplus_lines_allowed",
        theirs.surplus_lines_allowed or not ours.surplus_lines_allowed,
        "the parent refuses surplus-lines insurers",
    )
