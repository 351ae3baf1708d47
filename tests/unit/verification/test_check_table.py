"""One row per check code: the compliant record passes it, and one spoiled fact makes it fail
(or leaves it unknown). A last test proves the table covers the whole catalogue."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from backend.requirements.model import RequirementSet
from backend.requirements.ratings import InsurerRating, RatingTable
from backend.requirements.vocabulary import LIMIT_KINDS, LINE_CODE_PREFIX, limit_code
from backend.verification.checks import CATALOGUE, FAIL, PASS, UNKNOWN
from backend.verification.record import (
    AI_COMPLETED,
    AI_ONGOING,
    NOTICE_OF_CANCELLATION,
    PER_PROJECT_AGGREGATE,
    PRIMARY_NONCONTRIBUTORY,
    STOP_GAP,
    WAIVER_OF_SUBROGATION,
    RecordAsOf,
)
from backend.verification.verdict import COMPLIANT, INCOMPLETE, NON_COMPLIANT
from tests.unit.verification import factories as f
from tests.unit.verification.factories import AUTO, GL, UMB, WC

Setup = tuple[RecordAsOf | None, RequirementSet, Any]


def _setup(
    record: RecordAsOf | None = None,
    requirement_set: RequirementSet | None = None,
    **context: Any,
) -> Callable[[], Setup]:
    def build() -> Setup:
        return (
            f.compliant_record() if record is None else record,
            requirement_set or f.requirements(),
            f.context(**context),
        )

    return build


def _with_line(line: str, **changes: Any) -> RequirementSet:
    base = f.requirements()
    lines = tuple(
        dataclasses.replace(item, **changes) if item.line == line else item for item in base.lines
    )
    return dataclasses.replace(base, lines=lines)


def _claims_made(line: str) -> Callable[[], Setup]:
    def build() -> Setup:
        record = f.replace_term(
            f.compliant_record(),
            line,
            basis="claims_made",
            retro_date=date(2026, 6, 1),
            tail_years=1,
        )
        requirement_set = _with_line(line, claims_made_allowed=True, tail_years=3)
        return record, requirement_set, f.context()

    return build


def _rated(naic: str, rating: str, size: str, surplus: bool = False) -> RatingTable:
    others = [r for r in f.RATINGS.by_naic.values() if r.naic != naic]
    return RatingTable.of([*others, InsurerRating(naic, "Carrier", rating, size, surplus)])


# (code, line, spoiled setup, outcome of the spoiled setup)
CASES: list[tuple[str, str | None, Callable[[], Setup], str]] = []


def _case(code: str, line: str | None, build: Callable[[], Setup], outcome: str = FAIL) -> None:
    CASES.append((code, line, build, outcome))


for _line, _naic in ((GL, "24112"), (AUTO, "24112"), (UMB, "35289"), (WC, "10677")):
    _p = LINE_CODE_PREFIX[_line]
    _case(
        f"{_p}_PRESENT",
        _line,
        lambda line=_line: (f.drop_line(f.compliant_record(), line), f.requirements(), f.context()),
    )
    _case(
        f"{_p}_POLICY_NUMBER",
        _line,
        lambda line=_line: (
            f.replace_term(f.compliant_record(), line, policy_number="  "),
            f.requirements(),
            f.context(),
        ),
    )
    _case(
        f"{_p}_IN_FORCE",
        _line,
        lambda line=_line: (
            f.replace_term(f.compliant_record(), line, expiration=date(2026, 11, 1)),
            f.requirements(),
            f.context(),
        ),
    )
    _case(
        f"{_p}_EFFECTIVE_BY_WORK_START",
        _line,
        lambda line=_line: (
            f.replace_term(f.compliant_record(), line, effective=date(2026, 5, 1)),
            f.requirements(),
            f.context(),
        ),
    )
    _case(
        f"{_p}_NO_GAP",
        _line,
        lambda line=_line: (
            f.replace_term(
                f.add_term(
                    f.compliant_record(),
                    line,
                    f.term({}, effective=date(2025, 3, 1), expiration=date(2026, 2, 1)),
                ),
                line,
                effective=date(2026, 2, 15),
            ),
            f.requirements(),
            f.context(work_start=None),
        ),
    )
    _case(f"{_p}_THROUGH_CLOSEOUT", _line, _setup(project_end=date(2027, 2, 28)))
    _case(
        f"{_p}_EXPIRY_WINDOW",
        _line,
        lambda line=_line: (
            f.replace_term(f.compliant_record(), line, expiration=date(2026, 12, 10)),
            f.requirements(),
            f.context(),
        ),
    )
    _case(
        f"{_p}_INSURER_NAIC",
        _line,
        lambda line=_line: (
            # A number that is not five digits (no number at all is unknown, not failed).
            f.replace_policy(f.compliant_record(), line, insurer_naic="1234"),
            f.requirements(),
            f.context(),
        ),
    )
    _case(
        f"{_p}_INSURER_RATING",
        _line,
        lambda line=_line, naic=_naic: (
            f.compliant_record(),
            f.requirements(),
            f.context(insurer_ratings=_rated(naic, "B++", "XV")),
        ),
    )
    _case(
        f"{_p}_INSURER_SURPLUS_LINES",
        _line,
        lambda line=_line, naic=_naic: (
            f.compliant_record(),
            f.requirements(),
            f.context(insurer_ratings=_rated(naic, "A", "X", surplus=True)),
        ),
    )
    for _kind in LIMIT_KINDS[_line]:
        _case(
            limit_code(_line, _kind),
            _line,
            lambda line=_line, kind=_kind: (
                f.compliant_record(),
                _with_line(
                    line,
                    limits=(
                        (kind, f.compliant_record().terms_by_line[line][0][1].limits[kind] + 1),
                    ),
                ),
                f.context(),
            ),
        )

for _line in (GL, UMB):
    _p = LINE_CODE_PREFIX[_line]
    _case(
        f"{_p}_OCCURRENCE_BASIS",
        _line,
        lambda line=_line: (
            f.replace_term(f.compliant_record(), line, basis="claims_made"),
            f.requirements(),
            f.context(),
        ),
    )
    _case(f"{_p}_RETRO_DATE", _line, _claims_made(_line))
    _case(f"{_p}_TAIL", _line, _claims_made(_line))

for _line in (GL, AUTO, WC):
    _case(
        f"{LINE_CODE_PREFIX[_line]}_WAIVER_OF_SUBROGATION",
        _line,
        lambda line=_line: (
            f.drop_endorsements(f.compliant_record(), WAIVER_OF_SUBROGATION, line),
            f.requirements(),
            f.context(),
        ),
    )
_case(
    "UMB_WAIVER_OF_SUBROGATION",
    UMB,
    lambda: (f.compliant_record(), _with_line(UMB, waiver_of_subrogation=True), f.context()),
)

_case(
    "GL_PER_PROJECT_AGGREGATE",
    GL,
    lambda: (
        f.drop_endorsements(f.compliant_record(), PER_PROJECT_AGGREGATE),
        f.requirements(),
        f.context(),
    ),
)
_case(
    "AUTO_ANY_AUTO",
    AUTO,
    lambda: (
        f.replace_term(
            f.compliant_record(), AUTO, covered_autos=("scheduled", "hired", "non_owned")
        ),
        f.requirements(),
        f.context(),
    ),
)
_case(
    "UMB_FOLLOWS_FORM",
    UMB,
    lambda: (
        f.replace_term(f.compliant_record(), UMB, follows_form_over=(GL, AUTO)),
        f.requirements(),
        f.context(),
    ),
)
_case(
    "WC_STATUTORY",
    WC,
    lambda: (
        f.replace_term(f.compliant_record(), WC, statutory=False),
        f.requirements(),
        f.context(),
    ),
)
_case("WC_STATES", WC, _setup(state="IN"))
_case(
    "WC_OWNERS_COVERED",
    WC,
    lambda: (
        f.replace_term(f.compliant_record(), WC, officers_excluded=True),
        f.requirements(),
        f.context(),
    ),
)
_case(
    "WC_STOP_GAP_EL",
    WC,
    lambda: (
        f.replace_term(f.drop_endorsements(f.compliant_record(), STOP_GAP), WC, wc_states=("PA",)),
        f.requirements(),
        f.context(),
    ),
)
_case(
    "AI_BOX_VS_DESCRIPTION",
    GL,
    lambda: (
        dataclasses.replace(
            f.drop_endorsements(
                f.drop_endorsements(
                    f.replace_term(f.compliant_record(), GL, additional_insured_flag=False),
                    AI_ONGOING,
                ),
                AI_COMPLETED,
            ),
            description_of_operations="The certificate holder is an additional insured.",
        ),
        f.requirements(),
        f.context(),
    ),
)
_case(
    "WOS_BOX_VS_DESCRIPTION",
    AUTO,
    lambda: (
        dataclasses.replace(
            f.drop_endorsements(
                f.replace_term(f.compliant_record(), AUTO, subrogation_waived_flag=False),
                WAIVER_OF_SUBROGATION,
            ),
            description_of_operations="Waiver of subrogation applies to GL and auto.",
        ),
        f.requirements(),
        f.context(),
    ),
)
_case("RECORD_PRESENT", None, lambda: (None, f.requirements(), f.context()), UNKNOWN)
_case("CERTIFICATE_HOLDER_NAME", None, _setup(certificate_holder="Meridian Construction"))
# A form the set does not accept, of the kind it is filed under: CG 20 26 (designated person)
# for ongoing operations; for completed operations a carrier form the set has not declared
# equivalent (an ISO form that does not grant completed operations would not count as one).
_REFUSED_FORMS = {AI_ONGOING: "CG 20 26", AI_COMPLETED: "CG 72 95"}
for _kind, _code in ((AI_ONGOING, "AI_ONGOING"), (AI_COMPLETED, "AI_COMPLETED")):
    _case(
        _code,
        GL,
        lambda kind=_kind: (
            f.drop_endorsements(f.compliant_record(), kind),
            f.requirements(),
            f.context(),
        ),
    )
    _case(
        f"{_code}_FORM",
        GL,
        lambda kind=_kind: (
            f.replace_endorsements(
                f.compliant_record(), kind, form_number=_REFUSED_FORMS[kind], edition=None
            ),
            f.requirements(),
            f.context(),
        ),
    )
    _case(
        f"{_code}_PARTIES",
        GL,
        lambda kind=_kind: (
            f.replace_endorsements(f.compliant_record(), kind, named_parties=(f.GC,)),
            f.requirements(),
            f.context(),
        ),
    )
_case(
    "PRIMARY_NONCONTRIBUTORY",
    GL,
    lambda: (
        f.drop_endorsements(f.compliant_record(), PRIMARY_NONCONTRIBUTORY),
        f.requirements(),
        f.context(),
    ),
)
_case(
    "NOTICE_OF_CANCELLATION",
    None,
    lambda: (
        f.replace_endorsements(f.compliant_record(), NOTICE_OF_CANCELLATION, notice_days=10),
        f.requirements(),
        f.context(),
    ),
)
_case(
    "RED_FLAG_CONDITIONAL_WORDING",
    None,
    lambda: (
        dataclasses.replace(
            f.drop_endorsements(
                f.drop_endorsements(f.compliant_record(), AI_ONGOING), AI_COMPLETED
            ),
            description_of_operations=(
                "Holder is additional insured if required by written contract."
            ),
        ),
        f.requirements(),
        f.context(),
    ),
)
_case(
    "RED_FLAG_TO_BE_NAMED",
    None,
    lambda: (
        dataclasses.replace(
            f.compliant_record(), description_of_operations="Lender: to be named at closing."
        ),
        f.requirements(),
        f.context(),
    ),
)


def _ids() -> list[str]:
    return [f"{code}-{line}" for code, line, _build, _outcome in CASES]


@pytest.mark.parametrize(("code", "line", "build", "outcome"), CASES, ids=_ids())
def test_each_check_passes_on_the_compliant_record_and_fails_when_spoiled(
    code: str, line: str | None, build: Callable[[], Setup], outcome: str
) -> None:
    record, requirement_set, ctx = build()
    spoiled = f.run(record, requirement_set, ctx) if record is not None else None
    if code == "RECORD_PRESENT":
        from backend.verification.engine import verify

        verdict = verify(requirement_set, None, ctx, f.ON)
        assert verdict.status == INCOMPLETE
        assert [c.code for c in verdict.checks] == ["RECORD_PRESENT"]
        return
    assert spoiled is not None
    check = f.find(spoiled, code, line)
    assert check.outcome == outcome, check.message
    assert not check.passed
    assert check.message  # a sentence, not empty
    baseline = f.run(f.compliant_record(), requirement_set if code.endswith("_MIN") else None)
    if code.endswith("_MIN"):
        # Same requirement, the record's own amount: exactly at the minimum passes.
        record_amount = check.found
        at_minimum = _with_line(line or GL, limits=((code_kind(code, line), record_amount),))
        assert f.find(f.run(requirement_set=at_minimum), code, line).outcome == PASS
    elif code not in _ABSENT_IN_BASELINE:
        assert f.find(baseline, code, line).outcome == PASS


# Checks evaluated only under the spoiling setup (claims-made, a second term, rating floors).
_ABSENT_IN_BASELINE = {
    "GL_RETRO_DATE",
    "GL_TAIL",
    "UMB_RETRO_DATE",
    "UMB_TAIL",
    "GL_NO_GAP",
    "AUTO_NO_GAP",
    "UMB_NO_GAP",
    "WC_NO_GAP",
    "UMB_WAIVER_OF_SUBROGATION",
    "AI_BOX_VS_DESCRIPTION",
    "WOS_BOX_VS_DESCRIPTION",
}


def code_kind(code: str, line: str | None) -> str:
    prefix = LINE_CODE_PREFIX[line or GL]
    return code[len(prefix) + 1 : -len("_MIN")].lower()


def test_the_compliant_record_is_compliant() -> None:
    verdict = f.run()
    assert verdict.status == COMPLIANT, [c.message for c in verdict.checks if not c.passed]


def test_the_table_covers_every_catalogued_code() -> None:
    assert {code for code, _line, _build, _outcome in CASES} == set(CATALOGUE)


def test_baseline_passes_for_checks_only_evaluated_when_spoiled() -> None:
    two_terms = f.add_term(
        f.compliant_record(),
        GL,
        f.term({}, effective=date(2025, 3, 1), expiration=date(2026, 3, 1)),
    )
    assert f.find(f.run(two_terms), "GL_NO_GAP", GL).outcome == PASS
    good_claims_made = f.replace_term(
        f.compliant_record(), GL, basis="claims_made", retro_date=date(2020, 1, 1), tail_years=3
    )
    relaxed = _with_line(GL, claims_made_allowed=True, tail_years=3)
    verdict = f.run(good_claims_made, relaxed)
    assert f.find(verdict, "GL_OCCURRENCE_BASIS", GL).outcome == PASS
    assert f.find(verdict, "GL_RETRO_DATE", GL).outcome == PASS
    assert f.find(verdict, "GL_TAIL", GL).outcome == PASS


def test_a_failed_blocking_check_makes_the_verdict_non_compliant() -> None:
    record = f.replace_term(f.compliant_record(), GL, limits={**f.GL_LIMITS, "each_occurrence": 1})
    assert f.run(record).status == NON_COMPLIANT


def test_contract_message_for_a_short_limit() -> None:
    record = f.replace_term(
        f.compliant_record(), GL, limits={**f.GL_LIMITS, "each_occurrence": 1_000_000}
    )
    check = f.find(f.run(record), "GL_EACH_OCCURRENCE_MIN", GL)
    assert check.message == (
        "General liability each occurrence is $1,000,000; the requirement is $2,000,000."
    )
    assert (check.expected, check.found) == (2_000_000, 1_000_000)
    assert check.evidence is not None and check.evidence.pointer == "/limits/each_occurrence"


def test_line_requirements_without_a_term_in_force_skip_term_checks() -> None:
    record = f.replace_term(f.compliant_record(), GL, expiration=date(2026, 11, 1))
    codes = {c.code for c in f.run(record).checks if c.line == GL}
    assert "GL_IN_FORCE" in codes
    assert "GL_EACH_OCCURRENCE_MIN" not in codes
