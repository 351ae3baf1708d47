"""Small certificates drawn here with reportlab, so the tests need no outside corpus."""

from __future__ import annotations

import io

import pytest
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

# (text, x, y from the top, size): the printed labels of a 2016/03-like form and its values.
LABELS = [
    ("CERTIFICATE OF LIABILITY INSURANCE", 162, 34, 12),
    ("DATE (MM/DD/YYYY)", 522, 32, 6),
    ("PRODUCER", 22, 126, 6),
    ("CONTACT", 310, 126, 6),
    ("NAME:", 310, 132, 6),
    ("PHONE", 310, 138, 6),
    ("FAX", 486, 138, 6),
    ("E-MAIL", 310, 150, 6),
    ("INSURER(S) AFFORDING COVERAGE", 369, 166, 6),
    ("NAIC #", 558, 166, 6),
    ("INSURER A :", 310, 176, 6),
    ("INSURED", 22, 188, 6),
    ("INSURER B :", 310, 188, 6),
    ("COVERAGES", 22, 246, 8),
    ("CERTIFICATE NUMBER:", 159, 246, 6),
    ("REVISION NUMBER:", 425, 246, 6),
    ("INSR", 20, 292, 6),
    ("LTR", 22, 298, 6),
    ("TYPE OF INSURANCE", 75, 298, 6),
    ("ADDL", 177, 292, 6),
    ("INSD", 179, 298, 6),
    ("SUBR", 195, 292, 6),
    ("WVD", 197, 298, 6),
    ("POLICY NUMBER", 247, 298, 6),
    ("POLICY EFF", 338, 292, 6),
    ("POLICY EXP", 384, 292, 6),
    ("LIMITS", 500, 298, 6),
    ("COMMERCIAL GENERAL LIABILITY", 54, 308, 6),
    ("EACH OCCURRENCE", 429, 308, 6),
    ("CLAIMS-MADE", 68, 320, 6),
    ("OCCUR", 133, 320, 6),
    ("PREMISES (Ea occurrence)", 429, 320, 6),
    ("MED EXP (Any one person)", 429, 332, 6),
    ("PERSONAL & ADV INJURY", 429, 344, 6),
    ("GEN'L AGGREGATE LIMIT APPLIES PER:", 40, 356, 6),
    ("GENERAL AGGREGATE", 429, 356, 6),
    ("POLICY", 54, 368, 6),
    ("LOC", 140, 368, 6),
    ("PRODUCTS - COMP/OP AGG", 429, 368, 6),
    ("AUTOMOBILE LIABILITY", 40, 390, 6),
    ("COMBINED SINGLE LIMIT", 429, 390, 6),
    ("ANY AUTO", 54, 402, 6),
    ("BODILY INJURY (Per person)", 429, 402, 6),
    ("UMBRELLA LIAB", 54, 452, 6),
    ("EACH OCCURRENCE", 429, 452, 6),
    ("AGGREGATE", 429, 464, 6),
    ("WORKERS COMPENSATION", 38, 486, 6),
    ("PER STATUTE", 443, 486, 6),
    ("E.L. EACH ACCIDENT", 429, 500, 6),
    ("E.L. DISEASE - EA EMPLOYEE", 429, 512, 6),
    ("E.L. DISEASE - POLICY LIMIT", 429, 524, 6),
    ("DESCRIPTION OF OPERATIONS / LOCATIONS / VEHICLES", 22, 572, 6),
    ("CERTIFICATE HOLDER", 22, 656, 8),
    ("CANCELLATION", 310, 656, 8),
    ("ACORD 25 (2016/03)", 22, 762, 8),
]
VALUES = [
    ("01/15/2026", 526, 42, 9),
    ("Summit Risk Partners", 24, 136, 9),
    ("88 Harbor Rd", 24, 146, 9),
    ("Denver, CO 80202", 24, 156, 9),
    ("Granite Mutual Insurance Co", 350, 176, 9),
    ("12345", 557, 176, 9),
    ("Apex Drywall LLC", 24, 198, 9),
    ("400 Elm St", 24, 208, 9),
    ("Boulder, CO 80301", 24, 218, 9),
    ("CN-7781", 260, 246, 9),
    ("A", 25, 330, 9),
    ("Y", 181, 330, 9),
    ("GL-100200", 216, 330, 9),
    ("01/01/2026", 329, 330, 8),
    ("01/01/2027", 381, 330, 8),
    ("1,000,000", 540, 308, 9),
    ("100,000", 545, 320, 9),
    ("5,000", 550, 332, 9),
    ("1,000,000", 540, 344, 9),
    ("2,000,000", 540, 356, 9),
    ("2,000,000", 540, 368, 9),
    ("Meridian Construction Group LLC", 24, 672, 9),
    ("9 Commerce Blvd", 24, 682, 9),
    ("Columbus OH 43215", 24, 692, 9),
]
TICKS = [(44, 308), (123, 320), (44, 368)]  # commercial GL, occurrence, per policy


def draw_certificate(
    canvas: Canvas,
    *,
    hide_holder: bool = False,
    replacement_holder: str | None = None,
    wording: dict[str, str] | None = None,
) -> None:
    height = letter[1]
    wording = wording or {}
    for label, x, y, size in LABELS:
        text = wording.get(label, label)
        canvas.setFont("Helvetica", size)
        canvas.drawString(x, height - y, text)
    for text, x, y, size in VALUES:
        canvas.setFont("Courier", size)
        canvas.drawString(x, height - y, text)
    canvas.setFont("Helvetica", 9)
    for x, y in TICKS:
        canvas.drawString(x - 3, height - y, "X")
    canvas.drawString(525, height - 500, "1,000,000")
    if hide_holder:
        canvas.setFillColorRGB(1, 1, 1)
        canvas.rect(20, height - 700, 200, 40, stroke=0, fill=1)
        canvas.setFillColorRGB(0, 0, 0)
    if replacement_holder:
        # Printed over the whited-out name, at the same place, as a PDF editor does.
        canvas.setFont("Courier", 9)
        canvas.drawString(24, height - 672, replacement_holder)


def certificate_pdf(
    *,
    hide_holder: bool = False,
    replacement_holder: str | None = None,
    wording: dict[str, str] | None = None,
    extra_pages: int = 0,
) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=letter, invariant=True)
    draw_certificate(
        canvas, hide_holder=hide_holder, replacement_holder=replacement_holder, wording=wording
    )
    canvas.showPage()
    for number in range(extra_pages):
        canvas.setFont("Helvetica", 11)
        canvas.drawString(72, 700, f"Dear client, enclosed is your certificate. Page {number}.")
        canvas.drawString(72, 680, "Sincerely, the agency")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@pytest.fixture
def certificate_bytes() -> bytes:
    return certificate_pdf()
