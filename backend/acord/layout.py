"""The ACORD 25 page reader: values found by the printed labels and the column structure.

Nothing here depends on fixed coordinates. The coverage table's columns come from its header
labels (INSR LTR, TYPE OF INSURANCE, ADDL INSD, SUBR WVD, POLICY NUMBER, the two date headers,
LIMITS); its row bands from the row labels (COMMERCIAL GENERAL LIABILITY, AUTOMOBILE LIABILITY,
UMBRELLA LIAB, WORKERS COMPENSATION, the description box). Values set in another font a few
points off their label's line are paired with labels in order, by nearest line.

Each part of the form is a stage module of plain functions over one page value (`PageLabels`:
the page's words with boxes, its ink for drawn marks and rules, the evidence being noted):
header_boxes (with insurer_rows and scan_header), coverage_table (columns and row bands),
coverage_rows (with coverage_limits, coverage_ticks, tick_boxes and scan_cells) and
holder_description. Whatever the words came from (text layer, annotations, OCR), they are read
the same way.
"""

from __future__ import annotations

import re
from typing import Any, Final

from backend.acord.corrections import fix_address, fix_name
from backend.acord.coverage_rows import read_coverages
from backend.acord.geometry import group_lines
from backend.acord.header_boxes import read_insured, read_insurers, read_producer
from backend.acord.holder_description import read_description, read_holder
from backend.acord.page_labels import PageLabels, joined_text
from backend.acord.scan_header import scan_numbers
from backend.acord.values import (
    clean_text,
    date_in_label_format,
    parse_date,
    parse_edition,
)

# The DATE box sits at the form's top right: its value is typed under the "DATE (MM/DD/YYYY)"
# label or beside it, up to a line and a half below, and may start left of the label's start.
DATE_LEFT_REACH_PT = 60.0
DATE_BELOW_LABEL_PT = 24.0
LABEL_LINE_SLACK_PT = 8.0
# Without its label, the DATE box is the top right fifth of the page, above the title's line.
DATE_BOX_LEFT_SHARE = 0.78
DATE_BOX_TOP_PT = 10.0
DATE_BOX_BOTTOM_PT = 70.0
# The DATE label is printed on the form's first lines; lower down the 2001 edition's table
# header says "POLICY EFFECTIVE DATE (MM/DD/YY)", which OCR finds when it garbled the label.
DATE_LABEL_BOTTOM_SHARE = 0.15
# A value on its label's line may sit a few points above or below the label's baseline.
SAME_LINE_PT = 4.0
# The ruled edge between two boxes of one row: a value stops short of it.
RULE_CLEARANCE_PT = 2.0


def read_acord25(p: PageLabels) -> dict[str, Any]:
    """Every value of the certificate page `p`; what could not be read is left in p.warnings."""
    page = p.page
    all_text = " ".join(line.text for line in page.lines)
    result: dict[str, Any] = {
        "form": "ACORD 25",
        "form_edition": _known_edition(
            parse_edition(all_text) or (_ocr_edition(all_text) if p.region_ocr else None),
            p.region_ocr is not None,
        ),
    }
    result["certificate_date"] = _date(p)
    result["certificate_number"], result["revision_number"] = scan_numbers(p) or _numbers(p)
    result["producer"] = read_producer(p)
    result["insured"] = read_insured(p)
    result["insurers"] = read_insurers(p)
    result["coverages"] = read_coverages(p)
    result["description_of_operations"] = read_description(p)
    result["certificate_holder"] = read_holder(p)
    if p.region_ocr is not None:
        _correct_ocr_slips(result)
    hidden = [w for w in page.words if w.hidden]
    if hidden:
        text = joined_text(hidden)
        p.warnings.append(
            f"page {page.page_number}: text present in the file but not visible on the page "
            f"(covered by a painted box or invisible); it was not read as a value: {text[:200]}"
        )
    return result


def _date(p: PageLabels) -> str | None:
    head = (0.0, 0.0, p.page.width, DATE_LABEL_BOTTOM_SHARE * p.page.height)
    label = p.label("DATE (MM/DD/YYYY)", "DATE(MM/DD/YY)", "DATE (MM", region=head)
    if label is not None:
        region = (
            label.x0 - DATE_LEFT_REACH_PT,
            label.top - LABEL_LINE_SLACK_PT,
            p.page.width,
            label.bottom + DATE_BELOW_LABEL_PT,
        )
    else:
        region = (
            p.page.width * DATE_BOX_LEFT_SHARE,
            DATE_BOX_TOP_PT,
            p.page.width,
            DATE_BOX_BOTTOM_PT,
        )
    candidates = [p.values_in(region)]
    if p.region_ocr is not None:
        candidates.append(p.region_ocr(region))
    for words in candidates:
        for word in words:
            value = parse_date(word.text)
            if value:
                p.evidence.note("/certificate_date", [word])
                return value
    if p.region_ocr is not None:
        return _reread_date(p, region)
    return None


# The DATE box's value is read again with a date's characters only.
_DATE_CHARACTERS: Final = "0123456789/"
# The date's line is read again with 2 pt of paper round the page pass's words of it (a
# letter cut at the crop's edge reads as junk).
_DATE_MARGIN_PT: Final = 2.0


def _reread_date(p: PageLabels, region: tuple[float, float, float, float]) -> str | None:
    """On a scan, each line of print with digits in the DATE box read again as one line with
    a date's characters only, its digits placed as the label's format places them when OCR
    lost a slash ("07/1624")."""
    assert p.region_ocr is not None
    for line in group_lines(w for w in p.values_in(region) if re.search(r"\d", w.text)):
        box = (
            line.words[0].x0 - _DATE_MARGIN_PT,
            line.top - _DATE_MARGIN_PT,
            line.words[-1].x1 + _DATE_MARGIN_PT,
            line.bottom + _DATE_MARGIN_PT,
        )
        words = p.region_ocr(box, single_line=True, whitelist=_DATE_CHARACTERS)
        value = date_in_label_format("".join(w.text for w in words))
        if value is not None:
            p.evidence.note("/certificate_date", words)
            return value
    return None


def _numbers(p: PageLabels) -> tuple[str | None, str | None]:
    cert = p.label("CERTIFICATE NUMBER")
    revision = p.label("REVISION NUMBER")
    cert_value: str | None = None
    revision_value: str | None = None
    if cert is not None:
        right = revision.x0 - RULE_CLEARANCE_PT if revision is not None else p.page.width
        words = p.values_in(
            (cert.x1 + 0.5, cert.top - SAME_LINE_PT, right, cert.bottom + SAME_LINE_PT)
        )
        if words:
            cert_value = clean_text(joined_text(words)) or None
            p.evidence.note("/certificate_number", words)
    if revision is not None:
        words = p.values_in(
            (
                revision.x1 + 0.5,
                revision.top - SAME_LINE_PT,
                p.page.width,
                revision.bottom + SAME_LINE_PT,
            )
        )
        if words:
            revision_value = clean_text(joined_text(words)) or None
            p.evidence.note("/revision_number", words)
    return cert_value, revision_value


def _correct_ocr_slips(result: dict[str, Any]) -> None:
    """Names and addresses read by OCR with its usual slips put right (corrections.py)."""
    for box in (result["producer"], result["insured"], result["certificate_holder"]):
        if box:
            box["name"] = fix_name(box.get("name"))
            box["address"] = fix_address(box.get("address"))
    for insurer in result["insurers"]:
        insurer["name"] = fix_name(insurer.get("name"))


# Editions of the ACORD 25 in use; an OCR'd month is snapped to the one edition of its year.
_EDITIONS = ("1993/03", "1997/07", "2001/08", "2009/09", "2010/05", "2014/01", "2016/03")


# The footer "ACORD 25 (2016/03)" as OCR reads it on a scan: the form number garbled ("ACORD
# 235", "ACORD 285") and the edition's slash read as a digit ("(2016403)"). On a page already
# known to be the ACORD 25, a year and month in parentheses after "ACORD" are its edition.
_OCR_EDITION = re.compile(r"ACORD\s*\S{1,4}\s*\(\s*([\d\s/|lI]{6,10})\s*\)", re.I)
# A year (four digits) and a month (two): six digits, or seven with the slash read as one.
_YEAR_DIGITS: Final = 4
_MONTH_DIGITS: Final = 2
_EDITION_DIGITS: Final = (_YEAR_DIGITS + _MONTH_DIGITS, _YEAR_DIGITS + _MONTH_DIGITS + 1)


def _ocr_edition(text: str) -> str | None:
    """The edition in an OCR'd footer, only when it is one the form was published in (a
    misread that makes another edition is no answer)."""
    for match in _OCR_EDITION.finditer(text):
        digits = re.sub(r"\D", "", match.group(1))
        if len(digits) not in _EDITION_DIGITS:
            continue
        edition = f"{digits[:_YEAR_DIGITS]}/{digits[-_MONTH_DIGITS:]}"
        if edition in _EDITIONS:
            return edition
    return None


def _known_edition(edition: str | None, from_ocr: bool) -> str | None:
    if edition is None or not from_ocr or edition in _EDITIONS:
        return edition
    same_year = [e for e in _EDITIONS if e[:4] == edition[:4]]
    if len(same_year) == 1:
        return same_year[0]
    # OCR confuses digits of like shape (6 and 8, 3 and 9): an edition one digit away from
    # exactly one known edition is that edition.
    one_off = [e for e in _EDITIONS if sum(a != b for a, b in zip(e, edition, strict=False)) == 1]
    return one_off[0] if len(one_off) == 1 and len(edition) == len(one_off[0]) else edition
