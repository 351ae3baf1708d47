"""The finer rules an experienced reviewer applies (DOMAIN.md), one by one: AI forms and
editions, blanket wording, combined limits, "Included", owners excluded, WC states and
monopolistic states, claims-made terms from the description, the completed-operations phase,
the box that contradicts the description, and unreadable dates."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.requirements.model import FormEdition, RequirementSet, parse_form_edition
from backend.requirements.vocabulary import LINE_CODE_PREFIX, MONOPOLISTIC_STATES
from backend.verification.acord_adapter import record_from_acord_json
from backend.verification.checks import FAIL, PASS, UNKNOWN, WAIVED, Waiver
from backend.verification.description import STATE_NAMES, wc_states_from
from backend.verification.engine import verify
from backend.verification.record import (
    AI_COMPLETED,
    AI_ONGOING,
    OTHER,
    SOURCE_CERTIFICATE,
    STOP_GAP,
    Endorsement,
    RecordAsOf,
)
from backend.verification.verdict import COMPLIANT, INCOMPLETE, NON_COMPLIANT
from tests.unit.verification import factories as f
from tests.unit.verification.acord_sample import acord_json
from tests.unit.verification.factories import AUTO, GL, UMB, WC

PARTIES = (f.GC, f.OWNER, f.LENDER)


def _ai_record(*endorsements: Endorsement) -> RecordAsOf:
    record = f.drop_endorsements(
        f.drop_endorsements(f.compliant_record(), AI_ONGOING), AI_COMPLETED
    )
    return dataclasses.replace(record, endorsements=record.endorsements + endorsements)


def _ai(kind: str, form: str, **values: Any) -> Endorsement:
    parsed = parse_form_edition(form)
    values.setdefault("named_parties", PARTIES)
    values.setdefault("blanket", False)
    return Endorsement(kind, (GL, UMB), form_number=parsed.form, edition=parsed.edition, **values)


def _outcome(verdict: Any, code: str, line: str | None = GL) -> str:
    return str(f.find(verdict, code, line).outcome)


# --- AI forms and editions -------------------------------------------------------------------


def test_cg_20_10_11_85_alone_covers_completed_operations() -> None:
    verdict = f.run(_ai_record(_ai(AI_ONGOING, "CG 20 10 11 85")))
    assert _outcome(verdict, "AI_COMPLETED") == PASS
    assert _outcome(verdict, "AI_COMPLETED_FORM") == PASS
    assert _outcome(verdict, "AI_COMPLETED_PARTIES") == PASS
    assert verdict.status == COMPLIANT


@pytest.mark.parametrize("edition", ["10 01", "07 04", "04 13"])
def test_later_cg_20_10_editions_need_cg_20_37(edition: str) -> None:
    verdict = f.run(_ai_record(_ai(AI_ONGOING, f"CG 20 10 {edition}")))
    check = f.find(verdict, "AI_COMPLETED", GL)
    assert check.outcome == FAIL
    assert f"CG 20 10 {edition}" in check.message and "ongoing operations only" in check.message
    assert "Ask your broker for CG 20 37" in check.message
    assert verdict.status == NON_COMPLIANT


def test_cg_20_37_any_edition_beside_cg_20_10() -> None:
    for edition in ("10 01", "07 04", "04 13"):
        record = _ai_record(
            _ai(AI_ONGOING, "CG 20 10 04 13"), _ai(AI_COMPLETED, f"CG 20 37 {edition}")
        )
        assert f.run(record).status == COMPLIANT


def test_a_refused_edition_fails_the_form_check() -> None:
    ai = dataclasses.replace(
        f.requirements().additional_insured, refused_forms=(FormEdition("CG 20 10", "11 85"),)
    )
    verdict = f.run(
        _ai_record(_ai(AI_ONGOING, "CG 20 10 11 85")), f.requirements(additional_insured=ai)
    )
    assert _outcome(verdict, "AI_ONGOING_FORM") == FAIL
    assert _outcome(verdict, "AI_COMPLETED_FORM") == FAIL
    assert verdict.status == NON_COMPLIANT


def test_a_set_listing_only_a_cg_20_37_edition_does_not_take_11_85_for_it() -> None:
    ai = dataclasses.replace(
        f.requirements().additional_insured, completed_forms=(FormEdition("CG 20 37", "04 13"),)
    )
    verdict = f.run(
        _ai_record(_ai(AI_ONGOING, "CG 20 10 11 85")), f.requirements(additional_insured=ai)
    )
    assert _outcome(verdict, "AI_COMPLETED") == PASS
    assert _outcome(verdict, "AI_COMPLETED_FORM") == FAIL


def test_a_carrier_form_declared_equivalent_counts_as_that_form() -> None:
    carrier = Endorsement(
        OTHER, (GL, UMB), form_number="XYZ AI-204", edition=None, named_parties=PARTIES
    )
    base = f.requirements().additional_insured
    record = _ai_record(_ai(AI_ONGOING, "CG 20 10 04 13"), carrier)
    assert _outcome(f.run(record), "AI_COMPLETED") == FAIL  # not declared: unknown form
    declared = dataclasses.replace(
        base, equivalent_forms=(("xyz ai 204", FormEdition("CG 20 37")),)
    )
    verdict = f.run(record, f.requirements(additional_insured=declared))
    assert _outcome(verdict, "AI_COMPLETED") == PASS
    assert _outcome(verdict, "AI_COMPLETED_FORM") == PASS
    assert verdict.status == COMPLIANT


def test_cg_20_33_reaches_the_direct_party_only() -> None:
    record = _ai_record(
        _ai(AI_ONGOING, "CG 20 33 04 13", named_parties=(), blanket=True),
        _ai(AI_COMPLETED, "CG 20 37 04 13"),
    )
    check = f.find(f.run(record), "AI_ONGOING_PARTIES", GL)
    assert check.outcome == FAIL
    assert isinstance(check.found, dict)
    assert check.found["not_covered"] == [f.OWNER, f.LENDER]
    assert "reaches only the party you contract with directly" in check.message
    chain = _ai_record(
        _ai(AI_ONGOING, "CG 20 38 04 13", named_parties=(), blanket=True),
        _ai(AI_COMPLETED, "CG 20 37 04 13"),
    )
    assert _outcome(f.run(chain), "AI_ONGOING_PARTIES") == PASS


# --- blanket wording -------------------------------------------------------------------------

_BLANKET = (
    "Blanket additional insured per CG 20 38 04 13 and CG 20 37 04 13 when required by written "
    "contract; primary and non-contributory; waiver of subrogation; 30 days notice of "
    "cancellation; stop gap employers liability for Ohio."
)


def _certificate(description: str, **coverage_changes: Any) -> dict[str, Any]:
    document = acord_json(description_of_operations=description)
    document["coverages"][0].update(coverage_changes)
    return document


def test_blanket_wording_with_cited_forms_is_no_red_flag() -> None:
    record = record_from_acord_json(_certificate(_BLANKET))
    verdict = verify(f.requirements(), record, f.context(), f.ON)
    assert _outcome(verdict, "RED_FLAG_CONDITIONAL_WORDING", None) == PASS
    assert verdict.status == INCOMPLETE  # the endorsements are claimed, not on file
    lenient = f.requirements(endorsements_on_file=False)
    assert _outcome(verify(lenient, record, f.context(), f.ON), "AI_COMPLETED_PARTIES") == PASS


def test_conditional_wording_without_endorsement_evidence_stays_a_red_flag() -> None:
    record = record_from_acord_json(
        _certificate("Owner is additional insured if required by written contract.")
    )
    verdict = verify(f.requirements(), record, f.context(), f.ON)
    assert _outcome(verdict, "RED_FLAG_CONDITIONAL_WORDING", None) == FAIL
    assert verdict.status == NON_COMPLIANT


# --- box against description -----------------------------------------------------------------


def test_an_unmarked_box_against_the_description_is_a_warning_asking_for_the_endorsement() -> None:
    record = record_from_acord_json(
        _certificate("The certificate holder is an additional insured.", additional_insured=False)
    )
    verdict = verify(f.requirements(), record, f.context(), f.ON)
    check = f.find(verdict, "AI_BOX_VS_DESCRIPTION", GL)
    assert (check.outcome, check.severity) == (FAIL, "warning")
    assert "Ask your broker for the additional insured endorsement" in check.message
    # The description's words are a claim: unknown, not "no such endorsement".
    assert _outcome(verdict, "AI_ONGOING") == UNKNOWN
    marked = record_from_acord_json(
        _certificate("The certificate holder is an additional insured.")
    )
    assert (
        _outcome(verify(f.requirements(), marked, f.context(), f.ON), "AI_BOX_VS_DESCRIPTION")
        == PASS
    )


# --- unreadable dates ------------------------------------------------------------------------


def test_unreadable_gl_dates_leave_endorsement_checks_unknown_not_failed() -> None:
    record = record_from_acord_json(_certificate(_BLANKET, effective=None, expiration=None))
    verdict = verify(f.requirements(), record, f.context(), f.ON)
    assert _outcome(verdict, "GL_PRESENT") == UNKNOWN
    assert _outcome(verdict, "PRIMARY_NONCONTRIBUTORY") == UNKNOWN
    # AI on the unread line waits for its dates; nothing about it fails.
    assert not [c for c in verdict.checks if c.line == GL and c.outcome == FAIL]
    lenient = f.requirements(endorsements_on_file=False)
    on_claims = verify(lenient, record, f.context(), f.ON)
    assert _outcome(on_claims, "PRIMARY_NONCONTRIBUTORY") == PASS
    assert on_claims.status == INCOMPLETE


# --- combined limits -------------------------------------------------------------------------


def _combined(**changes: Any) -> RequirementSet:
    return f.requirements(combined_limits=True, **changes)


def _short_gl(record: RecordAsOf | None = None) -> RecordAsOf:
    short = {**f.GL_LIMITS, "each_occurrence": 1_000_000, "general_aggregate": 2_000_000,
             "products_completed_operations_aggregate": 2_000_000}  # fmt: skip
    return f.replace_term(record or f.compliant_record(), GL, limits=short)


def test_a_follow_form_umbrella_makes_up_a_primary_shortfall() -> None:
    verdict = f.run(_short_gl(), _combined())
    check = f.find(verdict, "GL_EACH_OCCURRENCE_MIN", GL)
    assert check.outcome == PASS
    assert check.found == {"primary": 1_000_000, "umbrella": 10_000_000, "total": 11_000_000}
    assert "primary $1,000,000 + umbrella $10,000,000 = $11,000,000" in check.message
    assert verdict.status == COMPLIANT
    assert f.run(_short_gl()).status == NON_COMPLIANT  # the option off


def test_an_umbrella_counts_only_when_it_follows_form_over_the_line() -> None:
    unstated = f.replace_term(_short_gl(), UMB, follows_form=None, follows_form_over=None)
    check = f.find(f.run(unstated, _combined()), "GL_EACH_OCCURRENCE_MIN", GL)
    assert check.outcome == UNKNOWN and "does not say" in check.message
    not_over_gl = f.replace_term(_short_gl(), UMB, follows_form_over=(AUTO, "employers_liability"))
    assert _outcome(f.run(not_over_gl, _combined()), "GL_EACH_OCCURRENCE_MIN") == FAIL
    ends_early = f.replace_term(_short_gl(), UMB, expiration=date(2026, 12, 31))
    check = f.find(f.run(ends_early, _combined()), "GL_EACH_OCCURRENCE_MIN", GL)
    assert check.outcome == FAIL and "umbrella ends 2026-12-31" in check.message


def test_combined_limits_reach_auto_and_employers_liability() -> None:
    record = f.replace_term(
        f.compliant_record(), AUTO, limits={**f.AUTO_LIMITS, "combined_single_limit": 500_000}
    )
    record = f.replace_term(record, WC, limits={**f.WC_LIMITS, "el_each_accident": 500_000})
    verdict = f.run(record, _combined())
    assert _outcome(verdict, "AUTO_COMBINED_SINGLE_LIMIT_MIN", AUTO) == PASS
    assert _outcome(verdict, "WC_EL_EACH_ACCIDENT_MIN", WC) == PASS


@given(
    primary=st.integers(0, 3_000_000),
    umbrella=st.integers(0, 3_000_000),
    minimum=st.integers(1, 5_000_000),
    follows=st.sampled_from([True, False, None]),
)
def test_combined_outcome_is_the_arithmetic(
    primary: int, umbrella: int, minimum: int, follows: bool | None
) -> None:
    record = f.replace_term(
        f.compliant_record(), GL, limits={**f.GL_LIMITS, "each_occurrence": primary}
    )
    record = f.replace_term(
        record, UMB, limits={**f.UMB_LIMITS, "each_occurrence": umbrella}, follows_form=follows,
        follows_form_over=None,
    )  # fmt: skip
    gl = dataclasses.replace(f.requirements().lines[0], limits=(("each_occurrence", minimum),))
    requirements = _combined(lines=(gl, *f.requirements().lines[1:]))
    outcome = _outcome(f.run(record, requirements), "GL_EACH_OCCURRENCE_MIN")
    if primary >= minimum:
        assert outcome == PASS
    elif primary + umbrella < minimum or follows is False:
        assert outcome == FAIL
    else:
        assert outcome == (PASS if follows else UNKNOWN)


# --- "Included" and split limits -------------------------------------------------------------


def test_included_is_judged_through_the_limit_it_sits_in() -> None:
    document = acord_json()
    document["coverages"][0]["limits"]["products_completed_operations_aggregate"] = "Included"
    record = record_from_acord_json(document)
    check = f.find(verify(f.requirements(), record, f.context(), f.ON),
                   "GL_PRODUCTS_COMPLETED_OPERATIONS_AGGREGATE_MIN", GL)  # fmt: skip
    assert check.outcome == PASS
    assert check.found == {"included_in": "general_aggregate", "amount": 4_000_000}
    assert "shown as Included, within the general aggregate of $4,000,000" in check.message
    assert "not shown" not in check.message


def test_split_auto_limits_are_described_as_split() -> None:
    split = {"combined_single_limit": None, "bodily_injury_per_person": 500_000,
             "bodily_injury_per_accident": 1_000_000, "property_damage": 250_000}  # fmt: skip
    record = f.replace_term(f.compliant_record(), AUTO, limits=split)
    check = f.find(f.run(record), "AUTO_COMBINED_SINGLE_LIMIT_MIN", AUTO)
    assert check.outcome == FAIL
    assert "split limits" in check.message and "$500,000 per person" in check.message
    assert "combined single limit is $" not in check.message


# --- in force ---------------------------------------------------------------------------------


def test_a_policy_not_yet_started_is_explained_as_such() -> None:
    record = f.replace_term(
        f.compliant_record(), GL, effective=date(2027, 1, 1), expiration=date(2028, 1, 1)
    )
    check = f.find(f.run(record, ctx=f.context(work_start=date(2026, 4, 1))), "GL_IN_FORCE", GL)
    assert check.outcome == FAIL
    assert "has not started yet" in check.message and "2027-01-01" in check.message


# --- workers' compensation --------------------------------------------------------------------


def test_owners_excluded_fails_unless_allowed_or_waived() -> None:
    record = f.replace_term(f.compliant_record(), WC, officers_excluded=True)
    assert _outcome(f.run(record), "WC_OWNERS_COVERED", WC) == FAIL
    wc = dataclasses.replace(f.requirements().lines[3], owners_exclusion_allowed=True)
    allowed = f.requirements(lines=(*f.requirements().lines[:3], wc))
    assert _outcome(f.run(record, allowed), "WC_OWNERS_COVERED", WC) == PASS
    waiver = Waiver("WC_OWNERS_COVERED", WC, "sole proprietor", date(2027, 6, 1), "gc@example.com")
    waived = verify(f.requirements(), record, f.context(), f.ON, [waiver])
    assert _outcome(waived, "WC_OWNERS_COVERED", WC) == WAIVED
    assert waived.status == COMPLIANT


def test_owners_excluded_read_from_the_certificate() -> None:
    document = acord_json()
    document["coverages"][3]["officers_excluded"] = True
    record = record_from_acord_json(document)
    assert (
        _outcome(verify(f.requirements(), record, f.context(), f.ON), "WC_OWNERS_COVERED", WC)
        == FAIL
    )


@pytest.mark.parametrize(
    ("description", "project_state", "outcome"),
    [
        ("3.A: IN, KY", "IN", PASS),
        ("3.A: KY", "IN", FAIL),
        ("Workers compensation: all states except ND, OH, WA, WY.", "TX", PASS),
        ("Workers compensation: all states except ND, OH, WA, WY.", "OH", FAIL),
        ("Covered states: Indiana and Kentucky.", "KY", PASS),
        ("Re: project 12.", "IN", UNKNOWN),
    ],
)
def test_wc_states_read_from_the_description(
    description: str, project_state: str, outcome: str
) -> None:
    record = record_from_acord_json(acord_json(description_of_operations=description))
    verdict = verify(f.requirements(), record, f.context(state=project_state), f.ON)
    assert _outcome(verdict, "WC_STATES", WC) == outcome


def test_a_monopolistic_state_needs_a_stop_gap() -> None:
    without = f.drop_endorsements(f.compliant_record(), STOP_GAP)
    for state in sorted(MONOPOLISTIC_STATES):
        record = f.replace_term(without, WC, wc_states=("PA",))
        check = f.find(f.run(record, ctx=f.context(state=state)), "WC_STOP_GAP_EL", WC)
        assert check.outcome == FAIL and "monopolistic" in check.message
        # A WC policy listing the state with EL limits is not the stop-gap endorsement on the
        # GL policy: still a failure, and the message says what was found instead.
        listed = f.replace_term(without, WC, wc_states=(state,))
        check = f.find(f.run(listed, ctx=f.context(state=state)), "WC_STOP_GAP_EL", WC)
        assert check.outcome == FAIL
        assert "employer's liability limits on the workers' compensation policy" in check.message
        # A stop-gap endorsement filed on the WC policy is not on the GL policy either.
        on_wc = dataclasses.replace(
            listed, endorsements=(*listed.endorsements, Endorsement(STOP_GAP, (WC,)))
        )
        assert _outcome(f.run(on_wc, ctx=f.context(state=state)), "WC_STOP_GAP_EL", WC) == FAIL
    assert "WC_STOP_GAP_EL" not in {
        c.code for c in f.run(without, ctx=f.context(state="PA")).checks
    }
    without = f.replace_term(without, WC, wc_states=("PA",))
    claimed = dataclasses.replace(
        without,
        endorsements=(
            *without.endorsements,
            Endorsement(STOP_GAP, (GL,), source=SOURCE_CERTIFICATE),
        ),
    )
    assert _outcome(f.run(claimed), "WC_STOP_GAP_EL", WC) == UNKNOWN


@given(
    st.sets(st.sampled_from(sorted(STATE_NAMES.values())), min_size=1, max_size=8), st.booleans()
)
def test_a_listed_3a_gives_exactly_its_states(states: set[str], by_name: bool) -> None:
    """Exactly the states listed, but a monopolistic one (ND, OH, WA, WY): a private policy
    cannot insure it there, only the state fund can (DOMAIN.md)."""
    names = {code: name for name, code in STATE_NAMES.items()}
    spelled = [names[code].title() if by_name else code for code in sorted(states)]
    assert wc_states_from(f"Item 3.A: {', '.join(spelled)}. Project in town.") == tuple(
        sorted(states - MONOPOLISTIC_STATES)
    )


# --- claims-made ------------------------------------------------------------------------------


def test_claims_made_retro_date_and_tail_read_from_the_description() -> None:
    document = acord_json(
        description_of_operations="Retro date: 01/15/2019. 3-year extended reporting period."
    )
    document["coverages"][0]["basis"] = "claims_made"
    record = record_from_acord_json(document)
    gl = dataclasses.replace(f.requirements().lines[0], claims_made_allowed=True, tail_years=3)
    verdict = verify(
        f.requirements(lines=(gl, *f.requirements().lines[1:])), record, f.context(), f.ON
    )
    retro = f.find(verdict, "GL_RETRO_DATE", GL)
    assert (retro.outcome, retro.found) == (PASS, date(2019, 1, 15))
    assert _outcome(verdict, "GL_TAIL") == PASS
    late = record_from_acord_json(
        {**document, "description_of_operations": "Retroactive date 2026-06-01."}
    )
    late_verdict = verify(
        f.requirements(lines=(gl, *f.requirements().lines[1:])), late, f.context(), f.ON
    )
    assert _outcome(late_verdict, "GL_RETRO_DATE") == FAIL
    assert _outcome(late_verdict, "GL_TAIL") == UNKNOWN


# --- completed-operations phase ---------------------------------------------------------------


def test_after_close_out_only_completed_operations_are_asked_for_n_years() -> None:
    requirements = f.requirements(completed_operations_years=3)
    ctx = f.context()  # project end 2027-01-31 + 28 days
    renewal = f.replace_term(
        f.compliant_record(), GL, effective=date(2028, 3, 1), expiration=date(2029, 3, 1)
    )
    phase = verify(requirements, renewal, ctx, date(2028, 6, 1))
    assert {c.line for c in phase.checks} <= {GL, None}
    codes = {c.code for c in phase.checks}
    assert {"AI_COMPLETED", "GL_PRODUCTS_COMPLETED_OPERATIONS_AGGREGATE_MIN"} <= codes
    assert not codes & {
        "AI_ONGOING",
        "GL_EACH_OCCURRENCE_MIN",
        "GL_EFFECTIVE_BY_WORK_START",
        "AUTO_PRESENT",
    }
    assert phase.status == COMPLIANT
    lapsed = verify(requirements, f.compliant_record(), ctx, date(2028, 6, 1))
    assert lapsed.status == NON_COMPLIANT and _outcome(lapsed, "GL_IN_FORCE") == FAIL
    no_ai = f.drop_endorsements(renewal, AI_COMPLETED)
    assert _outcome(verify(requirements, no_ai, ctx, date(2028, 6, 1)), "AI_COMPLETED") == FAIL
    # Before close-out the engagement is judged in full.
    assert "AUTO_PRESENT" in {
        c.code for c in verify(requirements, renewal, ctx, date(2027, 2, 1)).checks
    }


@given(
    st.lists(
        st.tuples(st.sampled_from([GL, AUTO, UMB, WC]), st.integers(0, 5)), min_size=1, max_size=6
    ),
    st.booleans(),
)
def test_an_unread_limit_never_makes_a_compliant_record_non_compliant(
    unread: list[tuple[str, int]], combined: bool
) -> None:
    record = f.compliant_record()
    for line, index in unread:
        limits = dict(record.terms_by_line[line][-1][1].limits)
        kinds = sorted(limits)
        limits[kinds[index % len(kinds)]] = None
        record = f.replace_term(record, line, limits=limits)
    status = f.run(record, f.requirements(combined_limits=combined)).status
    assert status in (COMPLIANT, INCOMPLETE)


def test_a_follow_form_umbrella_carries_the_general_liability_additional_insureds() -> None:
    document = _certificate(_BLANKET + " Excess follows form.")
    document["coverages"][2]["additional_insured"] = None
    verdict = verify(f.requirements(), record_from_acord_json(document), f.context(), f.ON)
    assert _outcome(verdict, "AI_ONGOING", UMB) == UNKNOWN  # claimed, as on GL
    assert _outcome(verdict, "AI_COMPLETED", UMB) == UNKNOWN
    document["description_of_operations"] = _BLANKET
    verdict = verify(f.requirements(), record_from_acord_json(document), f.context(), f.ON)
    assert _outcome(verdict, "AI_ONGOING", UMB) == FAIL


def test_a_waiver_of_subrogation_in_the_description_is_claimed_on_the_lines_it_names() -> None:
    document = _certificate("Waiver of subrogation applies to GL, Auto and WC.")
    for coverage in document["coverages"]:
        coverage["subrogation_waived"] = None
    verdict = verify(f.requirements(), record_from_acord_json(document), f.context(), f.ON)
    for line in (GL, AUTO, WC):
        assert _outcome(verdict, f"{LINE_CODE_PREFIX[line]}_WAIVER_OF_SUBROGATION", line) == UNKNOWN
    document["description_of_operations"] = "Project: Harbor Point."
    verdict = verify(f.requirements(), record_from_acord_json(document), f.context(), f.ON)
    assert _outcome(verdict, "GL_WAIVER_OF_SUBROGATION", GL) == FAIL
