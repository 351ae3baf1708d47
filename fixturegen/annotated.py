"""Agency-system exports: a certificate whose values were typed on top of the printed form.

Some agency systems, and people finishing a certificate in a PDF editor, do not print values into
the page: they add FreeText annotations (an insurer's name, a NAIC code, a whole OTHER row) and
draw check marks as ink strokes. The page's own text then holds only the form and part of the
values. A reader that takes words from the content stream alone misses the rest.

This family also carries the value variety such exports show: limits printed without commas, the
sender's account number on the first line of the holder box, and the blank boxes of the template
left with their placeholder words. `expected` is what a person reads on the page.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from fixturegen.documents import (
    BuiltDocument,
    draw_acord_page,
    new_canvas,
    plan_acord,
    single_acord_entry,
)
from fixturegen.pdfdraw import Box, TextSink, fit_size
from fixturegen.variety import VarietyRates, note_dba, vary_as_in_life

# Fields an agency system typically types on rather than prints: the insurer block, the policy
# columns, and the OTHER row (its description, policy, dates and limits).
_TYPED_ON_PREFIXES = ("Insurer", "OtherPolicy", "Policy_")
# Share of the remaining values typed on as well, so pages mix printed and typed values.
_OTHER_TYPED_ON_SHARE = 0.3
_TYPED_FONT = "Helvetica"
_TYPED_SIZE = 8.0
# Ink stroke width of a drawn check mark, as a pen tool draws it.
_MARK_WIDTH = 1.0


@dataclass
class TypedOn:
    box: Box
    value: str
    align_right: bool


@dataclass
class AnnotationSink:
    """Prints most values into the page like `TextSink`; the chosen ones become annotations."""

    inner: TextSink
    rng: random.Random
    notes: list[TypedOn] = field(default_factory=list)
    marks: list[Box] = field(default_factory=list)

    def _typed_on(self, name: str) -> bool:
        if name.startswith(_TYPED_ON_PREFIXES):
            return True
        return self.rng.random() < _OTHER_TYPED_ON_SHARE

    def text(self, name: str, box: Box, value: str, *, align: str = "left") -> None:
        if value and self._typed_on(name):
            self.inner.drawn[name] = value
            self.notes.append(TypedOn(box, value, align == "right"))
        else:
            self.inner.text(name, box, value, align=align)

    def check(self, name: str, box: Box, on: bool) -> None:
        if on:
            self.inner.drawn[name] = "X"
            self.marks.append(box)

    def paragraph(self, name: str, box: Box, value: str) -> None:
        self.inner.paragraph(name, box, value)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _appearance(writer: PdfWriter, width: float, height: float, content: str) -> object:
    stream = DecodedStreamObject()
    stream.set_data(content.encode("latin-1"))
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        }
    )
    stream.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(
                [FloatObject(0), FloatObject(0), FloatObject(width), FloatObject(height)]
            ),
            NameObject("/Resources"): DictionaryObject(
                {
                    NameObject("/Font"): DictionaryObject(
                        {NameObject("/Helv"): writer._add_object(font)}
                    )
                }
            ),
        }
    )
    return writer._add_object(stream)


def _rect(box: Box) -> ArrayObject:
    return ArrayObject(FloatObject(round(v, 2)) for v in (box.x0, box.y0, box.x1, box.y1))


def _free_text(writer: PdfWriter, note: TypedOn) -> DictionaryObject:
    box = note.box
    size = fit_size(note.value, _TYPED_FONT, min(_TYPED_SIZE, box.height), box.width - 3)
    baseline = (box.height - size) / 2 + 1.2
    if note.align_right:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        x = box.width - 1 - stringWidth(note.value, _TYPED_FONT, size)
    else:
        x = 2.0
    content = f"BT /Helv {size:.2f} Tf 0 g {x:.2f} {baseline:.2f} Td ({_escape(note.value)}) Tj ET"
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/FreeText"),
            NameObject("/Rect"): _rect(box),
            NameObject("/Contents"): TextStringObject(note.value),
            NameObject("/DA"): TextStringObject(f"/Helv {size:.2f} Tf 0 g"),
            NameObject("/F"): NumberObject(4),
            NameObject("/AP"): DictionaryObject(
                {NameObject("/N"): _appearance(writer, box.width, box.height, content)}
            ),
        }
    )


def _ink_mark(writer: PdfWriter, box: Box) -> DictionaryObject:
    """Two crossing strokes, as a pen tool draws an X over a check box."""
    side = min(box.width, box.height)
    cx, cy, half = box.width / 2, box.height / 2, side * 0.3
    strokes = [
        (cx - half, cy - half, cx + half, cy + half),
        (cx - half, cy + half, cx + half, cy - half),
    ]
    content = f"{_MARK_WIDTH} w 0 G " + " ".join(
        f"{a:.2f} {b:.2f} m {c:.2f} {d:.2f} l S" for a, b, c, d in strokes
    )
    ink_list = ArrayObject(
        ArrayObject(
            FloatObject(round(v, 2)) for v in (box.x0 + a, box.y0 + b, box.x0 + c, box.y0 + d)
        )
        for a, b, c, d in strokes
    )
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Ink"),
            NameObject("/Rect"): _rect(box),
            NameObject("/InkList"): ink_list,
            NameObject("/F"): NumberObject(4),
            NameObject("/AP"): DictionaryObject(
                {NameObject("/N"): _appearance(writer, box.width, box.height, content)}
            ),
        }
    )


def add_annotations(pdf_bytes: bytes, sink: AnnotationSink) -> bytes:
    """The drawn page with the sink's typed-on values and drawn marks added as annotations."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes)))
    for note in sink.notes:
        writer.add_annotation(page_number=0, annotation=_free_text(writer, note))
    for mark in sink.marks:
        writer.add_annotation(page_number=0, annotation=_ink_mark(writer, mark))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# How often the value variety of such exports shows on one of them.
ANNOTATED_VARIETY = VarietyRates(
    bare_digit_limits=0.5, placeholder_holder=0.2, account_line=0.4, dba=0.3
)


def build_annotated(rng: random.Random, layout: str, featured: str | None) -> BuiltDocument:
    """One ACORD 25 page with part of its values typed on as annotations (see module doc)."""
    plan = plan_acord(rng, "annotated", layout, featured)
    plan, dba = vary_as_in_life(rng, plan, ANNOTATED_VARIETY)
    buffer = io.BytesIO()
    canvas = new_canvas(buffer)
    sink = AnnotationSink(TextSink(canvas, plan.style), random.Random(rng.random()))
    draw_acord_page(canvas, plan, sink, 1)
    canvas.showPage()
    canvas.save()
    data = add_annotations(buffer.getvalue(), sink)
    entry = note_dba(single_acord_entry("annotated", plan, "text"), dba) | {
        "typed_on": len(sink.notes),
        "drawn_marks": len(sink.marks),
    }
    return BuiltDocument("pdf", data, entry)
