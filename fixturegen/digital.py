"""A digital insurer's certificate: its own one-page drawing, delivered as a clean picture.

Insurers that sell online issue the ACORD 25 from their own systems: the form redrawn with other
column widths and title-case labels, and often with every glyph turned into outlines, so the file
has no text layer at all though it looks typeset. The family draws the `digital_c` layout and
hands it over as an image-only PDF rendered without the noise, blur or skew of a paper scan.
"""

from __future__ import annotations

import random

from fixturegen.bundles import text_pdf
from fixturegen.documents import BuiltDocument, plan_acord, single_acord_entry
from fixturegen.scan import ScanSettings, encode_scan, rasterise

# Resolutions at which such files are rendered; outlines drawn at these are sharp for OCR.
_RASTER_DPI = (200, 300)


def build_digital(rng: random.Random, layout: str, featured: str | None) -> BuiltDocument:
    plan = plan_acord(rng, "digital", layout, featured)
    dpi = rng.choice(_RASTER_DPI)
    settings = ScanSettings(dpi=dpi, skew_degrees=0.0, blur_radius=0.0, noise=0.0, jpeg_quality=95)
    pages = rasterise(text_pdf(plan, None), dpi)
    data = encode_scan(pages, settings, "pdf")
    entry = single_acord_entry("digital", plan, "ocr") | {"raster": {"dpi": dpi}}
    return BuiltDocument("pdf", data, entry)
