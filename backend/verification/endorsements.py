"""Checks that read endorsements: additional insured, P&NC, waiver of subrogation, per-project
aggregate, notice of cancellation, and red-flag wording. The plan (plan_endorsements) decides
which of them a requirement set asks for and calls these.

The rule for certificates: a certificate is evidence that an endorsement is claimed, not that it
exists. An endorsement known only from a certificate (source "certificate") makes the check
unknown when the requirement set demands endorsements on file, and passes it otherwise; an
endorsement document on file (source "endorsement") is judged on its own terms.

Nothing read from a record or a context is cached here between verifications: names are folded
and wording scanned afresh every time (see entity_keys and `_scan`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Final

from backend.requirements.endorsement_forms import (
    DIRECT,
    FORMS,
    form_info,
    grants,
    never_grants,
)
from backend.requirements.model import FormEdition, normalise_carrier_form
from backend.requirements.vocabulary import AUTO_LIABILITY, GENERAL_LIABILITY, WORKERS_COMPENSATION
from backend.verification.checks import FAIL, PASS, UNKNOWN, Check, CheckSpec
from backend.verification.description import waiver_lines
from backend.verification.entity_keys import entity_key, entity_keys, legal_name_key
from backend.verification.plan_run import lookup
from backend.verification.record import (
    AI_COMPLETED,
    AI_ONGOING,
    NOTICE_OF_CANCELLATION,
    OTHER,
    SOURCE_ENDORSEMENT,
    WAIVER_OF_SUBROGATION,
    Endorsement,
    Evidence,
    RecordAsOf,
)

# The required parties: folded name -> name as the contract spells it.
Parties = dict[str, str]

_CONDITIONAL_WORDING: Final = re.compile(
    r"\b(?:(?:if|when|where|as)\s+(?:required|specified|stipulated)\s+(?:by|in|under)|per)"
    r"\s+(?:a\s+|an\s+|the\s+)?(?:written\s+)?(?:contract|agreement)\b",
    re.IGNORECASE,
)
_TO_BE_NAMED: Final = re.compile(
    r"\b(?:to\s+be\s+(?:named|determined|advised|added)|will\s+be\s+named|tbd|tba)\b",
    re.IGNORECASE,
)
# A case-insensitive regex search costs several microseconds on a usual description; a match of
# each pattern above must contain one of these words, so text without any of them (found in its
# lower-cased form, a fraction of the cost) cannot match. The words avoid the letters i, s and k,
# whose case-insensitive matches include characters that lower() does not map to them
# (test_red_flag_prefilter checks the others over all of Unicode).
_CONDITIONAL_WORDS: Final = ("contract", "agreement")
_TO_BE_NAMED_WORDS: Final = ("named", "determ", "adv", "added", "tbd", "tba")
_CONDITIONAL_EXPECTED: Final = "no conditional wording without the endorsement"


def _in_effect_by_source(
    record: RecordAsOf, kind: str, line: str | None, day: date
) -> tuple[list[Endorsement], list[Endorsement]]:
    """(on file, claimed only) endorsements of `kind` amending `line` (any line when None) in
    effect on `day`, each in the record's order.

    The one selection every endorsement check starts from, so that "in effect" and "on file"
    mean the same for presence, notice and AI checks."""
    on_file: list[Endorsement] = []
    claimed: list[Endorsement] = []
    for endorsement in lookup(record.endorsements_by_kind, kind) or ():
        if line is not None and line not in endorsement.lines:
            continue
        if not endorsement.in_effect(day):
            continue
        if endorsement.form_number is not None and not _form_fits(endorsement, kind, line):
            continue
        if endorsement.source == SOURCE_ENDORSEMENT:
            on_file.append(endorsement)
        else:
            claimed.append(endorsement)
    return on_file, claimed


# Lines whose ISO forms amend that line alone (CG forms general liability, CA forms auto, WC
# forms workers' compensation). The umbrella has no ISO forms of its own: it follows the
# underlying forms, so a CG form filed on it is not judged by its line.
_FORM_LINES: Final = frozenset((GENERAL_LIABILITY, AUTO_LIABILITY, WORKERS_COMPENSATION))


def _counts_for() -> dict[tuple[str, str | None], tuple[frozenset[str], str]]:
    """For each (form, edition) of the forms table: the kinds an endorsement of that form may
    count for (those it does not surely never grant, endorsement_forms.never_grants) and the
    line the form amends. Built once from the table, a static fact: the engine then looks a
    form up in one dict, in compiled code, for every endorsement it selects."""
    table: dict[tuple[str, str | None], tuple[frozenset[str], str]] = {}
    for info in FORMS:
        kinds = frozenset(
            kind
            for entry in FORMS
            for kind in entry.grants
            if not never_grants(info.form, info.edition, kind)
        )
        table[(info.form, info.edition)] = (kinds, info.line)
    return table


_COUNTS_FOR: Final = _counts_for()


def _form_fits(endorsement: Endorsement, kind: str, line: str | None) -> bool:
    """Whether an endorsement's form, when the forms table knows it, does what it was filed as:
    a reviewer judges the form, not the label (CG 20 10 04 13 filed under completed operations
    still covers ongoing operations only, though CG 20 10 with its edition unknown may be the
    11 85 that covers both; CG 25 04 filed as the per-project aggregate makes the aggregate per
    location; CA 04 44, the auto waiver, does not amend general liability). Forms the table
    does not know (carriers' own) are taken as filed; OTHER is a kind the callers judge by form
    themselves."""
    if kind == OTHER:
        return True
    form = endorsement.form_number
    if form is None:
        return True
    entry = _COUNTS_FOR.get((form, endorsement.edition)) or _COUNTS_FOR.get((form, None))
    if entry is None:
        return True
    kinds, form_line = entry
    if kind not in kinds:
        return False
    return (
        line is None or form_line == line or line not in _FORM_LINES or form_line not in _FORM_LINES
    )


def endorsement_outcome(
    record: RecordAsOf, kind: str, line: str | None, day: date, on_file_demanded: bool
) -> tuple[str, object, Evidence | None]:
    """(outcome, found, evidence) for "an endorsement of `kind` on `line` exists on `day`".

    The first endorsement on file in effect wins; failing that, the first certificate claim.
    """
    on_file, claimed = _in_effect_by_source(record, kind, line, day)
    if on_file:
        first = on_file[0]
        return PASS, first.form_label or "endorsement on file", first.evidence
    if claimed:
        outcome = UNKNOWN if on_file_demanded else PASS
        return outcome, "claimed on certificate only", claimed[0].evidence
    if line is not None and line in record.unreadable_lines:
        # The line is on the document but its dates were not read: not judged as missing.
        return UNKNOWN, UNREADABLE_LINE, None
    if record.remarks_attached:
        return UNKNOWN, REMARKS_ATTACHED, None
    return FAIL, None, None


UNREADABLE_LINE: Final = "line shown, dates unreadable"
# The certificate's remarks continue on an attachment that was not read: what it does not show
# may be there, so it is asked for, not called missing.
REMARKS_ATTACHED: Final = "remarks continue on an attachment not read"
# The kinds an endorsement can be filed under and still grant additional-insured status by its
# form (CG 20 10 11 85 filed as ongoing also covers completed operations).
_AI_FILED_KINDS: Final = (AI_ONGOING, AI_COMPLETED, OTHER)


def resolved_form(
    endorsement: Endorsement, equivalents: Mapping[str, FormEdition]
) -> tuple[str | None, str | None]:
    """The ISO (form, edition) an endorsement is judged as: its own, or the ISO form a GC
    declared its carrier form equivalent to."""
    if equivalents:
        for key in (endorsement.form_label, endorsement.form_number):
            if key is not None:
                iso = equivalents.get(normalise_carrier_form(key))
                if iso is not None:
                    return iso.form, iso.edition
    return endorsement.form_number, endorsement.edition


def direct_only(endorsement: Endorsement, equivalents: Mapping[str, FormEdition]) -> bool:
    """A blanket form that reaches only parties the insured contracts with directly
    (CG 20 33), not the owner or lender above them (CG 20 38)."""
    form, edition = resolved_form(endorsement, equivalents)
    info = form_info(form, edition)
    return info is not None and info.qualifies == DIRECT


def is_blanket(endorsement: Endorsement, equivalents: Mapping[str, FormEdition]) -> bool | None:
    """Whether the endorsement is blanket: as the record says, else as its form is by the
    forms table when that form is blanket by nature (CG 20 33, CG 20 38: no schedule to read).
    A scheduled form whose mark is unknown stays unknown (its schedule may say "any party the
    written contract requires")."""
    blanket = endorsement.blanket
    if blanket is None and endorsement.form_number is not None:
        form, edition = resolved_form(endorsement, equivalents)
        info = form_info(form, edition)
        if info is not None and info.blanket:
            return True
    return blanket


def scheduled_form(endorsement: Endorsement, equivalents: Mapping[str, FormEdition]) -> bool:
    """A form that covers only the parties on its schedule (CG 20 10, CG 20 37, CG 20 26 by
    the forms table): a party it does not name is not covered, whether or not the certificate
    says "blanket" or "named" (DOMAIN.md: named parties by exact entity name)."""
    form, edition = resolved_form(endorsement, equivalents)
    info = form_info(form, edition)
    return info is not None and info.blanket is False


def _granting(
    record: RecordAsOf,
    kind: str,
    line: str,
    day: date,
    equivalents: Mapping[str, FormEdition],
    on_file: list[Endorsement],
    claimed: list[Endorsement],
) -> None:
    """Endorsements filed under another kind whose form grants `kind` (by the forms table)."""
    for filed_kind in _AI_FILED_KINDS:
        if filed_kind == kind:
            continue
        filed_on_file, filed_claimed = _in_effect_by_source(record, filed_kind, line, day)
        for endorsement in filed_on_file:
            if _form_grants(endorsement, kind, equivalents):
                on_file.append(endorsement)
        for endorsement in filed_claimed:
            if _form_grants(endorsement, kind, equivalents):
                claimed.append(endorsement)


def _form_grants(
    endorsement: Endorsement, kind: str, equivalents: Mapping[str, FormEdition]
) -> bool:
    """Whether the form the endorsement is judged as (resolved_form) grants `kind`."""
    form, edition = resolved_form(endorsement, equivalents)
    return form is not None and grants(form, edition, kind)


def required_parties(set_parties: dict[str, str], context_parties: tuple[str, ...]) -> Parties:
    """The required parties, folded name -> name: the set's (folded once, with the plan) and then
    the context's, the first spelling of a folded name kept."""
    if not context_parties:
        return set_parties  # shared with the plan: nobody writes to it
    seen = set_parties.copy()
    for party, key in zip(context_parties, entity_keys(context_parties), strict=True):
        seen.setdefault(key, party)
    return seen


def additional_insured_presence(
    out: list[Check],
    record: RecordAsOf,
    kind: str,
    spec: CheckSpec,
    line: str,
    day: date,
    on_file_demanded: bool,
    equivalents: Mapping[str, FormEdition],
) -> list[Endorsement] | None:
    """The presence check; returns the endorsements the form and parties are judged on, or
    None when there is nothing to judge them on. Endorsements filed under another kind count
    when their form grants this one (CG 20 10 11 85 covers completed operations)."""
    on_file, claimed = _in_effect_by_source(record, kind, line, day)
    if not on_file:
        _granting(record, kind, line, day, equivalents, on_file, claimed)
    if on_file:
        out.append(spec.make(PASS, line, True, "endorsement on file", on_file[0].evidence))
        return on_file
    if claimed:
        outcome = UNKNOWN if on_file_demanded else PASS
        out.append(
            spec.make(outcome, line, True, "claimed on certificate only", claimed[0].evidence)
        )
        # The form and schedule can only be judged on the endorsement itself.
        return None if on_file_demanded else claimed
    ongoing_only = _ongoing_only(record, kind, line, day)
    if ongoing_only is None and record.remarks_attached:
        out.append(spec.make(UNKNOWN, line, True, REMARKS_ATTACHED, None))
        return None
    out.append(spec.make(FAIL, line, True, ongoing_only, None))
    return None


def _ongoing_only(record: RecordAsOf, kind: str, line: str, day: date) -> str | None:
    """For a missing completed-operations AI: the ongoing-only form on the record, if any
    (CG 20 10 04 13 needs CG 20 37 beside it), for the message to name."""
    if kind != AI_COMPLETED:
        return None
    for endorsement in lookup(record.endorsements_by_kind, AI_ONGOING) or ():
        label = endorsement.form_label
        if label is not None and line in endorsement.lines and endorsement.in_effect(day):
            return label
    return None


def form_accepted(
    form: str | None,
    edition: str | None,
    accepted: tuple[FormEdition, ...],
    refused: tuple[FormEdition, ...],
    completed_stand_in: str | None,
) -> bool:
    """Whether a set accepts an (ISO) form at an edition: never when refused; else when the
    set accepts any form, lists it, or (for completed operations, `completed_stand_in`) the
    form grants completed-operations AI by the forms table, as CG 20 10 11 85 does."""
    for form_edition in refused:
        if form_edition.accepts(form, edition):
            return False
    if not accepted:
        return True
    for form_edition in accepted:
        if form_edition.accepts(form, edition):
            return True
    return (
        completed_stand_in is not None
        and form is not None
        and grants(form, edition, completed_stand_in)
    )


def check_forms(
    out: list[Check],
    spec: CheckSpec,
    line: str,
    forms: tuple[FormEdition, ...],
    refused: tuple[FormEdition, ...],
    completed_stand_in: str | None,
    equivalents: Mapping[str, FormEdition],
    expected: tuple[str, ...],
    endorsements: list[Endorsement],
) -> None:
    """The form check over several endorsements: the first accepted one passes it."""
    seen: list[str] = []
    accepted: Endorsement | None = None
    for endorsement in endorsements:
        described = endorsement.form_label
        # The ADDL INSD box and the description citing the form are one form to the reader:
        # "CG 20 26 04 13, CG 20 26 04 13" reads as two endorsements.
        if described is not None and described not in seen:
            seen.append(described)
        form_number, edition = resolved_form(endorsement, equivalents)
        if form_number is not None and form_accepted(
            form_number, edition, forms, refused, completed_stand_in
        ):
            accepted = endorsement
            break
    if accepted is not None:
        outcome, evidence = PASS, accepted.evidence
    else:
        outcome, evidence = (FAIL if seen else UNKNOWN), endorsements[0].evidence
    out.append(spec.make(outcome, line, expected, tuple(seen) or None, evidence))


def check_parties(
    out: list[Check],
    spec: CheckSpec,
    line: str,
    required: Parties,
    endorsements: list[Endorsement],
    blanket_allowed: bool,
    record: RecordAsOf,
    equivalents: Mapping[str, FormEdition],
    direct_party: str | None,
) -> None:
    """The parties check when no single endorsement covers every party (the plan tries that
    first). A blanket form for direct contracts only (CG 20 33) covers `direct_party` (the
    folded name of the party the sub contracts with, the certificate holder) and no one above
    it."""
    names = tuple(required.values())
    missing: list[str] = []
    undetermined: list[str] = []
    direct_forms: list[str] = []
    description: str | None = None  # folded only when a certificate's claim needs it
    # Names compare as legal entities, as the holder does: "Harbor Point Owner Limited
    # Partnership" on a schedule is "Harbor Point Owner LP", "... Inc." stays another entity.
    direct_legal = None if direct_party is None else legal_name_key(direct_party)
    for wanted, party in required.items():
        status = FAIL
        wanted_legal = legal_name_key(wanted)
        for endorsement in endorsements:
            blanket = is_blanket(endorsement, equivalents)
            if blanket and blanket_allowed:
                if not direct_only(endorsement, equivalents) or wanted_legal == direct_legal:
                    status = PASS
                    break
                label = endorsement.form_label or "a direct-contract blanket form"
                if label not in direct_forms:
                    direct_forms.append(label)
            if wanted in endorsement.party_keys or any(
                legal_name_key(key) == wanted_legal for key in endorsement.party_keys
            ):
                status = PASS
                break
            # A direct-contract blanket form (CG 20 33) reaches whom the form reaches; the
            # certificate naming a party above the GC does not extend it.
            if endorsement.source != SOURCE_ENDORSEMENT and not direct_only(
                endorsement, equivalents
            ):
                if description is None:
                    description = entity_key(record.description_of_operations or "")
                if _names_party(description, wanted) or (
                    wanted_legal == direct_legal and _holder_named_insured(record)
                ):
                    status = PASS
                    break
            if blanket is None and not (
                scheduled_form(endorsement, equivalents)
                and (
                    _schedule_shown(endorsement, required, description)
                    or (bool(direct_party) and _holder_named_insured(record))
                )
            ):
                status = UNKNOWN
        if status == FAIL:
            missing.append(party)
        elif status == UNKNOWN:
            undetermined.append(party)
    outcome = FAIL if missing else UNKNOWN if undetermined else PASS
    found: object = names
    if outcome != PASS:
        detail: dict[str, object] = {"not_covered": missing, "undetermined": undetermined}
        if missing and direct_forms:
            detail["direct_contract_only"] = direct_forms
        found = detail
    out.append(spec.make(outcome, line, names, found, endorsements[0].evidence))


def _schedule_shown(
    endorsement: Endorsement, required: Parties, folded_description: str | None
) -> bool:
    """Whether the parties a scheduled form covers are known: the endorsement's schedule was
    read, or the certificate names one of the required parties (it then lists who is
    scheduled, and a party it leaves out is not). A schedule not shown is a question, not a
    failure."""
    if endorsement.party_keys:
        return True
    if endorsement.source == SOURCE_ENDORSEMENT or not folded_description:
        return False
    return any(_names_party(folded_description, wanted) for wanted in required)


# "The certificate holder is an additional insured": the holder named by reference, in one
# sentence with the additional-insured words (not "notice to the certificate holder").
_HOLDER_INSURED: Final = re.compile(
    r"certificate\s+holder[^.]*additional(?:ly)?\s+insured"
    r"|additional(?:ly)?\s+insured[^.]*certificate\s+holder",
    re.IGNORECASE,
)


def _holder_named_insured(record: RecordAsOf) -> bool:
    description = record.description_of_operations
    return description is not None and _HOLDER_INSURED.search(description) is not None


def _names_party(normalised_description: str, normalised_party: str) -> bool:
    """Whether the description names the party as a whole phrase (not a longer entity name)."""
    padded = f" {normalised_description} "
    index = padded.find(f" {normalised_party} ")
    return index >= 0


def check_notice(
    out: list[Check],
    spec: CheckSpec,
    record: RecordAsOf,
    days_required: int,
    day: date,
    on_file_demanded: bool,
) -> None:
    on_file, claimed = _in_effect_by_source(record, NOTICE_OF_CANCELLATION, None, day)
    candidates = on_file or ([] if on_file_demanded else claimed)
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
    elif record.remarks_attached:
        outcome, evidence, found = UNKNOWN, None, REMARKS_ATTACHED
    else:
        outcome, evidence, found = FAIL, None, None
    out.append(spec.make(outcome, None, days_required, found, evidence))


def _mentions(text: str, words: tuple[str, ...]) -> bool:
    lowered = text.lower()
    for word in words:
        if word in lowered:
            return True
    return False


def _scan(pattern: re.Pattern[str], words: tuple[str, ...], text: str, lowered: str) -> str | None:
    """The first match of `pattern` in `text` (`lowered` is text.lower()), searched only when
    a word it needs is there."""
    for word in words:
        if word in lowered:
            match = pattern.search(text)
            return match.group(0) if match else None
    return None


def _first_to_be_named(names: tuple[str, ...]) -> str | None:
    """The "to be named" wording of the first name in `names` that has any."""
    for name in names:
        flagged = _scan(_TO_BE_NAMED, _TO_BE_NAMED_WORDS, name, name.lower())
        if flagged is not None:
            return flagged
    return None


def check_red_flags(
    out: list[Check], specs: tuple[CheckSpec, CheckSpec], record: RecordAsOf, day: date
) -> None:
    conditional_spec, to_be_named_spec = specs
    description = record.description_of_operations or ""
    lowered = description.lower()
    conditional = _scan(_CONDITIONAL_WORDING, _CONDITIONAL_WORDS, description, lowered)
    to_be_named = _scan(_TO_BE_NAMED, _TO_BE_NAMED_WORDS, description, lowered)
    evidence = lookup(record.evidence, "description_of_operations")
    named_evidence = evidence
    if to_be_named is None:
        for endorsement in record.endorsements:
            names = endorsement.named_parties
            # A name holding one of the words puts it in the joined text: one look settles most.
            if names and _mentions("\n".join(names), _TO_BE_NAMED_WORDS):
                flagged = _first_to_be_named(names)
                if flagged is not None:
                    to_be_named, named_evidence = flagged, endorsement.evidence
    # Conditional wording is how blanket endorsements work: next to an AI endorsement on
    # file, or a form the certificate cites, it is no red flag.
    backed = conditional is not None and any(
        (endorsement.on_file or endorsement.form_number is not None)
        and endorsement.kind in (AI_ONGOING, AI_COMPLETED)
        and endorsement.in_effect(day)
        for endorsement in record.endorsements
    )
    outcome = PASS if conditional is None or backed else FAIL
    out.append(conditional_spec.make(outcome, None, _CONDITIONAL_EXPECTED, conditional, evidence))
    outcome = PASS if to_be_named is None else FAIL
    out.append(
        to_be_named_spec.make(outcome, None, "every party named", to_be_named, named_evidence)
    )


def check_waiver_box_vs_description(
    out: list[Check],
    spec: CheckSpec,
    record: RecordAsOf,
    lines: tuple[str, ...],
    day: date,
) -> None:
    """The description says the waiver of subrogation applies to a line whose SUBR WVD box was
    read and is not marked: the certificate contradicts itself, and only the endorsement
    settles it (the description's claim still stands where the set accepts claims). One check
    per such line the set asks a waiver on; none when every box is marked or unread (the usual
    case costs one look at each line's newest term)."""
    description = record.description_of_operations
    if not description:
        return
    unmarked: list[str] = []
    for line in lines:
        pairs = lookup(record.terms_by_line, line)
        if pairs and pairs[-1][1].subrogation_waived_flag is False:
            unmarked.append(line)
    if not unmarked:
        return
    claimed = waiver_lines(description)
    if not claimed:
        return
    evidence = lookup(record.evidence, "description_of_operations")
    for line in unmarked:
        if line not in claimed:
            continue
        on_file = any(
            endorsement.on_file and endorsement.in_effect(day) and line in endorsement.lines
            for endorsement in lookup(record.endorsements_by_kind, WAIVER_OF_SUBROGATION) or ()
        )
        outcome = PASS if on_file else FAIL
        out.append(spec.make(outcome, line, "box marked", "box not marked", evidence))


_AI_WORDS: Final = "additional insured"


def check_box_vs_description(
    out: list[Check], spec: CheckSpec, record: RecordAsOf, day: date
) -> None:
    """The description says there is an additional insured while the general liability row's
    ADDL INSD box is not marked: the certificate contradicts itself, and only the endorsement
    settles it. Evaluated when the description speaks of an additional insured and the box
    was read."""
    description = record.description_of_operations
    if description is None or _AI_WORDS not in description.lower():
        return
    pairs = lookup(record.terms_by_line, GENERAL_LIABILITY)
    if not pairs:
        return
    marked = pairs[-1][1].additional_insured_flag
    if marked is None:
        return
    on_file = False
    for kind in (AI_ONGOING, AI_COMPLETED):
        for endorsement in lookup(record.endorsements_by_kind, kind) or ():
            if endorsement.on_file and endorsement.in_effect(day):
                on_file = True
    outcome = PASS if marked or on_file else FAIL
    found = "box marked" if marked else "box not marked"
    evidence = lookup(record.evidence, "description_of_operations")
    out.append(spec.make(outcome, GENERAL_LIABILITY, "box marked", found, evidence))
