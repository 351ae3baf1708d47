"""The record-wide checks of a plan after the lines: additional insured (presence, form, parties)
for each kind and line the set demands, primary and non-contributory, notice of cancellation,
and the red flags. The selection of endorsements and the rarer paths live in endorsements.py.
"""

from __future__ import annotations

from contextlib import nullcontext

from backend.requirements.model import FormEdition, RequirementSet
from backend.requirements.vocabulary import GENERAL_LIABILITY
from backend.verification.entity_keys import entity_key
from backend.verification.plan_source import FAILED, PASSED, UNKNOWN_, Source, check, spec
from backend.verification.record import AI_COMPLETED, AI_ONGOING, PRIMARY_NONCONTRIBUTORY


def add_endorsement_checks(src: Source, requirements: RequirementSet) -> None:
    _add_additional_insured(src, requirements)
    on_file = requirements.endorsements_on_file
    if requirements.primary_noncontributory:
        src.add(
            "outcome, found, endorsement_evidence = endorsement_outcome(record, "
            f"{PRIMARY_NONCONTRIBUTORY!r}, {GENERAL_LIABILITY!r}, coverage_day, {on_file!r})"
        )
        src.add(
            check(
                "PRIMARY_NONCONTRIBUTORY",
                "outcome",
                GENERAL_LIABILITY,
                "True",
                "found",
                "endorsement_evidence",
            )
        )
    days = requirements.notice_of_cancellation_days
    if days is not None:
        src.add(
            f"check_notice(append, {spec('NOTICE_OF_CANCELLATION')}, record, {days!r}, "
            f"coverage_day, {on_file!r})"
        )
    red_flags = f"({spec('RED_FLAG_CONDITIONAL_WORDING')}, {spec('RED_FLAG_TO_BE_NAMED')})"
    src.add(f"check_red_flags(append, {red_flags}, record, coverage_day)")


def _add_additional_insured(src: Source, requirements: RequirementSet) -> None:
    ai = requirements.additional_insured
    if not (ai.ongoing or ai.completed):
        return
    # The set's own parties are folded once, with the plan; the project's on every verification.
    set_parties: dict[str, str] = {}
    for party in ai.parties:
        set_parties.setdefault(entity_key(party), party)
    parties = src.constant("SET_PARTIES", set_parties)
    src.add(f"parties = required_parties({parties}, context.additional_insured_parties)")
    src.add("names = tuple(parties.values())", "wanted_keys = parties.keys()")
    kinds = (
        (AI_ONGOING, "AI_ONGOING", ai.ongoing, ai.ongoing_forms, ai.ongoing_form_labels),
        (AI_COMPLETED, "AI_COMPLETED", ai.completed, ai.completed_forms, ai.completed_form_labels),
    )
    for kind, code, demanded, forms, labels in kinds:
        if not demanded:
            continue
        for line in ai.lines:
            src.add(f"# {code} on {line}")
            with src.block(f"if {line!r} in terms_by_line:"):
                # Without the line, its own *_PRESENT check already fails or is unknown.
                src.add(
                    f"judged = additional_insured_presence(append, record, {kind!r}, "
                    f"{spec(code)}, {line!r}, coverage_day, {requirements.endorsements_on_file!r})"
                )
                with src.block("if judged is not None:"):
                    if forms and line == GENERAL_LIABILITY:
                        # The accepted forms are ISO CG (general liability) forms; an umbrella or
                        # auto policy extends AI status by its own wording, judged by the
                        # presence and parties checks.
                        _add_form_check(src, f"{code}_FORM", line, forms, labels)
                    _add_parties_check(
                        src, f"{code}_PARTIES", line, ai.blanket_allowed, bool(set_parties)
                    )


def _add_form_check(
    src: Source, code: str, line: str, forms: tuple[FormEdition, ...], labels: tuple[str, ...]
) -> None:
    with src.block("if len(judged) == 1:"):  # one endorsement, the usual case: no loop
        src.add("endorsement = judged[0]", "form_number = endorsement.form_number")
        src.add("edition = endorsement.edition", "label = endorsement.form_label")
        accepted = " or ".join(_accepts(form) for form in forms)
        src.add(
            check(
                code,
                f"{PASSED} if {accepted} else {UNKNOWN_} if label is None else {FAILED}",
                line,
                repr(labels),
                "None if label is None else (label,)",
                "endorsement.evidence",
            )
        )
    with src.block("else:"):
        src.add(
            f"check_forms(append, {spec(code)}, {line!r}, {src.constant('FORMS', forms)}, "
            f"{labels!r}, judged)"
        )


def _accepts(form: FormEdition) -> str:
    """FormEdition.accepts(form_number, edition) written out for one accepted form."""
    if form.edition is None:
        return f"form_number == {form.form!r}"
    return f"(form_number == {form.form!r} and edition == {form.edition!r})"


def _add_parties_check(
    src: Source, code: str, line: str, blanket_allowed: bool, set_names_parties: bool
) -> None:
    # When the set names no party the project may name none either, and then there is no check.
    with nullcontext() if set_names_parties else src.block("if names:"):
        # The usual case: one endorsement covers every party (each party's search in
        # check_parties would stop at it, or earlier, with a pass).
        covers = "wanted_keys <= endorsement.party_keys"
        if blanket_allowed:
            covers = f"endorsement.blanket or {covers}"
        with src.block("for endorsement in judged:"), src.block(f"if {covers}:"):
            src.add(check(code, PASSED, line, "names", "names", "judged[0].evidence"), "break")
        with src.block("else:"):
            src.add(
                f"check_parties(append, {spec(code)}, {line!r}, parties, judged, "
                f"{blanket_allowed!r}, record)"
            )
