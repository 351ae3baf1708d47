"""The checks of a line's term beyond its dates, number, insurer and limits: occurrence basis
(claims-made retro date and tail), the endorsements on the line (waiver of subrogation,
per-project aggregate), and the checks of one line only (any auto, follows form, workers'
compensation statutory limits and states). The usual outcome is judged here; the rarer paths
call coverage.py.
"""

from __future__ import annotations

from typing import Final, final

from backend.requirements.model import LineRequirement, RequirementSet
from backend.requirements.vocabulary import (
    FOLLOW_FORM_UNDERLYING,
    GENERAL_LIABILITY,
    MONOPOLISTIC_STATES,
    WORKERS_COMPENSATION,
)
from backend.verification.checks import FAIL, PASS, SPECS, UNKNOWN, WARNING
from backend.verification.coverage import (
    FOLLOWS_FORM_EXPECTED,
    check_basis,
    check_follows_form,
    check_wc_states,
)
from backend.verification.description import state_fund
from backend.verification.endorsements import endorsement_outcome
from backend.verification.plan_run import Run, lookup
from backend.verification.record import (
    PER_PROJECT_AGGREGATE,
    STOP_GAP,
    WAIVER_OF_SUBROGATION,
    Term,
)

_FOLLOW_FORM_SET: Final = frozenset(FOLLOW_FORM_UNDERLYING)
# Owned (symbol 2), hired (8) and non-owned (9) autos together leave no auto the sub could be
# liable for uncovered: every vehicle is owned by it, hired or borrowed by it, or neither. Reviewers
# and subcontract forms ("all owned, hired and non-owned autos") take the three as "any auto".
ANY_AUTO_EQUIVALENT: Final = frozenset(("owned", "hired", "non_owned"))
EL_ON_WC_POLICY: Final = "employer's liability limits on the WC policy, no stop-gap endorsement"


@final
class LineOptions:
    """Which of these checks the set asks of a line; None for those it does not."""

    def __init__(
        self, requirements: RequirementSet, requirement: LineRequirement, prefix: str
    ) -> None:
        line = requirement.line
        self.line: Final = line
        self.on_file: Final = requirements.endorsements_on_file
        basis_code = f"{prefix}_OCCURRENCE_BASIS"
        has_basis = basis_code in SPECS  # general liability and umbrella
        claims_made = requirement.claims_made_allowed
        self.basis: Final = SPECS[basis_code] if has_basis else None
        self.basis_specs: Final = (
            (SPECS[basis_code], SPECS[f"{prefix}_RETRO_DATE"], SPECS[f"{prefix}_TAIL"])
            if has_basis
            else None
        )
        self.basis_expected: Final = "occurrence or claims-made" if claims_made else "occurrence"
        self.claims_made_allowed: Final = claims_made
        self.tail_years: Final = requirement.tail_years
        self.waiver_of_subrogation: Final = (
            SPECS[f"{prefix}_WAIVER_OF_SUBROGATION"] if requirement.waiver_of_subrogation else None
        )
        self.per_project_aggregate: Final = (
            SPECS["GL_PER_PROJECT_AGGREGATE"] if requirement.per_project_aggregate else None
        )
        self.any_auto: Final = SPECS["AUTO_ANY_AUTO"] if requirement.any_auto else None
        self.follows_form: Final = SPECS["UMB_FOLLOWS_FORM"] if requirement.follows_form else None
        is_wc = line == WORKERS_COMPENSATION
        self.statutory: Final = SPECS["WC_STATUTORY"] if is_wc else None
        self.wc_states: Final = SPECS["WC_STATES"]
        # The set's own states; without them, the project's state alone, when it has one.
        self.states: Final = requirement.states
        self.owners: Final = SPECS["WC_OWNERS_COVERED"] if is_wc else None
        # An unmarked exclusion box is the common case outside the states that make it
        # mandatory: it is shown as unread, without holding the verdict.
        self.owners_unread: Final = SPECS["WC_OWNERS_COVERED"].with_severity(WARNING)
        self.owners_allowed: Final = requirement.owners_exclusion_allowed
        self.stop_gap: Final = SPECS["WC_STOP_GAP_EL"] if is_wc else None


def run_options(options: LineOptions, run: Run, term: Term, insurer_name: str | None) -> None:
    """Basis, endorsements on the line, and the checks of one line only."""
    line = options.line
    out = run.checks
    evidence = term.evidence
    basis_spec = options.basis
    basis_specs = options.basis_specs
    if basis_spec is not None and basis_specs is not None:
        basis = term.basis
        if basis == "occurrence":  # the usual case, judged without a call
            expected = options.basis_expected
            out.append(basis_spec.make(PASS, line, expected, basis, lookup(evidence, "basis")))
        else:
            check_basis(
                out,
                line,
                basis_specs,
                options.claims_made_allowed,
                options.tail_years,
                term,
                run.retro_needed_by,
                run.completed_phase,
            )
    spec = options.waiver_of_subrogation
    if spec is not None:
        outcome, found, found_evidence = endorsement_outcome(
            run.record, WAIVER_OF_SUBROGATION, line, run.coverage_day, options.on_file
        )
        out.append(spec.make(outcome, line, True, found, found_evidence))
    spec = options.per_project_aggregate
    if spec is not None:
        outcome, found, found_evidence = endorsement_outcome(
            run.record, PER_PROJECT_AGGREGATE, line, run.coverage_day, options.on_file
        )
        applies_per = term.aggregate_applies_per
        if outcome == FAIL and applies_per is not None:
            found = f"per {applies_per}"
            found_evidence = lookup(evidence, "aggregate_applies_per")
        out.append(spec.make(outcome, line, "per project", found, found_evidence))
    spec = options.any_auto
    if spec is not None:
        autos = term.covered_autos
        if not autos:
            out.append(
                spec.make(UNKNOWN, line, "any_auto", None, lookup(evidence, "covered_autos"))
            )
        else:
            covers_any = "any_auto" in autos or ANY_AUTO_EQUIVALENT.issubset(autos)
            outcome = PASS if covers_any else FAIL
            found_autos = list(autos)
            out.append(
                spec.make(outcome, line, "any_auto", found_autos, lookup(evidence, "covered_autos"))
            )
    spec = options.follows_form
    if spec is not None:
        follows = term.follows_form
        over = term.follows_form_over
        # The usual case, a pass, judged here; anything else goes to check_follows_form.
        if follows and (over is None or _FOLLOW_FORM_SET.issubset(over)):
            out.append(
                spec.make(
                    PASS, line, FOLLOWS_FORM_EXPECTED, follows, lookup(evidence, "follows_form")
                )
            )
        else:
            check_follows_form(out, spec, line, term)
    spec = options.statutory
    if spec is not None:
        statutory = term.statutory
        if statutory is None:
            outcome = UNKNOWN
        else:
            outcome = PASS if statutory else FAIL
        out.append(spec.make(outcome, line, True, statutory, lookup(evidence, "statutory")))
        _run_wc_extras(options, run, term)
        state = run.context.state
        covered = term.wc_states
        if covered is None and insurer_name is not None:
            # A monopolistic state's fund (Ohio BWC, Washington L&I ...) writing the policy
            # covers its own state, as the certificate reader takes it when nothing else is
            # stated: the fund insures WC in that state and nowhere else.
            fund = state_fund(insurer_name)
            if fund is not None:
                covered = (fund,)
        if options.states:
            check_wc_states(out, options.wc_states, line, options.states, state, term, covered)
        elif state is not None:
            if covered is None:
                outcome = UNKNOWN
            else:
                outcome = PASS if state in covered else FAIL
            found_states = None if covered is None else sorted(covered)
            out.append(
                options.wc_states.make(
                    outcome, line, [state], found_states, lookup(evidence, "wc_states")
                )
            )


def _run_wc_extras(options: LineOptions, run: Run, term: Term) -> None:
    """Owners and officers excluded, and the stop-gap employer's liability of a monopolistic
    project state."""
    line = options.line
    out = run.checks
    spec = options.owners
    if spec is not None:
        excluded = term.officers_excluded
        evidence = lookup(term.evidence, "officers_excluded")
        if excluded is None:
            out.append(options.owners_unread.make(UNKNOWN, line, False, None, evidence))
        elif excluded and not options.owners_allowed:
            out.append(spec.make(FAIL, line, False, True, evidence))
        else:
            expected: object = "excluded allowed" if options.owners_allowed else False
            out.append(spec.make(PASS, line, expected, excluded, evidence))
    stop_gap = options.stop_gap
    state = run.context.state
    if stop_gap is not None and state is not None and state in MONOPOLISTIC_STATES:
        # The state fund insures workers' compensation there and carries no employer's
        # liability; the EL must come from a stop-gap endorsement on the general liability
        # policy (DOMAIN.md). EL limits printed on the WC row are not that endorsement: a
        # reviewer still asks for it, so they are shown as what was found, never as a pass.
        outcome, found, found_evidence = endorsement_outcome(
            run.record, STOP_GAP, GENERAL_LIABILITY, run.coverage_day, options.on_file
        )
        if outcome == FAIL:
            for amount in term.limits.values():
                if amount is not None:
                    found = EL_ON_WC_POLICY
                    found_evidence = lookup(term.evidence, "wc_states")
                    break
        out.append(stop_gap.make(outcome, line, state, found, found_evidence))
