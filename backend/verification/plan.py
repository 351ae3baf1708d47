"""Plans: a requirement set prepared once into what its checks need.

A verification is a requirement set applied to a record. The set decides which checks exist and
holds their minimums and severities; a GC's whole portfolio shares a handful of sets. So each set
is turned, once, into a plan: for each line its specs (severities decided), minimums and rating
floor (plan_lines, plan_line_options), and for the record its holder, additional-insured forms
and parties (plan_endorsements), like a regular expression compiled once. The plan reads nothing
but the set: every record, context, date and waiver is judged afresh on every call, and nothing
derived from them is kept.

Plans are cached by the set itself (immutable and hashable; equal sets share a plan, and an
edited set, a new version, is a different key), with a faster look-up by identity for the same
set object passed again. Sets have no weak references, so both caches are bounded instead: the
oldest entry goes when one is full.
"""

from __future__ import annotations

import dataclasses
import threading
from datetime import date, timedelta
from typing import Final, TypeVar, final

from backend.requirements.model import AdditionalInsuredRequirement, RequirementSet
from backend.requirements.vocabulary import GENERAL_LIABILITY
from backend.verification.checks import Check
from backend.verification.context import VerificationContext
from backend.verification.plan_endorsements import RecordPlan, run_endorsements, run_holder
from backend.verification.plan_lines import LinePlan, run_line
from backend.verification.plan_run import Run
from backend.verification.record import RecordAsOf

CACHE_SIZE: Final = 128


@final
class Plan:
    """`checks(record, context, on)` lists every check of the set, in verdict order, unwaived."""

    def __init__(self, requirements: RequirementSet, *, phase: bool = False) -> None:
        self.requirement_set: Final = (requirements.name, requirements.version)
        self.lines: Final = [
            LinePlan(requirements, requirement) for requirement in requirements.lines
        ]
        self.record: Final = RecordPlan(requirements)
        self.phase: Final = phase
        years = requirements.completed_operations_years
        self.phase_days: Final = round(years * DAYS_PER_YEAR)
        phase_set = None if phase or not years else completed_operations_set(requirements)
        self.completed_phase: Final = None if phase_set is None else Plan(phase_set, phase=True)

    def checks(self, record: RecordAsOf, context: VerificationContext, on: date) -> list[Check]:
        phase_plan = self.completed_phase
        if phase_plan is not None and context.project_end is not None:
            closed = context.project_end + timedelta(context.closeout_days)
            if closed < on <= closed + timedelta(self.phase_days):
                return phase_plan.checks(record, context, on)
        run = Run(record, context, on, completed_phase=self.phase)
        employees_on_site = context.employees_on_site
        for line in self.lines:
            if employees_on_site or not line.only_with_employees:
                run_line(line, run)
        run_holder(self.record, run)
        run_endorsements(self.record, run)
        return run.checks


# Years of the completed-operations phase are counted in days of the average year.
DAYS_PER_YEAR: Final = 365.25
ONGOING: Final = "ongoing"
COMPLETED_OPERATIONS: Final = "completed_operations"
# After the completed-operations phase the engagement asks nothing more of the sub.
FINISHED: Final = "finished"
PHASES: Final = (ONGOING, COMPLETED_OPERATIONS, FINISHED)


def completed_operations_until(
    requirements: RequirementSet, project_end: date | None, closeout_days: int
) -> date | None:
    """The last day of the engagement's completed-operations phase (project end plus close-out
    plus the set's years), or None when the set names no years, does not require general
    liability, or the project's end is unknown. The engine judges the phase by the same days
    (`Plan.checks`)."""
    years = requirements.completed_operations_years
    if not years or project_end is None or requirements.line(GENERAL_LIABILITY) is None:
        return None
    closed = project_end + timedelta(closeout_days)
    return closed + timedelta(round(years * DAYS_PER_YEAR))


def phase_on(
    requirements: RequirementSet, project_end: date | None, closeout_days: int, on: date
) -> str:
    """The engagement's phase on day `on`: ongoing work (up to project end plus close-out),
    completed operations (for the set's years after that), or finished."""
    until = completed_operations_until(requirements, project_end, closeout_days)
    if until is None or project_end is None:
        return ONGOING
    if on <= project_end + timedelta(closeout_days):
        return ONGOING
    return COMPLETED_OPERATIONS if on <= until else FINISHED


def completed_operations_set(requirements: RequirementSet) -> RequirementSet | None:
    """What a set still asks once the work is done and closed out, during its completed-
    operations phase: general liability in force with its products-completed operations
    aggregate, and completed-operations AI for the same parties on general liability; None
    when the set does not require general liability."""
    gl = requirements.line(GENERAL_LIABILITY)
    if gl is None:
        return None
    kept = tuple(
        (kind, amount)
        for kind, amount in gl.limits
        if kind == "products_completed_operations_aggregate"
    )
    ai = requirements.additional_insured
    return dataclasses.replace(
        requirements,
        lines=(
            dataclasses.replace(
                gl, limits=kept, waiver_of_subrogation=False, per_project_aggregate=False
            ),
        ),
        additional_insured=AdditionalInsuredRequirement(
            ongoing=False,
            completed=ai.completed,
            lines=(GENERAL_LIABILITY,),
            blanket_allowed=ai.blanket_allowed,
            parties=ai.parties,
            completed_forms=ai.completed_forms,
            refused_forms=ai.refused_forms,
            equivalent_forms=ai.equivalent_forms,
        ),
        primary_noncontributory=False,
        coverage_through_closeout="off",
        combined_limits=requirements.combined_limits,
        completed_operations_years=0,
    )


def prepare_plan(requirements: RequirementSet) -> Plan:
    """The plan of `requirements` (uncached; `plan_for` caches)."""
    return Plan(requirements)


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
