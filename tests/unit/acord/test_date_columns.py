"""The policy date columns of the coverage table when OCR lost one of their headers: the
"(MM/DD/YYYY)" printed under each header places the lost one, on its side of the one read."""

from __future__ import annotations

from backend.acord.coverage_table import find_table
from backend.acord.evidence import Evidence
from backend.acord.geometry import PageText, Word
from backend.acord.page_labels import PageLabels

HEADER_TOP = 300.0


def _words(text: str, x: float, top: float) -> list[Word]:
    words = []
    for part in text.split():
        width = 5.0 * len(part)
        words.append(Word(part, x, top, x + width, top + 6, 0.9))
        x += width + 3
    return words


def _header_row(eff: bool, exp: bool, formats: tuple[bool, bool]) -> list[Word]:
    words = _words("TYPE OF INSURANCE", 60, HEADER_TOP)
    words += _words("POLICY NUMBER", 230, HEADER_TOP)
    if eff:
        words += _words("POLICY EFF", 342, HEADER_TOP - 4)
    if exp:
        words += _words("POLICY EXP", 394, HEADER_TOP - 4)
    # Each date header has the format printed under it (OCR may lose either).
    if formats[0]:
        words += _words("(MM/DD/YYYY)", 340, HEADER_TOP + 4)
    if formats[1]:
        words += _words("(MM/DD/YYYY)", 392, HEADER_TOP + 4)
    words += _words("EACH OCCURRENCE", 450, HEADER_TOP + 20)
    return words


def _columns(
    eff: bool, exp: bool, formats: tuple[bool, bool] = (True, True)
) -> dict[str, tuple[float, float]]:
    page = PageText(_header_row(eff, exp, formats), 612, 792, 1)
    table = find_table(PageLabels(page, None, Evidence(1)))
    assert table is not None
    return table.columns


def _centre(span: tuple[float, float]) -> float:
    return (span[0] + span[1]) / 2


def test_a_lost_expiration_header_is_the_format_right_of_the_effective_one() -> None:
    columns = _columns(eff=True, exp=False)
    assert 340 < _centre(columns["eff"]) < 390 < _centre(columns["exp"])


def test_the_effective_header_read_is_kept_when_only_the_other_format_is_read() -> None:
    """Seen on scans: POLICY EFF read, POLICY EXP and the format under POLICY EFF lost; the one
    format left belongs to the expiration column, not to both."""
    columns = _columns(eff=True, exp=False, formats=(False, True))
    assert 340 < _centre(columns["eff"]) < 390 < _centre(columns["exp"])


def test_a_lost_effective_header_is_the_format_left_of_the_expiration_one() -> None:
    columns = _columns(eff=False, exp=True)
    assert _centre(columns["eff"]) < 390 < _centre(columns["exp"])


def test_both_headers_lost_leave_the_two_formats_in_order() -> None:
    columns = _columns(eff=False, exp=False)
    assert _centre(columns["eff"]) < 390 < _centre(columns["exp"])


def test_both_headers_read_need_no_format() -> None:
    columns = _columns(eff=True, exp=True)
    assert _centre(columns["eff"]) < 390 < _centre(columns["exp"])


def test_the_table_is_found_by_its_first_row_when_its_type_header_is_missing() -> None:
    import pypdfium2 as pdfium

    from backend.acord.coverage_rows import read_coverages
    from backend.acord.word_sources import pdf_page_words
    from fixturegen.generate import build_document

    built = build_document(3, 0, "text", 0)
    document = pdfium.PdfDocument(built.data)
    try:
        page, words = pdf_page_words(document, 0)
        header = [w for w in words if w.text in ("TYPE", "OF", "INSURANCE")]
        header_row = min(w.top for w in header if w.text == "TYPE")
        kept = [w for w in words if not (w in header and abs(w.top - header_row) < 3)]
        text = PageText(kept, page.get_width(), page.get_height(), 1)
    finally:
        document.close()
    coverages = read_coverages(PageLabels(text, None, Evidence(1)))
    want = built.entry["expected"]["coverages"][0]
    assert coverages and coverages[0]["policy_number"] == want["policy_number"]
    assert coverages[0]["effective"] == want["effective"]
