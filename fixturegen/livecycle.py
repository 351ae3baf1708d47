"""An agency's 2014/01 ACORD 25 built as a LiveCycle (XFA) form, then flattened to a page.

Before the 2016/03 edition many agencies filled the ACORD 25 in a form they had built in
LiveCycle Designer: their own column widths, Helvetica/Arial labels, the 2014/01 wording, and
form-calculation JavaScript (dates, totals) kept in the document after the form was flattened
for sending. What reaches the reader is a text layer in the designer's columns, with the
script still in the file: the reader must run none of it and must not refuse the file for it.
"""

from __future__ import annotations

import io
import random

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from fixturegen.documents import BuiltDocument, draw_acord_page, new_canvas, plan_acord
from fixturegen.documents import single_acord_entry as acord_entry
from fixturegen.pdfdraw import TextSink
from fixturegen.variety import VarietyRates, note_dba, vary_as_in_life

# Agency forms carry the same oddities agency-system exports do.
LIVECYCLE_VARIETY = VarietyRates(
    bare_digit_limits=0.4, placeholder_holder=0.1, account_line=0.3, dba=0.25, date_placeholder=0.1
)
# The kind of script such forms keep: it formats the date and copies the insurer letter;
# it is never run, only carried.
_CALCULATION_SCRIPT = (
    "var d = this.getField('Form_CompletionDate_A');"
    " if (d && d.value === '') { d.value = util.printd('mm/dd/yyyy', new Date()); }"
)


def _carry_script(writer: PdfWriter, script: str) -> None:
    """A document-level script in the catalogue's /Names tree, where form designers put it."""
    action = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Action"),
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject(script),
            }
        )
    )
    tree = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("FormCalc"), action])}
    )
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): writer._add_object(tree)}
    )


def build_livecycle(rng: random.Random, layout: str, featured: str | None) -> BuiltDocument:
    plan = plan_acord(rng, "livecycle", layout, featured)
    plan, dba = vary_as_in_life(rng, plan, LIVECYCLE_VARIETY)
    buffer = io.BytesIO()
    canvas = new_canvas(buffer)
    draw_acord_page(canvas, plan, TextSink(canvas, plan.style), 1)
    canvas.showPage()
    canvas.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(buffer.getvalue())))
    _carry_script(writer, _CALCULATION_SCRIPT)
    writer.add_metadata({"/Producer": "LiveCycle-style flattening (coinet fixture generator)"})
    out = io.BytesIO()
    writer.write(out)
    entry = note_dba(acord_entry("livecycle", plan, "text"), dba) | {"javascript": True}
    return BuiltDocument("pdf", out.getvalue(), entry)
