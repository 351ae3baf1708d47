"""Tesseract in this process through its C API (Debian's libtesseract5), by ctypes.

Starting the `tesseract` program costs about 0.2 s a call just to load the English model, and a
scan takes a dozen calls; a loaded engine reads a one-line cell in a few tens of milliseconds.
An engine (a TessBaseAPI handle) is not thread-safe, so each thread borrows its own from a
small pool; ctypes lets go of the GIL during a foreign call, so two engines read two parts of a
page on two cores at once.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image

from backend.acord.errors import ReadError

_LIBRARY_NAMES = ("libtesseract.so.5", "libtesseract.so")
_MISSING = "This file needs OCR but Tesseract is not installed (Debian package libtesseract5)."

# Page segmentation modes (tesseract/publictypes.h).
PSM_SINGLE_BLOCK = 6
PSM_SINGLE_LINE = 7
PSM_SINGLE_CHAR = 10
PSM_SPARSE_TEXT = 11
# Tesseract's `thresholding_method`: one Otsu level for the whole image (its default), or a
# level per tile of the image (Leptonica's tiled Otsu), or Sauvola's local mean and deviation.
THRESHOLD_GLOBAL = 0
THRESHOLD_TILED_OTSU = 1
THRESHOLD_SAUVOLA = 2

# One recognition is stopped after this long; the sandbox's limits bound the whole read too.
DEADLINE_S = 60.0

_library: ctypes.CDLL | None = None
_library_lock = threading.Lock()
_quiet = False


def _declare(lib: ctypes.CDLL) -> None:
    handle, text, number = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
    signatures: dict[str, tuple[list[type], type | None]] = {
        "TessBaseAPICreate": ([], handle),
        "TessBaseAPIInit3": ([handle, text, text], number),
        "TessBaseAPISetVariable": ([handle, text, text], number),
        "TessBaseAPISetPageSegMode": ([handle, number], None),
        "TessBaseAPISetImage": ([handle, ctypes.c_char_p, number, number, number, number], None),
        "TessBaseAPISetSourceResolution": ([handle, number], None),
        "TessBaseAPIRecognize": ([handle, ctypes.c_void_p], number),
        "TessBaseAPIGetTsvText": ([handle, number], ctypes.c_void_p),
        "TessBaseAPIClear": ([handle], None),
        "TessBaseAPIEnd": ([handle], None),
        "TessBaseAPIDelete": ([handle], None),
        "TessDeleteText": ([ctypes.c_void_p], None),
        "TessMonitorCreate": ([], ctypes.c_void_p),
        "TessMonitorSetDeadlineMSecs": ([ctypes.c_void_p, number], None),
        "TessMonitorDelete": ([ctypes.c_void_p], None),
    }
    for name, (arguments, result) in signatures.items():
        function = getattr(lib, name)
        function.argtypes = arguments
        function.restype = result


def library() -> ctypes.CDLL:
    """libtesseract, loaded once; the same clear error as a missing program when it is absent."""
    global _library
    with _library_lock:
        if _library is None:
            # Its OpenMP threads are slower than one thread on a small machine; libgomp reads
            # the limit when it is loaded, so it must be set first.
            os.environ.setdefault("OMP_THREAD_LIMIT", "1")
            found = ctypes.util.find_library("tesseract")
            for name in (*_LIBRARY_NAMES, *([found] if found else [])):
                try:
                    lib = ctypes.CDLL(name)
                    _declare(lib)
                except (OSError, AttributeError):
                    continue
                _library = lib
                break
            else:
                raise ReadError("unreadable", _MISSING)
        return _library


def available() -> bool:
    try:
        library()
    except ReadError:
        return False
    return True


class Engine:
    """One loaded Tesseract (a TessBaseAPI handle); use from one thread at a time."""

    def __init__(self, language: str) -> None:
        self._lib = library()
        self._handle = self._lib.TessBaseAPICreate()
        if not self._handle:
            raise ReadError("unreadable", "Tesseract could not be started.")
        if self._lib.TessBaseAPIInit3(self._handle, None, language.encode()) != 0:
            self._lib.TessBaseAPIDelete(self._handle)
            raise ReadError(
                "unreadable",
                f"Tesseract's '{language}' model is not installed (Debian's tesseract-ocr-"
                f"{language}).",
            )
        global _quiet
        with _library_lock:
            # Its warnings would go to the reader's stderr. `debug_file` is one setting for the
            # whole library, not per engine: set once, never while another thread sets it.
            if not _quiet:
                self._set("debug_file", "/dev/null")
                _quiet = True
        # Certificates print no light-on-dark text; looking for it costs a fifth.
        self._set("tessedit_do_invert", "0")

    def _set(self, name: str, value: str) -> None:
        self._lib.TessBaseAPISetVariable(self._handle, name.encode(), value.encode())

    def _set_image(self, image: Image.Image, dpi: int | None) -> None:
        gray = image if image.mode == "L" else image.convert("L")
        # The DPI tells Tesseract the print size; without it (0), it estimates it from the
        # height of the text, as the `tesseract` program does for an image without one.
        self._set("user_defined_dpi", str(max(min(dpi, 2400), 70)) if dpi else "0")
        self._lib.TessBaseAPISetImage(
            self._handle, gray.tobytes(), gray.width, gray.height, 1, gray.width
        )

    def tsv(
        self,
        image: Image.Image,
        psm: int,
        dpi: int | None = None,
        whitelist: str | None = None,
        thresholding: int = THRESHOLD_GLOBAL,
    ) -> str:
        """Tesseract's TSV of words with boxes (in the image's pixels) and confidences;
        `thresholding` is how Tesseract cuts a grey image to black and white (this call only)."""
        self._set_image(image, dpi)
        self._lib.TessBaseAPISetPageSegMode(self._handle, psm)
        if whitelist:
            self._set("tessedit_char_whitelist", whitelist)
        if thresholding != THRESHOLD_GLOBAL:
            self._set("thresholding_method", str(thresholding))
        monitor = self._lib.TessMonitorCreate()
        try:
            self._lib.TessMonitorSetDeadlineMSecs(monitor, max(int(DEADLINE_S * 1000), 1))
            started = time.monotonic()
            if self._lib.TessBaseAPIRecognize(self._handle, monitor) != 0:
                if time.monotonic() - started >= DEADLINE_S * 0.95:
                    raise ReadError("timeout", "OCR of a page took too long.")
                raise ReadError("unreadable", "OCR failed on a page image.")
            pointer = self._lib.TessBaseAPIGetTsvText(self._handle, 0)
            if not pointer:
                return ""
            try:
                return ctypes.string_at(pointer).decode("utf-8", "replace")
            finally:
                self._lib.TessDeleteText(pointer)
        finally:
            self._lib.TessMonitorDelete(monitor)
            if whitelist:
                self._set("tessedit_char_whitelist", "")
            if thresholding != THRESHOLD_GLOBAL:
                self._set("thresholding_method", str(THRESHOLD_GLOBAL))
            self._lib.TessBaseAPIClear(self._handle)

    def close(self) -> None:
        if self._handle:
            # Without End, the library reports its still-held memory as leaks at exit.
            self._lib.TessBaseAPIEnd(self._handle)
            self._lib.TessBaseAPIDelete(self._handle)
            self._handle = None


class EnginePool:
    """Loaded engines for one model, lent to one thread at a time and kept for the next read
    (loading the English model costs about 0.13 s)."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._free: list[Engine] = []
        self._all: list[Engine] = []
        self._lock = threading.Lock()

    @contextmanager
    def engine(self) -> Iterator[Engine]:
        with self._lock:
            engine = self._free.pop() if self._free else None
        if engine is None:
            engine = Engine(self.language)
            with self._lock:
                self._all.append(engine)
        try:
            yield engine
        finally:
            with self._lock:
                self._free.append(engine)

    def close(self) -> None:
        with self._lock:
            for engine in self._all:
                engine.close()
            self._all.clear()
            self._free.clear()


TEXT = EnginePool("eng")


@atexit.register
def _close_engines() -> None:
    TEXT.close()
