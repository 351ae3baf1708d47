"""Plans: a requirement set compiled once into the function that makes its checks.

A verification is a requirement set applied to a record. The set decides which checks exist and
holds their minimums and severities; a GC's whole portfolio shares a handful of sets. So each set
is turned, once, into Python source with those decisions taken and its constants written in
(plan_lines, plan_endorsements), and compiled like a regular expression. The plan reads nothing
but the set: every record, context, date and waiver is judged afresh on every call, and nothing
derived from them is kept.

Plans are cached by the set itself (immutable and hashable; equal sets share a plan, and an
edited set, a new version, is a different key), with a faster look-up by identity for the same
set object passed again. Sets have no weak references, so both caches are bounded instead: the
oldest entry goes when one is full.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, TypeVar

from backend.requirements.model import RequirementSet
from backend.verification import coverage, endorsements
from backend.verification.checks import Check
from backend.verification.context import VerificationContext
from backend.verification.entity_keys import entity_key, same_name
from backend.verification.plan_endorsements import add_endorsement_checks
from backend.verification.plan_lines import add_holder_check, add_line_checks
from backend.verification.plan_source import Source
from backend.verification.record import RecordAsOf

MakeChecks = Callable[[RecordAsOf, VerificationContext, date], list[Check]]

CACHE_SIZE: Final = 128

# What a plan's source may call, besides the constants it names itself.
_RUNTIME: Final[dict[str, object]] = {
    "Check": Check,
    "new": tuple.__new__,
    "timedelta": timedelta,
    "entity_key": entity_key,
    "same_name": same_name,
    "several_terms": coverage.several_terms,
    "latest_expiration": coverage.latest_expiration,
    "split_limits_floor": coverage.split_limits_floor,
    "check_basis": coverage.check_basis,
    "check_follows_form": coverage.check_follows_form,
    "check_wc_states": coverage.check_wc_states,
    "endorsement_outcome": endorsements.endorsement_outcome,
    "required_parties": endorsements.required_parties,
    "additional_insured_presence": endorsements.additional_insured_presence,
    "check_forms": endorsements.check_forms,
    "check_parties": endorsements.check_parties,
    "check_notice": endorsements.check_notice,
    "check_red_flags": endorsements.check_red_flags,
}


@dataclass(frozen=True, slots=True)
class Plan:
    """`checks(record, context, on)` lists every check of the set, in verdict order, unwaived.
    `source` is the compiled function's text, for reading and debugging."""

    requirement_set: tuple[str, int]
    source: str
    checks: MakeChecks


def prepare_plan(requirements: RequirementSet) -> Plan:
    """Compile the plan of `requirements` (uncached; `plan_for` caches)."""
    src = Source()
    src.add(
        "checks = []",
        "append = checks.append",
        "work_start = context.work_start",
        # Coverage is judged on the verdict date, or the sub's work start when that is later.
        "coverage_day = work_start if work_start is not None and work_start > on else on",
        "gap_window_start = work_start or context.project_start",
        "project_end = context.project_end",
        "needed_until = None if project_end is None"
        " else project_end + timedelta(context.closeout_days)",
        "window_end = on + timedelta(context.expiring_window_days)",
        "ratings_by_naic = context.insurer_ratings.by_naic",
        "employees_on_site = context.employees_on_site",
        "terms_by_line = record.terms_by_line",
    )
    for requirement in requirements.lines:
        add_line_checks(src, requirements, requirement)
    add_holder_check(src, requirements)
    add_endorsement_checks(src, requirements)
    src.add("return checks")
    name = f"{requirements.name} v{requirements.version}"
    source = f"def checks(record, context, on):\n    {f'Checks of {name}.'!r}\n" + src.text()
    namespace = {**_RUNTIME, **src.constants}
    exec(compile(source, f"<plan of {name}>", "exec"), namespace)  # noqa: S102 - our own source
    make_checks = namespace["checks"]
    assert callable(make_checks)
    return Plan((requirements.name, requirements.version), source, make_checks)


_K = TypeVar("_K")
_V = TypeVar("_V")
_by_identity: dict[int, tuple[RequirementSet, Plan]] = {}
_by_value: dict[RequirementSet, Plan] = {}
_lock = threading.Lock()


def plan_for(requirements: RequirementSet) -> Plan:
    """The plan of `requirements`, prepared on first use."""
    # The identity entry holds the set itself, so its id cannot be reused while it is cached.
    entry = _by_identity.get(id(requirements))
    if entry is not None and entry[0] is requirements:
        return entry[1]
    with _lock:
        plan = _by_value.get(requirements)
        if plan is None:
            plan = prepare_plan(requirements)
            _remember(_by_value, requirements, plan)
        _remember(_by_identity, id(requirements), (requirements, plan))
    return plan


def _remember(cache: dict[_K, _V], key: _K, value: _V) -> None:
    if len(cache) >= CACHE_SIZE:
        del cache[next(iter(cache))]  # dicts keep insertion order: the oldest goes
    cache[key] = value


def forget_plans() -> None:
    """Drop every cached plan (tests use it to prepare plans afresh)."""
    with _lock:
        _by_identity.clear()
        _by_value.clear()
