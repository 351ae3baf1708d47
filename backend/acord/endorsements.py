"""Endorsement pages: form number and edition, what the form does, blanket or scheduled, the
scheduled names or projects, and the policy it amends.

See ENDORSEMENT_JSON.md for the JSON this produces.
"""

from __future__ import annotations

import re
from typing import Any

from backend.acord.values import clean_text, parse_date

# ISO forms: two letters and two pairs of digits (workers' compensation forms have three pairs),
# then the edition as "04 13", "(04/13)", "04-13" or "0413".
_ISO_FORM = re.compile(r"\b(CG|CA|WC|IL|CU|CP|IM|BP)\s?(\d{2})\s?(\d{2})(?:\s?(\d{2}))?")
# Carrier forms: letters, a dash and a line code, then a number ("TBA-GL 5803 (02 20)").
_CARRIER_FORM = re.compile(r"\b([A-Z]{2,6}-[A-Z]{1,4})\s?(\d{3,6})\b")
_EDITION = re.compile(r"^\s*\(?\s*(\d{2})\s*[/\-\s]?\s*(\d{2})\s*\)?(?!\d)")

_KNOWN: dict[str, str] = {
    "CG 20 10": "additional_insured_ongoing_operations",
    "CG 20 37": "additional_insured_completed_operations",
    "CG 20 38": "additional_insured_automatic_status_contractors",
    "CG 20 26": "additional_insured_designated_person",
    "CG 24 04": "waiver_of_subrogation",
    "CG 20 01": "primary_and_noncontributory",
    "CG 25 03": "per_project_aggregate",
    "CG 25 04": "per_location_aggregate",
    "CA 20 48": "auto_designated_insured",
    "CA 04 44": "auto_waiver_of_subrogation",
    "WC 00 03 13": "workers_compensation_waiver_of_subrogation",
    # Notice of cancellation to a designated person (IL 70 21 is an interline form).
    "IL 70 21": "notice_of_cancellation",
    "CG 02 24": "notice_of_cancellation",
}
# What a form does, in the words the record uses, for the ISO forms ...
_PURPOSE_BY_KIND: dict[str, str] = {
    "additional_insured_ongoing_operations": "additional_insured_ongoing",
    "additional_insured_completed_operations": "additional_insured_completed",
    "additional_insured_automatic_status_contractors": "additional_insured_automatic",
    "additional_insured_designated_person": "additional_insured_ongoing",
    "waiver_of_subrogation": "waiver_of_subrogation",
    "primary_and_noncontributory": "primary_noncontributory",
    "per_project_aggregate": "per_project_aggregate",
    "per_location_aggregate": "per_location_aggregate",
    "auto_waiver_of_subrogation": "auto_waiver_of_subrogation",
    "workers_compensation_waiver_of_subrogation": "workers_compensation_waiver_of_subrogation",
    "notice_of_cancellation": "notice_of_cancellation",
}
# ... and from the title's key words for carrier forms (first match wins).
_PURPOSE_BY_TITLE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"NOTICE\s+OF\s+CANCEL", re.I), "notice_of_cancellation"),
    (re.compile(r"PRIMARY", re.I), "primary_noncontributory"),
    (re.compile(r"WAIVER|RECOVER|SUBROGATION", re.I), "waiver_of_subrogation"),
    (
        re.compile(r"ADDITIONAL INSURED.*(ONGOING.*COMPLETED|COMPLETED.*ONGOING)", re.I),
        "additional_insured_ongoing_completed",
    ),
    (re.compile(r"ADDITIONAL INSURED.*COMPLETED", re.I), "additional_insured_completed"),
    (re.compile(r"ADDITIONAL INSURED", re.I), "additional_insured_ongoing"),
    (re.compile(r"SEPARATE.*AGGREGATE.*PROJECT|PROJECT.*AGGREGATE", re.I), "per_project_aggregate"),
    (
        re.compile(r"SEPARATE.*AGGREGATE.*LOCATION|LOCATION.*AGGREGATE", re.I),
        "per_location_aggregate",
    ),
)
_BLANKET = re.compile(
    r"(where|when|as)\s+required\s+(by|in)\s+(a\s+)?written\s+(contract|agreement)|"
    r"any\s+person\s+or\s+organi[sz]ation\s+(whom|with\s+whom|for\s+whom|that|you)|"
    r"(every|all|any|each)\s+(construction\s+)?(projects?|locations?)\s+(you|of\s+yours|where)|"
    r"\bblanket\b",
    re.I,
)
_SCHEDULE_END = re.compile(
    r"^(ANYTHING THIS SCHEDULE|INFORMATION REQUIRED|IF NO ENTRY|\(IF NO ENTRY|[A-H]\.\s|SECTION\b)",
    re.I,
)
# A policy number may hold one space ("XKG 952218") and has digits.
_POLICY_NUMBER = re.compile(
    r"POLICY\s*(?:NUMBER|NO\.?|#)\s*[:.]?\s*"
    r"([A-Z0-9][A-Z0-9\-/]*(?:\s[A-Z0-9\-/]*\d[A-Z0-9\-/]*)?)",
    re.I,
)
_INSURER_WORDS = re.compile(
    r"\b(INSURANCE|ASSURANCE|CASUALTY|INDEMNITY|MUTUAL|UNDERWRITERS|COMPANY|CORPORATION)\b", re.I
)


def is_endorsement_page(text: str) -> bool:
    """Whether a page's text is an endorsement form (its own form number in a footer and the
    usual heading), rather than a page that only mentions one."""
    upper = re.sub(r"\s+", " ", text.upper())
    compact = re.sub(r"[^A-Z]", "", upper)
    heading = "THISENDORSEMENTCHANGESTHEPOLICY" in compact or bool(
        re.search(r"THIS ENDORSEMENT (AMENDS|MODIFIES|CHANGES)", upper)
    )
    return heading or (_own_form(text.splitlines()) is not None and "ENDORSEMENT" in upper)


def _form_at(line: str) -> tuple[str, str | None, bool] | None:
    """(form number, edition, carrier-specific) of the first form number printed on a line."""
    upper = line.upper()
    iso = _ISO_FORM.search(upper)
    carrier = _CARRIER_FORM.search(upper)
    if iso is not None and (carrier is None or iso.start() <= carrier.start()):
        prefix, first, second, third = iso.groups()
        if prefix == "WC" and third is not None:
            number, end = f"WC {first} {second} {third}", iso.end()
        else:
            number = f"{prefix} {first} {second}"
            end = iso.end(3)
        return number, _edition_after(upper[end:]), False
    if carrier is not None:
        number = f"{carrier.group(1)} {carrier.group(2)}"
        return number, _edition_after(upper[carrier.end() :]), True
    return None


def _edition_after(rest: str) -> str | None:
    match = _EDITION.match(rest)
    if match is None or not 1 <= int(match.group(1)) <= 12:
        return None
    return f"{match.group(1)} {match.group(2)}"


def _own_form(lines: list[str]) -> tuple[str, str | None, bool] | None:
    """The page's own form: printed in its footer (or header), else the first one named."""
    stripped = [line for line in (line.strip() for line in lines) if line]
    for line in [*reversed(stripped[-3:]), *stripped[:3], *stripped]:
        found = _form_at(line)
        if found is not None and (found[1] is not None or line in stripped[-3:]):
            return found
    return None


def _title(lines: list[str]) -> str:
    """The form's title: the capitalised lines after the "THIS ENDORSEMENT ..." heading."""
    title: list[str] = []
    started = False
    for line in lines:
        upper = line.upper()
        if "THIS ENDORSEMENT" in upper:
            started = True
            continue
        if not started:
            continue
        letters = re.sub(r"[^A-Za-z]", "", line)
        if letters and letters.isupper() and not re.search(r"COVERAGE (PART|FORM)", upper):
            title.append(line.strip())
        elif title:
            break
    return " ".join(title)


def _schedule(lines: list[str]) -> tuple[list[str], list[str], bool]:
    """(scheduled parties, scheduled projects or locations, blanket wording) of the SCHEDULE."""
    parties: list[str] = []
    items: list[str] = []
    blanket_text: list[str] = []
    inside = False
    target: list[str] = parties
    for raw in lines:
        line = clean_text(raw)
        upper = line.upper()
        if not inside:
            inside = upper == "SCHEDULE" or upper.startswith("SCHEDULE ")
            continue
        if not line:
            continue
        if _SCHEDULE_END.match(line) or _form_at(line) is not None:
            break
        if line.endswith(":") or re.search(r"(PERSON|ORGANI[SZ]ATION)\(S\)|PROJECT\(S\)", upper):
            target = items if re.search(r"PROJECT|LOCATION", upper) else parties
            continue
        blanket_text.append(line)
        target.append(line)
    blanket = bool(_BLANKET.search(" ".join(blanket_text)))
    if blanket:
        return [], [], True
    return parties, items, False


def read_endorsement_page(text: str, page_number: int) -> dict[str, Any] | None:
    """The endorsement printed on one page, or None when the page names no form."""
    lines = text.splitlines()
    own = _own_form(lines)
    if own is None:
        return None
    number, edition, carrier = own
    kind = _KNOWN.get(number, "other")
    title = _title(lines)
    purpose = _PURPOSE_BY_KIND.get(kind)
    if number == "CG 20 10" and edition == "11 85":
        purpose = "additional_insured_ongoing_completed"  # that edition covers both
    if purpose is None:
        purpose = next((p for pattern, p in _PURPOSE_BY_TITLE if pattern.search(title)), None)
    parties, items, blanket_schedule = _schedule(lines)
    has_schedule = bool(parties or items)
    blanket = blanket_schedule or (not has_schedule and bool(_BLANKET.search(title)))
    entry: dict[str, Any] = {
        "form_number": number,
        "edition": edition,
        "kind": kind,
        "purpose": purpose,
        "carrier_specific": carrier,
        "page": page_number,
        "blanket": blanket,
        "scheduled_parties": parties,
        "schedule_items": items,
        "title": title or None,
        "policy_number": None,
        "insurer": None,
        "named_insured": None,
        "effective": None,
        "notice_days": None,
    }
    if purpose == "notice_of_cancellation":
        entry["notice_days"] = _notice_days(lines)
    for line in lines:
        policy = _POLICY_NUMBER.search(line)
        if (
            policy is not None
            and entry["policy_number"] is None
            and re.search(r"\d", policy.group(1))
            and len(policy.group(1)) >= 4
        ):
            entry["policy_number"] = policy.group(1)
            rest = clean_text(line[policy.end() :])
            if _INSURER_WORDS.search(rest):
                entry["insurer"] = rest
        named = re.search(r"NAMED\s+INSURED\s*[:.]\s*(.+)$", line, re.I)
        if named is not None and entry["named_insured"] is None:
            entry["named_insured"] = clean_text(named.group(1)) or None
        effective = re.search(
            r"EFFECTIVE(?:\s+DATE)?\s*(?:OF\s+ENDORSEMENT)?\s*:?\s*(.+)$", line, re.I
        )
        if effective is not None and entry["effective"] is None:
            entry["effective"] = parse_date(effective.group(1))
    return entry


# "30 days", "thirty (30) days", "Number of days' notice: 30" in a notice form's schedule.
_DAYS = re.compile(
    r"(\d{1,3})\)?\s*days?\b|days?'?\s*(?:advance\s+)?notice\D{0,20}?(\d{1,3})\b", re.I
)


def _notice_days(lines: list[str]) -> int | None:
    """The days of notice a notice-of-cancellation form states: the first number of days on
    the page, which is the schedule's (the form's body refers back to "the number of days shown
    in the Schedule")."""
    for raw in lines:
        match = _DAYS.search(raw)
        if match is not None:
            days = int(match.group(1) or match.group(2))
            if 1 <= days <= 365:
                return days
    return None


def merge_pages(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per form: a form running over consecutive pages is listed once, at its first
    page, with the names scheduled on all its pages."""
    merged: list[dict[str, Any]] = []
    for entry in entries:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous["form_number"] == entry["form_number"]
            and previous["edition"] in (entry["edition"], None)
            and entry["page"] == previous["last_page"] + 1
        ):
            for key in ("scheduled_parties", "schedule_items"):
                previous[key] += [n for n in entry[key] if n not in previous[key]]
            previous["blanket"] = previous["blanket"] and not previous["scheduled_parties"]
            previous["last_page"] = entry["page"]
            continue
        merged.append({**entry, "last_page": entry["page"]})
    for entry in merged:
        del entry["last_page"]
    return merged


def find_endorsements(text: str, page_number: int) -> list[dict[str, Any]]:
    """The endorsement on a page as a list (empty when the page names no form)."""
    entry = read_endorsement_page(text, page_number)
    return [entry] if entry is not None else []
