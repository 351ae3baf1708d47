"""Decompression bombs against the real app process (uvicorn, `coinet serve`) and a real worker:
a 1.3 KB PDF with one page 200 inches square and a 12000 x 12000 PNG. The web process only
stores them; the sandboxed reader refuses the PNG (never drawn) and draws the PDF's page within
its pixel bound. The web process's peak memory moves by less than 50 MB, and other requests
are answered while the bombs are being read."""

from __future__ import annotations

import asyncio
import io
import struct
import zlib
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from backend.acord.page_render import MAX_PAGE_PIXELS
from tests.integration.reads.live import live_stack

# The bound the issue sets on what an uploaded bomb may cost the web process.
MAX_WEB_GROWTH_BYTES = 50 * 1024 * 1024


def huge_page_pdf() -> bytes:
    document = pdfium.PdfDocument.new()
    document.new_page(14_400, 14_400)  # the largest page PDF allows: 484 Mpx at 110 dpi
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def huge_png(side: int = 12_000) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit grey
    rows = zlib.compress(b"\x00" * ((side + 1) * side), 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def _reset_peak(pid: int) -> None:
    """Start the process's VmHWM afresh from its current size (Linux's clear_refs "5"), so the
    peak measured afterwards is what the requests below cost, not the app's start-up."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def _memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (the peak resident size) of a process, in bytes."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) * 1024
    return values


async def test_bombs_do_not_move_the_web_process_or_delay_other_requests(tmp_path: Path) -> None:
    pdf_bomb, png_bomb = huge_page_pdf(), huge_png()
    assert len(pdf_bomb) < 2048 and len(png_bomb) < 200_000
    async with live_stack(tmp_path) as stack:
        sub = await stack.new_sub()
        async with stack.signed_in(sub.emails["sub_bookkeeper"]) as (http, csrf):
            for _ in range(3):  # the app's own first-use allocations, before measuring
                assert (await http.get(f"/subs/{sub.id}/upload")).status_code == 200
            _reset_peak(stack.web_pid)
            before = _memory(stack.web_pid)

            async def upload(name: str, data: bytes) -> str:
                response = await http.post(
                    f"/api/v1/subs/{sub.id}/documents",
                    files={"file": (name, data, "application/octet-stream")},
                    headers={"x-csrf-token": csrf},
                )
                assert response.status_code == 201, response.text
                return str(response.json()["id"])

            pdf_id, png_id = await asyncio.gather(
                upload("page.pdf", pdf_bomb), upload("photo.png", png_bomb)
            )
            # While the worker reads the PDF bomb, the app answers: requests made after its
            # upload complete while it is still pending.
            answered_while_pending = 0
            while await stack.read_state(pdf_id) == "pending":
                pages = await asyncio.gather(
                    http.get(f"/documents/{pdf_id}/pages/1"),
                    http.get(f"/documents/{png_id}/pages/1"),
                    http.get(f"/documents/{pdf_id}/review", headers={"accept": "text/html"}),
                    http.get("/health/live"),
                )
                # Nothing is drawn in the web process: no image until the reader stored one.
                assert pages[0].status_code in (200, 404)
                assert [r.status_code for r in pages[1:]] == [404, 200, 200]
                if await stack.read_state(pdf_id) == "pending":
                    answered_while_pending += 1
            assert answered_while_pending >= 1, stack.log("worker")

            assert await stack.wait_read(png_id) == "needs_manual_entry"
            refused = await http.get(f"/documents/{png_id}/review", headers={"accept": "text/html"})
            assert refused.status_code == 200
            assert "a file it did not read is never drawn here" in refused.text
            assert (await http.get(f"/documents/{png_id}/pages/1")).status_code == 404

            assert await stack.read_state(pdf_id) in ("read", "needs_manual_entry")
            page = await http.get(f"/documents/{pdf_id}/pages/1")
            if page.status_code == 200:
                with Image.open(io.BytesIO(page.content)) as image:
                    assert image.width * image.height <= MAX_PAGE_PIXELS
            else:
                assert page.status_code == 404
            after = _memory(stack.web_pid)
        growth = after["VmHWM"] - before["VmRSS"]
        print(f"web process: peak {growth / 1_048_576:.1f} MB over its size before the bombs")
        assert growth < MAX_WEB_GROWTH_BYTES, (before, after)
