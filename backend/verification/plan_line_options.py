"""The checks of a line's term beyond its dates, number, insurer and limits: occurrence basis
(claims-made retro date and tail), the endorsements on the line (waiver of subrogation,
per-project aggregate), and the checks of one line only (any auto, follows form, workers'
compensation statutory limits and states). The usual outcome is written into the plan; the
rarer paths call coverage.py.
"""

from __future__ import annotations

from backend.requirements.model import LineRequirement, RequirementSet
from backend.requirements.vocabulary import FOLLOW_FORM_UNDERLYING, WORKERS_COMPENSATION
from backend.verification.checks import PLAIN_SPECS
from backend.verification.coverage import FOLLOWS_FORM_EXPECTED
from backend.verification.plan_source import FAILED, PASSED, UNKNOWN_, Source, check, spec
from backend.verification.record import PER_PROJECT_AGGREGATE, WAIVER_OF_SUBROGATION


def add_option_checks(
    src: Source, requirements: RequirementSet, requirement: LineRequirement, prefix: str
) -> None:
    """Basis, endorsements on the line, and the checks of one line only."""
    line = requirement.line
    on_file = requirements.endorsements_on_file
    basis_code = f"{prefix}_OCCURRENCE_BASIS"
    if basis_code in PLAIN_SPECS:  # general liability and umbrella
        claims_made = requirement.claims_made_allowed
        expected = "occurrence or claims-made" if claims_made else "occurrence"
        src.add("basis = term.basis")
        with src.block("if basis == 'occurrence':"):  # the usual case, judged without a call
            src.add(
                check(basis_code, PASSED, line, repr(expected), "basis", "evidence.get('basis')")
            )
        with src.block("else:"):
            retro, tail = spec(f"{prefix}_RETRO_DATE"), spec(f"{prefix}_TAIL")
            specs = f"({spec(basis_code)}, {retro}, {tail})"
            src.add(
                f"check_basis(append, {line!r}, {specs}, {claims_made!r}, "
                f"{requirement.tail_years!r}, term, gap_window_start)"
            )
    if requirement.waiver_of_subrogation:
        src.add(
            "outcome, found, endorsement_evidence = endorsement_outcome("
            f"record, {WAIVER_OF_SUBROGATION!r}, {line!r}, coverage_day, {on_file!r})"
        )
        src.add(
            check(
                f"{prefix}_WAIVER_OF_SUBROGATION",
                "outcome",
                line,
                "True",
                "found",
                "endorsement_evidence",
            )
        )
    if requirement.per_project_aggregate:
        src.add(
            "outcome, found, endorsement_evidence = endorsement_outcome("
            f"record, {PER_PROJECT_AGGREGATE!r}, {line!r}, coverage_day, {on_file!r})"
        )
        with src.block(f"if outcome == {FAILED} and term.aggregate_applies_per is not None:"):
            src.add("found = f'per {term.aggregate_applies_per}'")
            src.add("endorsement_evidence = evidence.get('aggregate_applies_per')")
        src.add(
            check(
                "GL_PER_PROJECT_AGGREGATE",
                "outcome",
                line,
                "'per project'",
                "found",
                "endorsement_evidence",
            )
        )
    if requirement.any_auto:
        src.add("autos = term.covered_autos")
        src.add(
            check(
                "AUTO_ANY_AUTO",
                f"{UNKNOWN_} if not autos else {PASSED} if 'any_auto' in autos else {FAILED}",
                line,
                "'any_auto'",
                "list(autos) if autos else None",
                "evidence.get('covered_autos')",
            )
        )
    if requirement.follows_form:
        src.add("follows = term.follows_form", "over = term.follows_form_over")
        over_all = " and ".join(f"{underlying!r} in over" for underlying in FOLLOW_FORM_UNDERLYING)
        # The usual case, a pass, written out; anything else goes to check_follows_form.
        with src.block(f"if follows and (over is None or ({over_all})):"):
            src.add(
                check(
                    "UMB_FOLLOWS_FORM",
                    PASSED,
                    line,
                    repr(FOLLOWS_FORM_EXPECTED),
                    "follows",
                    "evidence.get('follows_form')",
                )
            )
        with src.block("else:"):
            src.add(f"check_follows_form(append, {spec('UMB_FOLLOWS_FORM')}, {line!r}, term)")
    if line == WORKERS_COMPENSATION:
        src.add("statutory = term.statutory")
        src.add(
            check(
                "WC_STATUTORY",
                f"{UNKNOWN_} if statutory is None else {PASSED} if statutory else {FAILED}",
                line,
                "True",
                "statutory",
                "evidence.get('statutory')",
            )
        )
        if requirement.states:
            src.add(
                f"check_wc_states(append, {spec('WC_STATES')}, {line!r}, "
                f"{requirement.states!r}, context.state, term)"
            )
            return
        # No states of the set's own: the project's state alone, when it has one.
        src.add("state = context.state")
        with src.block("if state is not None:"):
            src.add("covered = term.wc_states")
            src.add(
                check(
                    "WC_STATES",
                    f"{UNKNOWN_} if covered is None"
                    f" else {PASSED} if state in covered else {FAILED}",
                    line,
                    "[state]",
                    "None if covered is None else sorted(covered)",
                    "evidence.get('wc_states')",
                )
            )
