"""Demo certificates: one small PDF per (sub, GC) naming that GC as holder, stored like any
upload, with the values it shows kept as its read result (the reader is not needed for
data the demo itself made)."""

from __future__ import annotations

import io
import uuid
from datetime import date
from typing import Any

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from backend.acord.page_render import render_pages
from backend.db.models import Document, Organisation
from backend.records.page_images import save_pages
from backend.records.store import DocumentStore, sha256_hex


def certificate_values(
    sub: Organisation, holder: Organisation, insurer: tuple[str, str], today: date
) -> dict[str, Any]:
    return {
        "form": "ACORD 25",
        "form_edition": "2016/03",
        "source": "text",
        "certificate_date": today.isoformat(),
        "insured": {"name": sub.legal_name, "address": f"{sub.city} {sub.state}".strip()},
        "insurers": [{"letter": "A", "name": insurer[0], "naic": insurer[1]}],
        "coverages": [],
        "description_of_operations": (
            "Certificate holder is additional insured on a primary and non-contributory basis "
            "where required by written contract. 30 days notice of cancellation."
        ),
        "certificate_holder": {
            "name": holder.legal_name,
            "address": f"{holder.address_line}, {holder.city} {holder.state}",
        },
        "fields": {},
        "warnings": [],
    }


def _render(values: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=letter, invariant=1)
    page.setTitle("Certificate of liability insurance (demo)")
    y = 740
    page.setFont("Helvetica-Bold", 14)
    page.drawString(50, y, "CERTIFICATE OF LIABILITY INSURANCE (demo network)")
    page.setFont("Helvetica", 10)
    lines = [
        f"Date: {values['certificate_date']}",
        f"Insured: {values['insured']['name']}",
        f"Insurer A: {values['insurers'][0]['name']} (NAIC {values['insurers'][0]['naic']})",
        f"Certificate holder: {values['certificate_holder']['name']}",
        values["description_of_operations"],
    ]
    for line in lines:
        y -= 22
        page.drawString(50, y, line[:110])
    page.showPage()
    page.save()
    return buffer.getvalue()


def demo_certificate(
    store: DocumentStore,
    sub: Organisation,
    holder: Organisation,
    insurer: tuple[str, str],
    uploaded_by: uuid.UUID,
    today: date,
) -> Document:
    values = certificate_values(sub, holder, insurer, today)
    data = _render(values)
    digest = store.put(data)
    # Recorded as read without the worker, so its page images are drawn here (the PDF is this
    # module's own, not an upload: no sandbox needed).
    save_pages(store, digest, render_pages(data))
    return Document(
        id=uuid.uuid4(),
        sub_org_id=sub.id,
        sha256=sha256_hex(data),
        size_bytes=len(data),
        content_type="application/pdf",
        filename=f"SUB-{sub.legal_name.split()[0].upper()}_HOLDER-{holder.legal_name.split()[0].upper()}.pdf",
        uploaded_by_id=uploaded_by,
        read_state="read",
        read_result=values,
    )
