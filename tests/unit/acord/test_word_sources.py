"""Values typed on as annotations are read like the page's own words, with their boxes."""

from __future__ import annotations

import pypdfium2 as pdfium

from backend.acord import read_document
from backend.acord.pdftext import page_words
from backend.acord.word_sources import pdf_page_words
from fixturegen.generate import build_document
from tests.bench.bench_acord import compare_entry

SEED = 9


def _annotated(index: int) -> tuple[bytes, dict[str, object]]:
    built = build_document(SEED, index, "annotated", index)
    return built.data, built.entry


def test_typed_on_insurers_are_not_page_text_but_are_words_of_the_page() -> None:
    data, entry = _annotated(0)
    insurer = entry["expected"]["insurers"][0]["name"]  # type: ignore[index]
    document = pdfium.PdfDocument(data)
    try:
        own = " ".join(w.text for w in page_words(document[0]))
        assert insurer.split()[0] not in own
        _, words = pdf_page_words(document, 0)
        typed = [w for w in words if w.text == insurer.split()[0]]
        assert typed and all(w.x1 > w.x0 and w.bottom > w.top for w in typed)
    finally:
        document.close()


def test_an_agency_export_reads_as_its_printed_twin() -> None:
    for index in range(3):
        data, entry = _annotated(index)
        result = read_document(data)
        matched, total, misses = compare_entry(entry, result)
        assert misses == [], entry["file"]
        assert matched == total
        # The evidence of a typed-on value points at its box on the page.
        assert result["fields"]["/insurers/0/name"]["bbox"][2] > 0
