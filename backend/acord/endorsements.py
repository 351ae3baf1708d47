"""Endorsement forms: form number and edition, blanket or scheduled, and the scheduled names.

See ENDORSEMENT_JSON.md for the JSON this produces.
"""

from __future__ import annotations

import re
from typing import Any

# Form number, then an edition as "04 13", "(04/13)", "04-13" or "0413".
_FORM = re.compile(
    r"\b(CG|CA|WC|IL|CU)\s?(\d{2})\s?(\d{2})(?:\s*[\(\-]?\s*(\d{2})\s*[/\-\s]?\s*(\d{2})\s*\)?)?",
)
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
}
_BLANKET = re.compile(
    r"(where|when|as)\s+required\s+(by|in)\s+(a\s+)?written\s+(contract|agreement)|"
    r"any\s+person\s+or\s+organization\s+(whom|with\s+whom|for\s+whom)|blanket",
    re.I,
)


def find_endorsements(text: str, page_number: int) -> list[dict[str, Any]]:
    """Endorsement forms named on a page, the first being the page's own form."""
    found: dict[str, dict[str, Any]] = {}
    for match in _FORM.finditer(text.upper()):
        prefix, first, second, month, year = match.groups()
        number = f"{prefix} {first} {second}"
        if number == "WC 00 03" and text.upper()[match.end() : match.end() + 4].strip()[:2] == "13":
            number = "WC 00 03 13"
        kind = _KNOWN.get(number)
        if kind is None and prefix != "CG":
            continue
        edition = f"{month} {year}" if month and year and 1 <= int(month) <= 12 else None
        entry = found.setdefault(
            number,
            {
                "form_number": number,
                "edition": edition,
                "kind": kind or "other",
                "page": page_number,
            },
        )
        if entry["edition"] is None and edition:
            entry["edition"] = edition
    if not found:
        return []
    blanket = bool(_BLANKET.search(text))
    names = scheduled_names(text)
    results = list(found.values())
    for entry in results:
        entry["blanket"] = blanket and not names
        entry["scheduled_parties"] = names
    return results


def scheduled_names(text: str) -> list[str]:
    """Names listed under a SCHEDULE heading, up to the next paragraph of form wording."""
    lines = [line.strip() for line in text.splitlines()]
    names: list[str] = []
    in_schedule = False
    for line in lines:
        upper = line.upper()
        if re.match(r"^SCHEDULE\b", upper):
            in_schedule = True
            continue
        if not in_schedule:
            continue
        if re.match(r"^(SECTION|A\.|B\.|C\.|THIS ENDORSEMENT|INFORMATION REQUIRED)", upper):
            if names:
                break
            continue
        if re.search(r"NAME\S* OF (ADDITIONAL INSURED|PERSON)|LOCATION|DESIGNATED|PROJECT", upper):
            continue
        if re.search(r"(LLC|INC\b|INC\.|CORP|COMPANY|\bLP\b|LTD|GROUP|AUTHORITY|CITY OF)", upper):
            names.append(re.sub(r"\s+", " ", line).strip(" ,;"))
    return names
