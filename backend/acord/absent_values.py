"""What a box holds that is not its value, and what a read certificate lacks.

Agency templates are sent out half filled: "NAME", "ADDRESS", "MM/DD/YYYY", "INSURER A" stand
where a value belongs, and a value nobody typed is absent, not the template's word. Holder and
insured boxes often start with the sender's own account or reference number, or a telephone,
above the party's name: those lines identify a file, not the party. And a certificate whose
coverage table gave nothing must say so, so that nobody mistakes an unread table for an empty one.
"""

from __future__ import annotations

import re
from typing import Any

# Words agency templates print where a value goes; a value made only of these is a placeholder.
# Words that also make up real names ("INSURANCE", "COMPANY", "MUTUAL") are deliberately absent:
# "State Insurance Company" must survive.
_TEMPLATE_WORDS = frozenset(
    {
        "NAME",
        "NAMES",
        "ADDRESS",
        "ADDR",
        "LINE",
        "STREET",
        "CITY",
        "STATE",
        "ST",
        "ZIP",
        "ZIPCODE",
        "CODE",
        "INSURED",
        "HOLDER",
        "CERTIFICATE",
        "CERT",
        "PRODUCER",
        "AGENCY",
        "INSURER",
        "CONTACT",
        "PHONE",
        "FAX",
        "EMAIL",
        "MAIL",
        "POLICY",
        "NUMBER",
        "NO",
        "DATE",
        "MM",
        "DD",
        "YY",
        "YYYY",
        "AND",
        "OF",
        "ENTER",
        "HERE",
        "TBD",
        "NA",
        "NONE",
    }
)
# Runs of X and of noughts stand for digits ("(XXX) XXX-XXXX", "000-000-0000").
_TEMPLATE_TOKEN = re.compile(r"X{2,}|0+")
# A lone letter or digit is a template's only beside one of its words ("INSURER X",
# "ADDRESS LINE 1"); alone ("T.G.E.", "A 1") it may be a real name's initials.
_NOT_APPLICABLE = re.compile(r"\s*N\s*/\s*A\s*", re.I)

# Lines naming a file rather than a party: "Acct #: 120044", "Customer ID 88-1200", "Ref 55120".
_ACCOUNT_LINE = re.compile(
    r"^\W*(ACCT|ACCOUNT|ACC|CUST(OMER)?|CLIENT|LOAN|REF(ERENCE)?|ID|FILE|MEMBER|POLICYHOLDER)"
    r"\b[^A-Z]*(NO\b|NUMBER\b|#|ID\b)?[^A-Z]*\d",
    re.I,
)
_PHONE = re.compile(r"\(?\b\d{3}\)?[\s.\-]*\d{3}[\s.\-]*\d{4}\b")
_EMAIL = re.compile(r"\S+@\S+\.\w{2,}")
# A bare reference is one unbroken token mostly of digits; four digits rule out "3M" and
# "A1 Roofing", and a street line always has a space between its number and its name.
_MIN_REFERENCE_DIGITS = 4
_REFERENCE_DIGIT_SHARE = 0.5
# Letters left on a line once its telephone is taken out, below which the line is only the
# telephone and its label ("Ph:", "Tel", "Phone #").
_PHONE_LABEL_LETTERS = 5


def is_placeholder(text: str | None) -> bool:
    """Whether a printed value is a template's stand-in (or nothing but marks)."""
    if text is None:
        return False
    tokens = re.findall(r"[A-Za-z]+|\d+", text.upper())
    if not tokens or _NOT_APPLICABLE.fullmatch(text):
        return True
    words = [t for t in tokens if len(t) > 1]
    return bool(words) and all(t in _TEMPLATE_WORDS or _TEMPLATE_TOKEN.fullmatch(t) for t in words)


def _reference(line: str) -> bool:
    stripped = line.strip(" #:.")
    if " " in stripped:
        return False
    alphanumeric = re.sub(r"[^A-Za-z0-9]", "", stripped)
    digits = sum(c.isdigit() for c in alphanumeric)
    return digits >= _MIN_REFERENCE_DIGITS and digits >= _REFERENCE_DIGIT_SHARE * len(alphanumeric)


def contact_only(line: str) -> bool:
    """A line that is a telephone or an e-mail address and its label, nothing of a name."""
    if _EMAIL.search(line) and len(line.split()) <= 2:
        return True
    found = _PHONE.search(line)
    if found is None:
        return False
    rest = line[: found.start()] + line[found.end() :]
    return len(re.sub(r"[^A-Za-z]", "", rest)) < _PHONE_LABEL_LETTERS


def identifies_a_file(line: str) -> bool:
    """An account, customer or reference number line (labelled or bare)."""
    return bool(_ACCOUNT_LINE.match(line)) or _reference(line)


def party_lines(lines: list[str]) -> list[str]:
    """The lines of a name-and-address box that describe the party: template placeholders and
    telephone or e-mail lines dropped wherever they are, and account or reference lines dropped
    above the name (below it a number line belongs to the address)."""
    kept = [line for line in lines if not is_placeholder(line) and not contact_only(line)]
    while kept and identifies_a_file(kept[0]):
        kept.pop(0)
    return kept


# Text values of the contract that a template may leave as its placeholder.
_PARTY_KEYS = {
    "producer": ("name", "address", "contact", "phone", "email"),
    "insured": ("name", "address"),
    "certificate_holder": ("name", "address"),
}
_TOP_KEYS = ("certificate_number", "revision_number")
_COVERAGE_TEXT_KEYS = ("policy_number", "description")
# A label letter glued to an insurer's name ("A:Hartford Fire", "INSURER B : Zurich ...").
_GLUED_LABEL_LETTER = re.compile(r"^\s*(INSURER\s*)?[A-F]\s*[:;]\s*(?=\S)", re.I)


def _drop(result: dict[str, Any], pointer: str) -> None:
    fields = result.get("fields")
    if isinstance(fields, dict):
        fields.pop(pointer, None)


def remove_placeholders(result: dict[str, Any]) -> None:
    """Every template placeholder among the read values made absent, with its evidence."""
    for key in _TOP_KEYS:
        if is_placeholder(result.get(key)):
            result[key] = None
            _drop(result, f"/{key}")
    for party, keys in _PARTY_KEYS.items():
        box = result.get(party)
        if not isinstance(box, dict):
            continue
        for key in keys:
            if is_placeholder(box.get(key)):
                box[key] = None
                _drop(result, f"/{party}/{key}")
    insurers = result.get("insurers") or []
    for index, insurer in enumerate(insurers):
        name = insurer.get("name")
        if isinstance(name, str):
            name = _GLUED_LABEL_LETTER.sub("", name).strip() or None
        if is_placeholder(name):
            name = None
            _drop(result, f"/insurers/{index}/name")
        insurer["name"] = name
        if is_placeholder(insurer.get("naic")):
            insurer["naic"] = None
    _keep_insurers(result, [i for i, v in enumerate(insurers) if v.get("name") or v.get("naic")])
    for index, coverage in enumerate(result.get("coverages") or []):
        for key in _COVERAGE_TEXT_KEYS:
            if is_placeholder(coverage.get(key)):
                coverage[key] = None
                _drop(result, f"/coverages/{index}/{key}")


def _keep_insurers(result: dict[str, Any], kept: list[int]) -> None:
    """Only the insurers at `kept`, their evidence moved to their new places in the list."""
    insurers = result.get("insurers") or []
    if len(kept) == len(insurers):
        return
    result["insurers"] = [insurers[i] for i in kept]
    fields = result.get("fields")
    if not isinstance(fields, dict):
        return
    moved: dict[str, Any] = {}
    for pointer in [p for p in fields if p.startswith("/insurers/")]:
        entry = fields.pop(pointer)
        _, _, index, *rest = pointer.split("/")
        if index.isdigit() and int(index) in kept:
            moved["/".join(["", "insurers", str(kept.index(int(index))), *rest])] = entry
    fields.update(moved)


_LINE_NAMES = {
    "general_liability": "general liability",
    "auto_liability": "automobile liability",
    "umbrella": "umbrella liability",
    "excess": "excess liability",
    "workers_compensation": "workers compensation",
}
_COMMON = (("policy_number", "policy number"), ("effective", "effective date"))


def _row_read(coverage: dict[str, Any]) -> bool:
    """Whether a coverage row gave a policy number, a date or a limit."""
    limits = coverage.get("limits") or {}
    return any(coverage.get(key) for key in ("policy_number", "effective", "expiration")) or any(
        value is not None for value in limits.values()
    )


def absence_warnings(result: dict[str, Any], page: int | None) -> list[str]:
    """What a reader of the result must be told was not read from the certificate page."""
    where = f"page {page}: " if page is not None else ""
    warnings: list[str] = []
    coverages = result.get("coverages") or []
    # A table is read when some row gave a policy, a date or a limit: rows made only of a
    # line's name or of marks (an OTHER row of stray print, a tick read on a page read upside
    # down) are no reading of it, and an unread table must never pass for an empty one.
    if not any(_row_read(coverage) for coverage in coverages):
        warnings.append(
            f"{where}no coverage was read from the certificate's coverage table (no policy, "
            "dates, limits or marks); enter the coverages by hand from the certificate"
        )
    for coverage in coverages:
        name = _LINE_NAMES.get(coverage.get("line", ""))
        if name is None:
            continue
        missing = [label for key, label in _COMMON if not coverage.get(key)]
        if not coverage.get("expiration"):
            missing.append("expiration date")
        if not any(v is not None for v in (coverage.get("limits") or {}).values()):
            missing.append("limits")
        if missing:
            warnings.append(f"{where}{name}: not read: {', '.join(missing)}")
    insured = result.get("insured") or {}
    if not insured.get("name"):
        warnings.append(f"{where}the insured's name was not read")
    producer = result.get("producer") or {}
    if not (
        result.get("certificate_date")
        or producer.get("name")
        or insured.get("name")
        or result.get("insurers")
    ):
        warnings.append(
            f"{where}nothing of the certificate's head was read (no date, producer, insured or "
            "insurer): the page may be upside down, on its side or illegible; read it by hand"
        )
    if coverages and not result.get("insurers"):
        warnings.append(f"{where}no insurer (name and NAIC code) was read")
    return warnings
