"""Tesseract through its C API: the TSV it returns, and a clear error when it is missing."""

from __future__ import annotations

import ctypes.util
import io
import threading

import pytest
from PIL import Image, ImageDraw, ImageFont

from backend.acord import read_document, tesseract_api
from backend.acord.errors import ReadError
from backend.acord.ocr import parse_tsv

needs_tesseract = pytest.mark.skipif(
    not tesseract_api.available(), reason="libtesseract not installed"
)
_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _text_image(text: str, size: tuple[int, int] = (900, 160)) -> Image.Image:
    image = Image.new("L", size, 255)
    ImageDraw.Draw(image).text((40, 50), text, fill=0, font=ImageFont.truetype(_FONT, 40))
    return image


def test_parse_tsv_keeps_words_and_drops_rules_and_other_levels() -> None:
    tsv = "\n".join(
        [
            "1\t1\t0\t0\t0\t0\t0\t0\t800\t100\t-1\t",
            "5\t1\t1\t1\t1\t1\t10\t20\t30\t12\t91.5\tINSURED",
            "5\t1\t1\t1\t1\t2\t50\t20\t4\t40\t30.0\t|",
            "5\t1\t1\t1\t1\t3\t60\t20\t40\t12\t88.0\t|ACME|",
            "5\t1\t1\t1\t1\t4\t70\t20\tx\t12\t88.0\tBROKEN",
        ]
    )
    assert parse_tsv(tsv, x_offset=5, y_offset=100) == [
        ("INSURED", 15, 120, 30, 12, 91.5),
        ("ACME", 65, 120, 40, 12, 88.0),
    ]


@needs_tesseract
def test_an_engine_reads_words_with_boxes_in_image_pixels() -> None:
    with tesseract_api.TEXT.engine() as engine:
        rows = parse_tsv(
            engine.tsv(_text_image("CERTIFICATE HOLDER"), tesseract_api.PSM_SINGLE_LINE)
        )
    assert [row[0] for row in rows] == ["CERTIFICATE", "HOLDER"]
    first = rows[0]
    assert 30 <= first[1] <= 50 and 45 <= first[2] <= 70


@needs_tesseract
def test_two_threads_read_at_once_with_their_own_engines() -> None:
    images = [_text_image("GENERAL LIABILITY"), _text_image("UMBRELLA LIAB")]
    results: dict[int, list[str]] = {}

    def read(index: int) -> None:
        with tesseract_api.TEXT.engine() as engine:
            tsv = engine.tsv(images[index], tesseract_api.PSM_SINGLE_LINE)
        results[index] = [row[0] for row in parse_tsv(tsv)]

    threads = [threading.Thread(target=read, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {0: ["GENERAL", "LIABILITY"], 1: ["UMBRELLA", "LIAB"]}


def test_a_missing_library_gives_the_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tesseract_api, "_library", None)
    monkeypatch.setattr(tesseract_api, "_LIBRARY_NAMES", ("libtesseract-not-here.so.99",))
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    # Engines already loaded by other tests would still read: start from none.
    monkeypatch.setattr(tesseract_api, "TEXT", tesseract_api.EnginePool("eng"))
    with pytest.raises(ReadError, match="Tesseract is not installed"):
        tesseract_api.library()
    assert not tesseract_api.available()
    buffer = io.BytesIO()
    _text_image("ACORD 25").save(buffer, format="PNG")
    result = read_document(buffer.getvalue())
    assert result["error"]["code"] == "unreadable"
    assert "Tesseract is not installed" in result["error"]["message"]


@needs_tesseract
def test_a_recognition_past_its_deadline_is_a_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tesseract_api, "DEADLINE_S", 0.001)
    page = _text_image("THIS CERTIFICATE IS ISSUED AS A MATTER OF INFORMATION", (2400, 1600))
    with tesseract_api.TEXT.engine() as engine, pytest.raises(ReadError) as raised:
        engine.tsv(page, tesseract_api.PSM_SPARSE_TEXT)
    assert raised.value.code == "timeout"
    # The engine is still good for the next read.
    monkeypatch.setattr(tesseract_api, "DEADLINE_S", 60.0)
    with tesseract_api.TEXT.engine() as engine:
        rows = parse_tsv(engine.tsv(_text_image("EXCESS LIAB"), tesseract_api.PSM_SINGLE_LINE))
    assert [row[0] for row in rows] == ["EXCESS", "LIAB"]


@needs_tesseract
def test_a_local_threshold_reads_print_in_shadow_and_is_set_for_one_call_only() -> None:
    """Half the line lies in a shadow darker than Tesseract's one level for the page: its
    print is lost to the global cut and kept by Sauvola's level from the grey around it."""
    image = Image.new("L", (1400, 160), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((700, 0, 1400, 160), fill=110)
    font = ImageFont.truetype(_FONT, 36)
    draw.text((30, 60), "BLACK PRINT HERE", fill=0, font=font)
    draw.text((730, 60), "SHADOWED WORDS THERE", fill=40, font=font)
    sparse = tesseract_api.PSM_SPARSE_TEXT
    with tesseract_api.TEXT.engine() as engine:
        before = [row[0] for row in parse_tsv(engine.tsv(image, sparse))]
        local = [
            row[0]
            for row in parse_tsv(
                engine.tsv(image, sparse, thresholding=tesseract_api.THRESHOLD_SAUVOLA)
            )
        ]
        after = [row[0] for row in parse_tsv(engine.tsv(image, sparse))]
    assert "SHADOWED" not in before
    assert local[-3:] == ["SHADOWED", "WORDS", "THERE"]
    assert after == before
