"""Where a PDF page's words come from: its own text, and what was typed or drawn on top of it.

Agency systems and people with a PDF editor put values on a certificate as annotations: FreeText
boxes (a whole OTHER row, a NAIC code), stamps, form widgets that carry a field's value, check
marks drawn as ink. They are printed like the page's own text, so they are read like it: every
visible annotation's appearance is merged into the page's content before its words are taken,
and each typed character keeps its own box. The label-and-grid reader then sees one page of
words whatever put them there, and the rendered page used for ticks shows the same marks.

PDFium does the merging (FPDFPage_Flatten) because it lays out each appearance stream's glyphs;
pdfplumber gives only an annotation's rectangle and its /Contents string, which for a typed row
is one string with tabs between the columns, so the columns could not be told apart.
"""

from __future__ import annotations

from collections import defaultdict

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from backend.acord.geometry import Word
from backend.acord.pdftext import page_words

# Two readings of one printed word (before and after the merge) agree to within a rounding of
# PDFium's glyph boxes; a typed-on word is a different word or somewhere else.
_SAME_PLACE_PT = 0.5


def pdf_page_words(document: pdfium.PdfDocument, index: int) -> tuple[pdfium.PdfPage, list[Word]]:
    """Page `index` with its visible annotations merged into its content (hidden and
    print-only ones stay out, as a viewer shows the page), and its words: the page's own,
    read before the merge so that text painted over by the page itself is still told
    (pdftext's covered test needs the page's own stacking order), then the typed-on ones."""
    page = document[index]
    own = page_words(page)
    if pdfium_c.FPDFPage_GetAnnotCount(page.raw) == 0:
        return page, own
    if pdfium_c.FPDFPage_Flatten(page.raw, pdfium_c.FLAT_NORMALDISPLAY) != pdfium_c.FLATTEN_SUCCESS:
        return page, own
    # PDFium reads a flattened page's new content only when the page is loaded again.
    page.close()
    page = document[index]
    by_text: dict[str, list[Word]] = defaultdict(list)
    for word in own:
        by_text[word.text].append(word)
    return page, own + [w for w in page_words(page) if not _among(w, by_text[w.text])]


def _among(word: Word, same_text: list[Word]) -> bool:
    return any(
        abs(other.x0 - word.x0) < _SAME_PLACE_PT and abs(other.top - word.top) < _SAME_PLACE_PT
        for other in same_text
    )
