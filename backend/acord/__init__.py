"""Reading ACORD 25 certificates and endorsement forms (PDF text, AcroForm, scans, photos).

Public API:
- `read_document(path_or_bytes, *, filename=None) -> dict`: the contract JSON of
  contracts/acord25-json.md, or `{"error": {"code", "message"}}`; runs in this process.
- `read_document_isolated(data, *, filename=None, timeout_s=60, memory_mb=1536) -> dict`: the
  same, in a child process with CPU-time, memory and wall-clock limits. Use this for uploads.
- `is_unsafe(code)` / `http_status(code)`: what to do with a file that gave an error (unsafe:
  refuse; otherwise keep it as "needs manual entry").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backend.acord.errors import ERROR_CODES, ReadError, error_json, http_status, is_unsafe
from backend.acord.sandbox import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, read_isolated

__all__ = [
    "ERROR_CODES",
    "ReadError",
    "http_status",
    "is_unsafe",
    "read_document",
    "read_document_isolated",
]


def read_document(
    path_or_bytes: str | Path | bytes, *, filename: str | None = None
) -> dict[str, Any]:
    from backend.acord.preflight import MAX_BYTES
    from backend.acord.reader import read_bytes

    try:
        if isinstance(path_or_bytes, bytes):
            data = path_or_bytes
        else:
            path = Path(path_or_bytes)
            if path.stat().st_size > MAX_BYTES:
                raise ReadError(
                    "too_large", f"The file is larger than {MAX_BYTES // 1_048_576} MB."
                )
            data = path.read_bytes()
            filename = filename or path.name
        return read_bytes(data, filename)
    except ReadError as exc:
        return exc.as_json()
    except OSError as exc:
        return error_json("unreadable", f"The file cannot be opened: {exc.strerror or exc}")
    except (MemoryError, RecursionError) as exc:
        return error_json("unreadable", f"The file could not be read ({type(exc).__name__}).")
    except Exception as exc:  # a broken file must give an answer, not a traceback
        return error_json("unreadable", f"The file could not be read ({type(exc).__name__}).")


def read_document_isolated(
    data: bytes,
    *,
    filename: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> dict[str, Any]:
    return read_isolated(data, filename=filename, timeout_s=timeout_s, memory_mb=memory_mb)
