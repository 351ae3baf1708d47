"""A small corpus shared by the fixture generator's tests (built once per session)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from fixturegen.generate import generate_corpus

SEED = 11
COUNT = 30


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("acord-fixtures")
    manifest = generate_corpus(out, SEED, COUNT, workers=1)
    return out, manifest


def page_texts(pdf: Path | bytes) -> list[str]:
    """Each page's text layer as PDFium extracts it, whitespace collapsed."""
    document = pdfium.PdfDocument(pdf)
    try:
        texts = []
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            texts.append(" ".join(textpage.get_text_range().split()))
            textpage.close()
            page.close()
        return texts
    finally:
        document.close()


def documents_of(manifest: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    found = [d for d in manifest["documents"] if d["kind"] == kind]
    assert found, f"the test corpus holds no {kind} document"
    return found
