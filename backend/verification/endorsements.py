"""Checks that read endorsements: additional insured, P&NC, waiver of subrogation, per-project
aggregate, notice of cancellation, and red-flag wording.

The rule for certificates: a certificate is evidence that an endorsement is claimed, not that it
exists. An endorsement known only from a certificate (source "certificate") makes the check
unknown when the requirement set demands endorsements on file, and passes it otherwise; an
endorsement document on file (source "endorsement") is judged on its own terms.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Final

from backend.requirements.model import FormEdition, RequirementSet
from backend.requirements.vocabulary import GENERAL_LIABILITY
from backend.verification.checks import FAIL, PASS, PLAIN_SPECS, UNKNOWN, Check
from backend.verification.context import VerificationContext
from backend.verification.names import normalise_entity_name
from backend.verification.record import (
    AI_COMPLETED,
    AI_ONGOING,
    NOTICE_OF_CANCELLATION,
    PRIMARY_NONCONTRIBUTORY,
    SOURCE_ENDORSEMENT,
    Endorsement,
    Evidence,
    RecordAsOf,
)

_CONDITIONAL_WORDING: Final = re.compile(
    r"\b(?:(?:if|when|where|as)\s+(?:required|specified|stipulated)\s+(?:by|in|under)|per)"
    r"\s+(?:a\s+|an\s+|the\s+)?(?:written\s+)?(?:contract|agreement)\b",
    re.IGNORECASE,
)
_TO_BE_NAMED: Final = re.compile(
    r"\b(?:to\s+be\s+(?:named|determined|advised|added)|will\s+be\s+named|tbd|tba)\b",
    re.IGNORECASE,
)
# (endorsement kind, presence spec, form spec, parties spec), each spec a plain tuple
# (code, requirement sentence, severity, waivable) unpacked into locals where a check is built.
_AI_SPECS: Final = (
    (
        AI_ONGOING,
        PLAIN_SPECS["AI_ONGOING"],
        PLAIN_SPECS["AI_ONGOING_FORM"],
        PLAIN_SPECS["AI_ONGOING_PARTIES"],
    ),
    (
        AI_COMPLETED,
        PLAIN_SPECS["AI_COMPLETED"],
        PLAIN_SPECS["AI_COMPLETED_FORM"],
        PLAIN_SPECS["AI_COMPLETED_PARTIES"],
    ),
)
_Spec = tuple[str, str, str, bool]
_PRIMARY_NONCONTRIBUTORY: Final = PLAIN_SPECS["PRIMARY_NONCONTRIBUTORY"]
_NOTICE: Final = PLAIN_SPECS["NOTICE_OF_CANCELLATION"]
_CONDITIONAL: Final = PLAIN_SPECS["RED_FLAG_CONDITIONAL_WORDING"]
_TO_BE_NAMED_SPEC: Final = PLAIN_SPECS["RED_FLAG_TO_BE_NAMED"]
# The required parties: (name, folded name) pairs, the names alone, the folded names as a set.
_Parties = tuple[tuple[tuple[str, str], ...], tuple[str, ...], frozenset[str]]
_new = tuple.__new__


def _matching(
    record: RecordAsOf, kind: str, line: str | None, day: date
) -> tuple[list[Endorsement], list[Endorsement]]:
    """(on file, claimed only) endorsements of `kind` amending `line` in effect on `day`."""
    on_file: list[Endorsement] = []
    claimed: list[Endorsement] = []
    for endorsement in record.endorsements_by_kind.get(kind, ()):
        if line is not None and line not in endorsement.lines:
            continue
        effective = endorsement.effective
        if effective is not None and day < effective:
            continue
        expiration = endorsement.expiration
        if expiration is not None and day >= expiration:
            continue
        if endorsement.source == SOURCE_ENDORSEMENT:
            on_file.append(endorsement)
        else:
            claimed.append(endorsement)
    return on_file, claimed


def endorsement_outcome(
    record: RecordAsOf, requirements: RequirementSet, kind: str, line: str | None, day: date
) -> tuple[str, object, Evidence | None]:
    """(outcome, found, evidence) for "an endorsement of `kind` on `line` exists on `day`".

    The first endorsement on file in effect wins; failing that, the first certificate claim.
    """
    claimed: Endorsement | None = None
    for endorsement in record.endorsements_by_kind.get(kind, ()):
        if line is not None and line not in endorsement.lines:
            continue
        effective = endorsement.effective
        if effective is not None and day < effective:
            continue
        expiration = endorsement.expiration
        if expiration is not None and day >= expiration:
            continue
        if endorsement.source == SOURCE_ENDORSEMENT:
            return PASS, endorsement.form_label or "endorsement on file", endorsement.evidence
        if claimed is None:
            claimed = endorsement
    if claimed is not None:
        outcome = UNKNOWN if requirements.endorsements_on_file else PASS
        return outcome, "claimed on certificate only", claimed.evidence
    return FAIL, None, None


def check_endorsements(
    checks: list[Check],
    requirements: RequirementSet,
    record: RecordAsOf,
    context: VerificationContext,
    day: date,
) -> None:
    ai = requirements.additional_insured
    ongoing, completed = ai.ongoing, ai.completed
    if ongoing or completed:
        required = _required_parties(ai.parties, context.additional_insured_parties)
        parties, names, wanted_keys = required
        blanket_allowed = ai.blanket_allowed
        terms_by_line = record.terms_by_line
        for kind, presence, form_spec, parties_spec in _AI_SPECS:
            if kind == AI_ONGOING:
                if not ongoing:
                    continue
                forms, labels = ai.ongoing_forms, ai.ongoing_form_labels
            else:
                if not completed:
                    continue
                forms, labels = ai.completed_forms, ai.completed_form_labels
            for line in ai.lines:
                if line not in terms_by_line:
                    continue  # the line's own *_PRESENT check already fails or is unknown
                judged = _check_additional_insured(
                    checks, requirements, record, kind, presence, line, day
                )
                if judged is None:
                    continue
                if forms and line == GENERAL_LIABILITY:
                    # The accepted forms are ISO CG (general liability) forms; an umbrella or
                    # auto policy extends AI status by its own wording, judged by the presence
                    # and parties checks.
                    if len(judged) == 1:
                        # One endorsement (the usual case): the loop of _check_forms, unrolled.
                        endorsement = judged[0]
                        form_number, edition = endorsement.form_number, endorsement.edition
                        label = endorsement.form_label
                        outcome = UNKNOWN if label is None else FAIL
                        for form in forms:
                            if form.accepts(form_number, edition):
                                outcome = PASS
                                break
                        code, text, severity, waivable = form_spec
                        checks.append(_new(Check, (code, outcome, line, text, labels,
                                                   None if label is None else (label,), severity,
                                                   waivable, endorsement.evidence,
                                                   None)))  # fmt: skip
                    else:
                        _check_forms(checks, form_spec, line, forms, labels, judged)
                if not parties:
                    continue
                for endorsement in judged:
                    # Usual case: one endorsement covers every party, so each party's search in
                    # _check_parties would stop at it (or earlier) with a pass.
                    if (endorsement.blanket and blanket_allowed) or (
                        wanted_keys <= endorsement.party_keys
                    ):
                        code, text, severity, waivable = parties_spec
                        checks.append(_new(Check, (code, PASS, line, text, names, names, severity,
                                                   waivable, judged[0].evidence,
                                                   None)))  # fmt: skip
                        break
                else:
                    _check_parties(
                        checks, parties_spec, line, required, judged, blanket_allowed, record
                    )
    if requirements.primary_noncontributory:
        outcome, found, evidence = endorsement_outcome(
            record, requirements, PRIMARY_NONCONTRIBUTORY, GENERAL_LIABILITY, day
        )
        code, text, severity, waivable = _PRIMARY_NONCONTRIBUTORY
        checks.append(_new(Check, (code, outcome, GENERAL_LIABILITY, text, True, found, severity,
                                   waivable, evidence, None)))  # fmt: skip
    if requirements.notice_of_cancellation_days is not None:
        _check_notice(checks, requirements, record, requirements.notice_of_cancellation_days, day)
    _check_red_flags(checks, record, day)


@lru_cache(maxsize=1024)
def _required_parties(*groups: tuple[str, ...]) -> _Parties:
    """(name, folded name) of each required party, the first spelling of duplicates kept; the
    names alone, as the parties checks quote them; and the folded names as a set."""
    seen: dict[str, str] = {}
    for group in groups:
        for party in group:
            seen.setdefault(normalise_entity_name(party), party)
    pairs = tuple((party, key) for key, party in seen.items())
    return pairs, tuple(seen.values()), frozenset(seen)


def _check_additional_insured(
    checks: list[Check],
    requirements: RequirementSet,
    record: RecordAsOf,
    kind: str,
    spec: _Spec,
    line: str,
    day: date,
) -> list[Endorsement] | None:
    """The presence check; returns the endorsements the form and parties are judged on, or
    None when there is nothing to judge them on."""
    # The same selection as _matching, inlined: it runs for each AI kind and line.
    on_file: list[Endorsement] = []
    claimed: list[Endorsement] = []
    for endorsement in record.endorsements_by_kind.get(kind, ()):
        if line not in endorsement.lines:
            continue
        effective = endorsement.effective
        if effective is not None and day < effective:
            continue
        expiration = endorsement.expiration
        if expiration is not None and day >= expiration:
            continue
        if endorsement.source == SOURCE_ENDORSEMENT:
            on_file.append(endorsement)
        else:
            claimed.append(endorsement)
    code, text, severity, waivable = spec
    if on_file:
        checks.append(_new(Check, (code, PASS, line, text, True, "endorsement on file", severity,
                                   waivable, on_file[0].evidence, None)))  # fmt: skip
        return on_file
    if claimed:
        on_file_demanded = requirements.endorsements_on_file
        outcome = UNKNOWN if on_file_demanded else PASS
        checks.append(_new(Check, (code, outcome, line, text, True,
                                   "claimed on certificate only", severity, waivable,
                                   claimed[0].evidence, None)))  # fmt: skip
        # The form and schedule can only be judged on the endorsement itself.
        return None if on_file_demanded else claimed
    checks.append(_new(Check, (code, FAIL, line, text, True, None, severity, waivable, None,
                               None)))  # fmt: skip
    return None


def _check_forms(
    checks: list[Check],
    spec: _Spec,
    line: str,
    forms: tuple[FormEdition, ...],
    expected: tuple[str, ...],
    endorsements: list[Endorsement],
) -> None:
    seen: list[str] = []
    accepted: Endorsement | None = None
    for endorsement in endorsements:
        described = endorsement.form_label
        if described is not None:
            seen.append(described)
        form_number, edition = endorsement.form_number, endorsement.edition
        for form in forms:
            if form.accepts(form_number, edition):
                accepted = endorsement
                break
        if accepted is not None:
            break
    if accepted is not None:
        outcome, evidence = PASS, accepted.evidence
    else:
        outcome, evidence = (FAIL if seen else UNKNOWN), endorsements[0].evidence
    code, text, severity, waivable = spec
    checks.append(_new(Check, (code, outcome, line, text, expected, tuple(seen) or None,
                               severity, waivable, evidence, None)))  # fmt: skip


def _check_parties(
    checks: list[Check],
    spec: _Spec,
    line: str,
    required: _Parties,
    endorsements: list[Endorsement],
    blanket_allowed: bool,
    record: RecordAsOf,
) -> None:
    """The parties check when no single endorsement covers every party (see the caller)."""
    code, text, severity, waivable = spec
    evidence = endorsements[0].evidence
    parties, names, _wanted_keys = required
    missing: list[str] = []
    undetermined: list[str] = []
    description: str | None = None  # folded only when a certificate's claim needs it
    for party, wanted in parties:
        status = FAIL
        for endorsement in endorsements:
            if (endorsement.blanket and blanket_allowed) or wanted in endorsement.party_keys:
                status = PASS
                break
            if endorsement.source != SOURCE_ENDORSEMENT:
                if description is None:
                    description = _normalised_text(record.description_of_operations or "")
                if _names_party(description, wanted):
                    status = PASS
                    break
            if endorsement.blanket is None:
                status = UNKNOWN
        if status == FAIL:
            missing.append(party)
        elif status == UNKNOWN:
            undetermined.append(party)
    outcome = FAIL if missing else UNKNOWN if undetermined else PASS
    found: object = names
    if outcome != PASS:
        found = {"not_covered": missing, "undetermined": undetermined}
    checks.append(_new(Check, (code, outcome, line, text, names, found, severity, waivable,
                               evidence, None)))  # fmt: skip


def _names_party(normalised_description: str, normalised_party: str) -> bool:
    """Whether the description names the party as a whole phrase (not a longer entity name)."""
    padded = f" {normalised_description} "
    index = padded.find(f" {normalised_party} ")
    return index >= 0


@lru_cache(maxsize=1024)
def _normalised_text(text: str) -> str:
    return normalise_entity_name(text)


def _check_notice(
    checks: list[Check],
    requirements: RequirementSet,
    record: RecordAsOf,
    days_required: int,
    day: date,
) -> None:
    on_file, claimed = _matching(record, NOTICE_OF_CANCELLATION, None, day)
    candidates = on_file or ([] if requirements.endorsements_on_file else claimed)
    best: int | None = None
    for candidate in candidates:
        days = candidate.notice_days
        if days is not None and (best is None or days > best):
            best = days
    if candidates:
        if best is None:
            outcome = UNKNOWN
        else:
            outcome = PASS if best >= days_required else FAIL
        evidence = candidates[0].evidence
        found: object = best
    elif claimed:
        outcome = UNKNOWN
        evidence = claimed[0].evidence
        found = "claimed on certificate only"
    else:
        outcome, evidence, found = FAIL, None, None
    code, text, severity, waivable = _NOTICE
    checks.append(_new(Check, (code, outcome, None, text, days_required, found, severity, waivable,
                               evidence, None)))  # fmt: skip


@lru_cache(maxsize=1024)
def _scan(text: str) -> tuple[str | None, str | None]:
    conditional = _CONDITIONAL_WORDING.search(text)
    to_be_named = _TO_BE_NAMED.search(text)
    return (
        conditional.group(0) if conditional else None,
        to_be_named.group(0) if to_be_named else None,
    )


@lru_cache(maxsize=1024)
def _first_to_be_named(names: tuple[str, ...]) -> str | None:
    """The "to be named" wording of the first name in `names` that has any."""
    for name in names:
        flagged = _scan(name)[1]
        if flagged is not None:
            return flagged
    return None


def _check_red_flags(checks: list[Check], record: RecordAsOf, day: date) -> None:
    description = record.description_of_operations or ""
    conditional, to_be_named = _scan(description)
    evidence = record.evidence.get("description_of_operations")
    named_evidence = evidence
    if to_be_named is None:
        for endorsement in record.endorsements:
            names = endorsement.named_parties
            if names:
                flagged = _first_to_be_named(names)
                if flagged is not None:
                    to_be_named, named_evidence = flagged, endorsement.evidence
    backed = conditional is not None and any(
        endorsement.on_file
        and endorsement.kind in (AI_ONGOING, AI_COMPLETED)
        and endorsement.in_effect(day)
        for endorsement in record.endorsements
    )
    code, text, severity, waivable = _CONDITIONAL
    checks.append(_new(Check, (code, PASS if conditional is None or backed else FAIL, None, text,
                               "no conditional wording without the endorsement", conditional,
                               severity, waivable, evidence, None)))  # fmt: skip
    code, text, severity, waivable = _TO_BE_NAMED_SPEC
    checks.append(_new(Check, (code, PASS if to_be_named is None else FAIL, None, text,
                               "every party named", to_be_named, severity, waivable,
                               named_evidence, None)))  # fmt: skip
