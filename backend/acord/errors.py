"""Why a file could not be read, with stable codes the app and the CLI can rely on."""

from __future__ import annotations

from typing import Any

# code -> (HTTP status for an upload, whether the file is unsafe to keep)
ERROR_CODES: dict[str, tuple[int, bool]] = {
    "empty_file": (422, False),
    "not_a_document": (422, False),
    "encrypted": (422, False),
    "truncated": (422, False),
    "too_many_pages": (422, False),
    "too_large": (413, False),
    "decompression_bomb": (422, True),
    "active_content": (422, True),
    "timeout": (422, False),
    "unreadable": (422, False),
}


class ReadError(Exception):
    def __init__(self, code: str, message: str) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message

    def as_json(self) -> dict[str, Any]:
        return error_json(self.code, self.message)


def error_json(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def is_unsafe(code: str) -> bool:
    """Unsafe files are refused outright; the others are kept for manual entry."""
    return ERROR_CODES.get(code, (422, False))[1]


def http_status(code: str) -> int:
    return ERROR_CODES.get(code, (422, False))[0]
