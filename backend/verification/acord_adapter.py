"""Turn the ACORD 25 reader's JSON (contracts/acord25-json.md) into a RecordAsOf.

A certificate proves little about endorsements, so everything it says about them becomes an
Endorsement with source "certificate" (a claim):
- INSD "Y" on a line claims additional insured for ongoing operations on that line; completed
  operations are claimed only when the description mentions them or form CG 20 37;
- SUBR WVD "Y" on a line claims a waiver of subrogation on that line;
- the description of operations may claim primary and non-contributory wording, a notice of
  cancellation of N days, a per-project aggregate (CG 25 03) and ISO AI forms with editions;
- the "per project" aggregate box claims a per-project aggregate.
An umbrella "follows form" only when the description says so; otherwise it is unknown.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from backend.requirements.endorsement_forms import COMPLETED as COMPLETED_GRANT
from backend.requirements.endorsement_forms import ONGOING as ONGOING_GRANT
from backend.requirements.endorsement_forms import never_grants
from backend.requirements.model import normalise_edition
from backend.requirements.vocabulary import (
    AUTO_LIABILITY,
    GENERAL_LIABILITY,
    LIMIT_KINDS,
    RECORD_LINES,
    UMBRELLA,
    WORKERS_COMPENSATION,
)
from backend.verification.acord_input import INCLUDED, AcordInputError, check_certificate_types
from backend.verification.description import (
    EL_KINDS,
    FOLLOWS_FORM_WORDING,
    NOTICE_WORDING,
    NOTICE_WORDS,
    claims_made_terms,
    follow_form_lines,
    mentions_additional_insured,
    mentions_stop_gap,
    notice_days,
    owners_excluded_from,
    stop_gap_limits,
    waiver_lines,
    wc_states_from,
)
from backend.verification.record import (
    AI_COMPLETED,
    AI_ONGOING,
    NOTICE_OF_CANCELLATION,
    PER_PROJECT_AGGREGATE,
    PRIMARY_NONCONTRIBUTORY,
    SOURCE_CERTIFICATE,
    STOP_GAP,
    WAIVER_OF_SUBROGATION,
    Endorsement,
    Evidence,
    Policy,
    RecordAsOf,
    Term,
)

# The ISO AI forms a description may cite (endorsement_forms.FORMS): CG 20 26 (designated
# person) among them, so that a set accepting only CG 20 10 / 20 33 / 20 38 refuses it by name
# instead of calling the form unidentified.
# The edition as "04 13", "04/13", "0413", "(04/13)" or "04-13".
_AI_FORM: Final = re.compile(
    r"\bCG\s*20\s*(10|26|33|38|37)(?:\s*\(?(\d{2})\s*[/ -]?\s*(\d{2})\)?)?", re.I
)
# A carrier's own AI form cited after "form" or "endorsement" ("per form CG D3 60 09 15",
# "endorsement GL 20 85 01 19"): capitals and digits, at least one of each, its last two pairs
# of digits the edition. DOMAIN.md rule 8 counts it as a cited blanket form; a set judges it
# through its `equivalent_forms`, or refuses it by number.
# Up to seven parts: "U-GL-1175-F CW 04 13" is a carrier's number with its edition; an edition
# may also stand in brackets after it, "U-GL-1175-F CW (04/13)".
_CARRIER_FORM: Final = re.compile(
    r"\b(?i:form|endorsement)s?\s*(?i:no\.?|number|#)?\s*:?\s*"
    r"(?P<number>[A-Z][A-Z0-9]{0,4}(?:[ -][A-Z0-9]{1,5}){1,6})\b"
    r"(?:\s*\((?P<month>\d{2})[/ ]?(?P<year>\d{2})\))?"
)
_CARRIER_EDITION: Final = re.compile(r" (\d{2})[ /](\d{2})$")
# An ISO number (two letters, two pairs of digits) is read by _AI_FORM or is not an AI form.
_ISO_NUMBER: Final = re.compile(r"^[A-Z]{2} ?\d{2} ?\d{2}\b")
# Either order: "primary and non-contributory", "non-contributory and primary"; and the
# brokers' "P&NC".
_PNC: Final = re.compile(
    r"primary\s*(?:and|&|/|,)?\s*non[\s-]*contributory"
    r"|non[\s-]*contributory\s*(?:and|&|/|,)?\s*primary|\bP\s*&\s*NC\b",
    re.I,
)
# Completed operations claimed: in words, or by citing a form that covers them.
_COMPLETED_OPS: Final = re.compile(
    r"completed\s+op(?:eration)?s?|\bCG\s*20\s*37\b|\bCG\s*20\s*10\s*\(?11\s*[/ -]?\s*85\b", re.I
)
# CG 25 03 cited, or said in words: "per project aggregate", "aggregate applies per project".
_PER_PROJECT: Final = re.compile(
    r"\bCG\s*25\s*03\b|per[\s-]+project\s+(?:general\s+)?aggregate"
    r"|aggregate\s+(?:limits?\s+)?appl(?:y|ies)\s+(?:on\s+a\s+)?per[\s-]+project",
    re.I,
)
# "Does not follow form", "non-follow form", "not following form", "stand-alone umbrella": said
# plainly, the umbrella cannot count over a line (it is not merely unstated).
_NOT_FOLLOWS_FORM: Final = re.compile(
    r"\b(?:(?:does|do|is)\s+not|not|non)[\s-]+follow(?:s|ing)?[\s-]+form"
    r"|\bstand[\s-]?alone\s+(?:umbrella|excess)",
    re.I,
)
# "Any auto", "any automobile", "symbol 1" (the ACORD auto box of that name).
_ANY_AUTO: Final = re.compile(r"\bany\s+auto(?:s|mobiles?)?\b|\bsymbol\s*(?:#\s*)?1\b", re.I)
_BLANKET: Final = re.compile(r"\bblanket\b|automatic\s+(?:additional\s+insured\s+)?status", re.I)
_DESCRIPTION_POINTER: Final = "/description_of_operations"
# The lines besides general liability a description may grant AI on, by their words: auto (CA
# 20 48, its AI form) and the umbrella or excess policy.
_AI_LINE_WORDS: Final = (
    (AUTO_LIABILITY, re.compile(r"\bauto(?:mobile)?s?\b|\bCA\s*20\s*48\b|\bBAP?\b", re.I)),
    (UMBRELLA, re.compile(r"\bumbrella\b|\bexcess\b", re.I)),
)
# Where a sentence of the remarks ends: a full stop or semicolon, or a line break (brokers list
# items one to a line, without stops).
_SENTENCE_END: Final = re.compile(r"(?<=[.;])\s+|\n")
# The description says its remarks continue elsewhere: "see attached", "ACORD 101" (the
# additional remarks schedule), "see page 2", "continued on attached schedule".
_REMARKS_ELSEWHERE: Final = re.compile(
    r"\bsee\s+(?:the\s+)?attach|\bACORD\s*101\b|additional\s+remarks\s+schedule"
    r"|\bsee\s+(?:page|pg\.?)\s*\d|\bcontinued\s+on\b",
    re.I,
)


class AcordRecordError(ValueError):
    """ACORD JSON that cannot be turned into a record (not an object, a reader error, a value
    of the wrong type, ...)."""


def record_from_acord_json(
    document: object, *, document_id: str | None = None, as_of: date | None = None
) -> RecordAsOf:
    """Build the record a certificate shows. `document_id` (e.g. the PDF's SHA-256) goes into
    every Evidence; `as_of` defaults to the certificate date."""
    if not isinstance(document, dict):
        raise AcordRecordError("the certificate JSON must be an object")
    if "error" in document:
        error = document["error"]
        message = error.get("message") if isinstance(error, dict) else error
        raise AcordRecordError(f"the certificate could not be read: {message}")
    coverages = document.get("coverages")
    if not isinstance(coverages, list):
        raise AcordRecordError("the certificate JSON has no 'coverages' list")
    try:
        check_certificate_types(document)
    except AcordInputError as exc:
        raise AcordRecordError(str(exc)) from None
    raw_fields = document.get("fields")
    fields: dict[str, Any] = raw_fields if isinstance(raw_fields, dict) else {}
    evidence = _EvidenceMaker(document_id, fields)
    insurers = _insurers(document.get("insurers"))
    description = _optional_text(document.get("description_of_operations"))
    certificate_date = _date(document.get("certificate_date"))
    policies: list[Policy] = []
    endorsements: list[Endorsement] = []
    unreadable: list[str] = []
    for index, coverage in enumerate(coverages):
        if not isinstance(coverage, dict) or coverage.get("line") not in RECORD_LINES:
            continue
        line = coverage["line"]
        policy = _policy(index, coverage, insurers, evidence, description)
        if policy is None:
            unreadable.append(UMBRELLA if line == "excess" else line)
        else:
            policies.append(policy)
        # The marks are read whether or not the row's dates were.
        endorsements.extend(_flag_claims(index, coverage, line, evidence, description))
    shown_lines = {policy.line for policy in policies} | set(unreadable)
    endorsements.extend(_description_claims(description, shown_lines, coverages, evidence))
    endorsements = _cited_forms_carry_the_box(_claims_beyond_the_forms(endorsements))
    endorsements.extend(_follow_form_claims(policies, endorsements))
    holder = document.get("certificate_holder")
    holder_name = _optional_text(holder.get("name")) if isinstance(holder, dict) else None
    insured = document.get("insured")
    insured_name = _optional_text(insured.get("name")) if isinstance(insured, dict) else None
    return RecordAsOf(
        as_of=as_of or certificate_date or date.min,
        policies=tuple(policies),
        endorsements=tuple(endorsements),
        insured_name=insured_name,
        certificate_holder_name=holder_name,
        description_of_operations=description,
        unreadable_lines=tuple(unreadable),
        remarks_attached=bool(description and _REMARKS_ELSEWHERE.search(description)),
        evidence={
            "certificate_holder_name": evidence.at("/certificate_holder/name"),
            "description_of_operations": evidence.at(_DESCRIPTION_POINTER),
        },
    )


class _EvidenceMaker:
    def __init__(self, document_id: str | None, fields: Mapping[str, Any]) -> None:
        self.document_id = document_id
        self.fields = fields

    def at(self, pointer: str) -> Evidence:
        info = self.fields.get(pointer)
        page: int | None = None
        bbox: tuple[float, float, float, float] | None = None
        if isinstance(info, dict):
            raw_page = info.get("page")
            page = raw_page if isinstance(raw_page, int) else None
            raw_box = info.get("bbox")
            if isinstance(raw_box, list) and len(raw_box) == 4:
                if all(isinstance(value, (int, float)) for value in raw_box):
                    bbox = (
                        float(raw_box[0]),
                        float(raw_box[1]),
                        float(raw_box[2]),
                        float(raw_box[3]),
                    )
        return Evidence(document=self.document_id, page=page, pointer=pointer, bbox=bbox)


def _insurers(value: object) -> dict[str, tuple[str | None, str | None]]:
    insurers: dict[str, tuple[str | None, str | None]] = {}
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and isinstance(item.get("letter"), str):
                letter = item["letter"].strip().upper()
                insurers[letter] = (
                    _optional_text(item.get("name")),
                    _optional_text(item.get("naic")),
                )
    return insurers


def _policy(
    index: int,
    coverage: dict[str, Any],
    insurers: dict[str, tuple[str | None, str | None]],
    evidence: _EvidenceMaker,
    description: str | None,
) -> Policy | None:
    base = f"/coverages/{index}"
    letter = coverage.get("insurer_letter")
    name, naic = (
        insurers.get(letter.strip().upper(), (None, None))
        if isinstance(letter, str)
        else (None, None)
    )
    effective = _date(coverage.get("effective"))
    expiration = _date(coverage.get("expiration"))
    if effective is None or expiration is None or expiration <= effective:
        return None
    line = coverage["line"]
    given_limits = coverage.get("limits")
    raw_limits: dict[str, Any] = given_limits if isinstance(given_limits, dict) else {}
    known_kinds = LIMIT_KINDS[line]
    limits = {kind: _amount(raw_limits.get(kind)) for kind in known_kinds}
    # The reader keeps an "Included" limit null (the contract's money is a number) and lists
    # its kind under the added key `included_limits`; a producer may also write "Included".
    listed = coverage.get("included_limits")
    listed_kinds = set(listed) if isinstance(listed, list) else set()
    included = tuple(
        kind
        for kind in known_kinds
        if _is_included(raw_limits.get(kind))
        or (kind in listed_kinds and raw_limits.get(kind) is None)
    )
    term_evidence = {
        name: evidence.at(f"{base}/{name}")
        for name in (
            "effective",
            "expiration",
            "policy_number",
            "basis",
            "covered_autos",
            "statutory",
            "aggregate_applies_per",
            "officers_excluded",
            "states",
            "retro_date",
        )
    }
    for kind in known_kinds:
        term_evidence[f"limits.{kind}"] = evidence.at(f"{base}/limits/{kind}")
    if line == WORKERS_COMPENSATION and description and all(limits[k] is None for k in EL_KINDS):
        # A state fund's row (ND, OH, WA, WY) carries no employer's liability: the limits of
        # the stop-gap endorsement that gives it, stated in the description, stand for them.
        stop_gap = stop_gap_limits(description)
        if stop_gap is not None:
            for kind, amount in stop_gap.items():
                limits[kind] = amount
                term_evidence[f"limits.{kind}"] = evidence.at(_DESCRIPTION_POINTER)
    follows_form: bool | None = None
    follows_form_over: tuple[str, ...] | None = None
    if line in (UMBRELLA, "excess") and description:
        if _NOT_FOLLOWS_FORM.search(description):
            follows_form = False
            term_evidence["follows_form"] = evidence.at(_DESCRIPTION_POINTER)
        elif FOLLOWS_FORM_WORDING.search(description):
            follows_form = True
            # Over the lines its sentence names, when it names some: an umbrella over GL and
            # auto only cannot make up employer's liability (DOMAIN.md, combined limits).
            follows_form_over = follow_form_lines(description)
            term_evidence["follows_form"] = evidence.at(_DESCRIPTION_POINTER)
    autos = coverage.get("covered_autos")
    if (
        line == AUTO_LIABILITY
        and not (isinstance(autos, list) and autos)
        and description
        and _ANY_AUTO.search(description)
    ):
        # No box read, yet the description says "any auto" (symbol 1): that is the answer.
        autos = ["any_auto"]
        term_evidence["covered_autos"] = evidence.at(_DESCRIPTION_POINTER)
    basis = _choice(coverage.get("basis"), ("occurrence", "claims_made"))
    retro_date = _date(coverage.get("retro_date"))
    tail_years: int | None = None
    if basis == "claims_made" and description:
        stated_retro, tail_years = claims_made_terms(description)
        if retro_date is None and stated_retro is not None:
            retro_date = stated_retro
            term_evidence["retro_date"] = evidence.at(_DESCRIPTION_POINTER)
        if tail_years is not None:
            term_evidence["tail_years"] = evidence.at(_DESCRIPTION_POINTER)
    officers_excluded: bool | None = None
    states: tuple[str, ...] | None = None
    if line == WORKERS_COMPENSATION:
        officers_excluded = _flag(coverage.get("officers_excluded"))
        if officers_excluded is None and description:
            # The Y/N box not read or left blank: "officers excluded" in the remarks answers.
            officers_excluded = owners_excluded_from(description)
            if officers_excluded is not None:
                term_evidence["officers_excluded"] = evidence.at(_DESCRIPTION_POINTER)
        states = _states(coverage.get("states"), description)
        if states is not None and not isinstance(coverage.get("states"), list):
            term_evidence["wc_states"] = evidence.at(_DESCRIPTION_POINTER)
        elif states is None and name is not None:
            # The row's insurer is a monopolistic state's fund ("Ohio Bureau of Workers'
            # Compensation", "Washington State Department of Labor & Industries"): its state.
            states = wc_states_from(name)
            term_evidence["wc_states"] = evidence.at(f"{base}/insurer_letter")
        else:
            term_evidence["wc_states"] = evidence.at(f"{base}/states")
    term = Term(
        effective=effective,
        expiration=expiration,
        policy_number=_optional_text(coverage.get("policy_number")),
        basis=basis,
        retro_date=retro_date,
        tail_years=tail_years,
        limits=limits,
        included_limits=included,
        officers_excluded=officers_excluded,
        wc_states=states,
        covered_autos=(
            tuple(item for item in autos if isinstance(item, str))
            if line == AUTO_LIABILITY and isinstance(autos, list)
            else None
        ),
        follows_form=follows_form,
        follows_form_over=follows_form_over,
        statutory=_flag(coverage.get("statutory")) if line == WORKERS_COMPENSATION else None,
        aggregate_applies_per=_choice(
            coverage.get("aggregate_applies_per"), ("policy", "project", "location")
        ),
        additional_insured_flag=_flag(coverage.get("additional_insured")),
        subrogation_waived_flag=_flag(coverage.get("subrogation_waived")),
        evidence=term_evidence,
    )
    return Policy(
        line=line,
        terms=(term,),
        insurer_name=name,
        insurer_naic=naic,
        evidence={"insurer_naic": evidence.at(f"{base}/insurer_letter")},
    )


def _flag_claims(
    index: int,
    coverage: dict[str, Any],
    line: str,
    evidence: _EvidenceMaker,
    description: str | None,
) -> list[Endorsement]:
    line = UMBRELLA if line == "excess" else line
    claims: list[Endorsement] = []
    blanket = True if description and _BLANKET.search(description) else None
    if coverage.get("additional_insured") is True:
        flag_evidence = evidence.at(f"/coverages/{index}/additional_insured")
        claims.append(_claim(AI_ONGOING, line, flag_evidence, blanket=blanket))
        if description and _COMPLETED_OPS.search(description):
            claims.append(_claim(AI_COMPLETED, line, flag_evidence, blanket=blanket))
    if coverage.get("subrogation_waived") is True:
        flag_evidence = evidence.at(f"/coverages/{index}/subrogation_waived")
        claims.append(_claim(WAIVER_OF_SUBROGATION, line, flag_evidence))
    if line == GENERAL_LIABILITY and coverage.get("aggregate_applies_per") == "project":
        flag_evidence = evidence.at(f"/coverages/{index}/aggregate_applies_per")
        claims.append(_claim(PER_PROJECT_AGGREGATE, line, flag_evidence))
    return claims


def _description_claims(
    description: str | None,
    shown_lines: set[str],
    coverages: list[Any],
    evidence: _EvidenceMaker,
) -> list[Endorsement]:
    if not description:
        return []
    where = evidence.at(_DESCRIPTION_POINTER)
    claims: list[Endorsement] = []
    has_gl = GENERAL_LIABILITY in shown_lines
    blanket = True if _BLANKET.search(description) else None
    gl_marked = any(
        isinstance(coverage, dict)
        and coverage.get("line") == GENERAL_LIABILITY
        and coverage.get("additional_insured") is True
        for coverage in coverages
    )
    if has_gl and not gl_marked and mentions_additional_insured(description):
        # The box is not marked, yet the description says there is an additional insured: a
        # claim all the same (the engine also flags the contradiction).
        claims.append(_claim(AI_ONGOING, GENERAL_LIABILITY, where, blanket=blanket))
        if _COMPLETED_OPS.search(description):
            claims.append(_claim(AI_COMPLETED, GENERAL_LIABILITY, where, blanket=blanket))
    shown = {UMBRELLA if line == "excess" else line for line in shown_lines}
    for line, words in _AI_LINE_WORDS:
        if line not in shown or _box_marked(coverages, line):
            continue
        # "Additional insured applies to auto per CA 20 48", "... on the umbrella": a sentence
        # naming the line claims AI on it, its box unmarked (as the description does for GL).
        if any(
            words.search(sentence) and mentions_additional_insured(sentence)
            for sentence in _SENTENCE_END.split(description)
        ):
            claims.append(_claim(AI_ONGOING, line, where, blanket=blanket))
            if _COMPLETED_OPS.search(description):
                claims.append(_claim(AI_COMPLETED, line, where, blanket=blanket))
    if mentions_stop_gap(description):
        # Stop-gap employer's liability is a general liability endorsement (DOMAIN.md).
        claims.append(_claim(STOP_GAP, GENERAL_LIABILITY, where))
    for match in _AI_FORM.finditer(description):
        number, month, year = match.groups()
        kind = AI_COMPLETED if number == "37" else AI_ONGOING
        edition = normalise_edition(f"{month}{year}") if month and year else None
        claims.append(
            Endorsement(
                kind=kind,
                lines=(GENERAL_LIABILITY,),
                source=SOURCE_CERTIFICATE,
                form_number=f"CG 20 {number}",
                edition=edition,
                blanket=(
                    True
                    if number in ("33", "38")
                    else _blanket_sentence(description, match, blanket)
                ),
                evidence=where,
            )
        )
    claims.extend(_carrier_forms(description, where, blanket))
    waived = waiver_lines(description)
    if waived:
        # The description names the lines whose waiver it claims; a row whose SUBR WVD box is
        # marked already claims its own.
        marked = {
            UMBRELLA if coverage.get("line") == "excess" else coverage.get("line")
            for coverage in coverages
            if isinstance(coverage, dict) and coverage.get("subrogation_waived") is True
        }
        shown = {UMBRELLA if line == "excess" else line for line in shown_lines}
        for line in waived:
            if line in shown and line not in marked:
                claims.append(_claim(WAIVER_OF_SUBROGATION, line, where))
    if _PNC.search(description) and has_gl:
        claims.append(_claim(PRIMARY_NONCONTRIBUTORY, GENERAL_LIABILITY, where))
    notice = NOTICE_WORDING.search(description)
    if notice is not None or NOTICE_WORDS.search(description):
        # Notice of cancellation mentioned without its days ("per policy provisions") is a
        # claim whose days are unknown: the check asks for them instead of failing.
        days = notice_days(description, notice) if notice is not None else None
        claims.append(
            Endorsement(
                kind=NOTICE_OF_CANCELLATION,
                lines=tuple(sorted(shown_lines)),
                source=SOURCE_CERTIFICATE,
                notice_days=days,
                evidence=where,
            )
        )
    if _PER_PROJECT.search(description) and has_gl:
        claims.append(_claim(PER_PROJECT_AGGREGATE, GENERAL_LIABILITY, where))
    return claims


def _blanket_sentence(
    description: str, match: re.Match[str], described_blanket: bool | None
) -> bool | None:
    """Whether a scheduled form cited in the description is blanket ("blanket AI per CG 20 10
    and CG 20 37 where required by written contract": a schedule reading "any party the written
    contract requires"). A sentence making its own additional-insured statement decides for the
    forms it cites: "the GC is additional insured for completed operations per CG 20 37" beside
    a blanket CG 20 38 covers the GC alone. A bare list of forms ("Forms: CG 20 10 04 13,
    CG 20 37 04 13") takes the description's word (`described_blanket`)."""
    start = max(description.rfind(".", 0, match.start()), description.rfind("\n", 0, match.start()))
    stops = (description.find(".", match.end()), description.find("\n", match.end()))
    stop = min((at for at in stops if at >= 0), default=len(description))
    sentence = description[start + 1 : stop]
    if _BLANKET.search(sentence):
        return True
    return None if mentions_additional_insured(sentence) else described_blanket


def _box_marked(coverages: list[Any], line: str) -> bool:
    """Whether a row of `line` (an excess row for the umbrella) has its INSD box marked."""
    rows = (line, "excess") if line == UMBRELLA else (line,)
    return any(
        isinstance(coverage, dict)
        and coverage.get("line") in rows
        and coverage.get("additional_insured") is True
        for coverage in coverages
    )


def _carrier_forms(description: str, where: Evidence, blanket: bool | None) -> list[Endorsement]:
    """The carrier AI forms a description cites in a sentence about additional insureds, as
    ongoing-operations claims on general liability under their own number."""
    claims: list[Endorsement] = []
    for match in _CARRIER_FORM.finditer(description):
        number = match.group("number")
        if _ISO_NUMBER.match(number) or not any(ch.isdigit() for ch in number):
            continue
        start = description.rfind(".", 0, match.start()) + 1
        stop = description.find(".", match.end())
        if not mentions_additional_insured(description[start : stop if stop >= 0 else None]):
            continue
        edition: str | None = None
        dated = _CARRIER_EDITION.search(number)
        if match.group("month") is not None:
            edition = f"{match.group('month')} {match.group('year')}"
        elif dated is not None:
            edition = f"{dated.group(1)} {dated.group(2)}"
            number = number[: dated.start()]
        claims.append(
            Endorsement(
                kind=AI_ONGOING,
                lines=(GENERAL_LIABILITY,),
                source=SOURCE_CERTIFICATE,
                form_number=number,
                edition=edition,
                blanket=blanket,
                evidence=where,
            )
        )
    return claims


def _claims_beyond_the_forms(endorsements: list[Endorsement]) -> list[Endorsement]:
    """ "Ongoing and completed operations under CG 20 10 04 13" claims completed operations in
    words, yet the only form it cites covers ongoing operations alone (DOMAIN.md: 10 01, 07 04
    and 04 13 need CG 20 37); "for completed operations under CG 20 37" with the INSD box marked
    claims ongoing operations by the box alone, yet the form it cites covers completed
    operations only. When the description cites AI forms and each is known not to grant a
    kind, the certificate's form-less claims of that kind on general liability (and the
    umbrella over it) claim nothing: that check then fails and asks for the missing form, as
    for a certificate that never claimed it. Auto AI (CA 20 48) is not a CG form's to deny."""
    cited = [
        endorsement
        for endorsement in endorsements
        if endorsement.source == SOURCE_CERTIFICATE
        and endorsement.form_number is not None
        and endorsement.kind in (AI_ONGOING, AI_COMPLETED)
    ]
    if not cited:
        return endorsements
    denied = {
        kind
        for kind, grant in ((AI_ONGOING, ONGOING_GRANT), (AI_COMPLETED, COMPLETED_GRANT))
        if all(_never_grants(endorsement, grant) for endorsement in cited)
    }
    if not denied:
        return endorsements
    return [
        endorsement
        for endorsement in endorsements
        if not (
            endorsement.kind in denied
            and endorsement.source == SOURCE_CERTIFICATE
            and endorsement.form_number is None
            and set(endorsement.lines) <= _CG_FORM_LINES
        )
    ]


# The lines a CG additional-insured form amends: general liability, and the umbrella that
# follows it.
_CG_FORM_LINES: Final = frozenset({GENERAL_LIABILITY, UMBRELLA})


def _never_grants(endorsement: Endorsement, grant: str) -> bool:
    """The cited form surely does not grant `grant` (endorsement_forms.never_grants)."""
    return never_grants(endorsement.form_number, endorsement.edition, grant)


def _cited_forms_carry_the_box(endorsements: list[Endorsement]) -> list[Endorsement]:
    """The GL row's ADDL INSD box and the AI forms the description cites are one claim: when
    the description names the form of a kind (CG 20 33, CG 20 10 ...), the box's claim of that
    kind is judged as that form, not as a form-less claim reaching further than the form does
    (a box read as "blanket" would otherwise cover the owner that CG 20 33 does not reach)."""
    cited: dict[str, Endorsement] = {}
    for endorsement in endorsements:
        if endorsement.form_number is not None and endorsement.source == SOURCE_CERTIFICATE:
            cited.setdefault(endorsement.kind, endorsement)
    if not cited:
        return endorsements
    carried: list[Endorsement] = []
    for endorsement in endorsements:
        form = cited.get(endorsement.kind)
        if (
            form is not None
            and endorsement.source == SOURCE_CERTIFICATE
            and endorsement.form_number is None
            and endorsement.lines == (GENERAL_LIABILITY,)
        ):
            endorsement = dataclasses.replace(
                endorsement,
                form_number=form.form_number,
                edition=form.edition,
                blanket=form.blanket,
            )
        carried.append(endorsement)
    return carried


def _follow_form_claims(
    policies: list[Policy], endorsements: list[Endorsement]
) -> list[Endorsement]:
    """An umbrella that follows form extends the general liability's additional insureds (as
    the records loader has it): when its own INSD box claims none, the GL claims are claimed
    for it too."""
    follows = any(
        policy.line in (UMBRELLA, "excess") and any(term.follows_form for term in policy.terms)
        for policy in policies
    )
    ai_kinds = (AI_ONGOING, AI_COMPLETED)
    if not follows or any(e.kind in ai_kinds and UMBRELLA in e.lines for e in endorsements):
        return []
    return [
        dataclasses.replace(endorsement, lines=(UMBRELLA,))
        for endorsement in endorsements
        if endorsement.kind in ai_kinds and GENERAL_LIABILITY in endorsement.lines
    ]


def _claim(kind: str, line: str, evidence: Evidence, *, blanket: bool | None = None) -> Endorsement:
    return Endorsement(
        kind=kind, lines=(line,), source=SOURCE_CERTIFICATE, blanket=blanket, evidence=evidence
    )


def _date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _is_included(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower() == INCLUDED


def _states(value: object, description: str | None) -> tuple[str, ...] | None:
    """The states WC covers: the row's own list when the reader gives one, else what the
    description states (item 3.A, "all states", a list)."""
    if isinstance(value, list):
        return tuple(sorted({item.strip().upper() for item in value if isinstance(item, str)}))
    if description:
        return wc_states_from(description)
    return None


def _amount(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _flag(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _choice(value: object, allowed: tuple[str, ...]) -> str | None:
    return value if isinstance(value, str) and value in allowed else None


def _optional_text(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()
