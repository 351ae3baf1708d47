"""What the audit service needs from its surroundings: the signing key and keyring, the PDF
signing identity, the time-stamp authority, and a way to read stored documents.

Built from the settings in production (`AuditContext.from_settings`); tests build one directly
around temporary keys and a local authority.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from backend.audit.checkpoint import Keyring, NoteSigner
from backend.audit.keys import (
    PdfSigningIdentity,
    load_keyring,
    load_or_create_pdf_identity,
    load_or_create_signer,
    log_origin,
    settings_signer,
)
from backend.config import Settings

TSA_ROOTS_FILE: Final = "tsa-roots.pem"

DocumentReader = Callable[[str], bytes | None]


def _no_documents(_sha256: str) -> bytes | None:
    return None


@dataclass(frozen=True)
class AuditContext:
    origin: str
    signer: NoteSigner
    keyring: Keyring
    pdf_identity: PdfSigningIdentity
    timestamp_url: str = ""
    tsa_roots_pem: bytes = b""
    read_document: DocumentReader = _no_documents

    @classmethod
    def from_keys_dir(
        cls,
        keys_dir: Path,
        origin: str,
        *,
        timestamp_url: str = "",
        read_document: DocumentReader = _no_documents,
    ) -> AuditContext:
        signer = load_or_create_signer(keys_dir, origin)
        roots_path = keys_dir / TSA_ROOTS_FILE
        return cls(
            origin=origin,
            signer=signer,
            keyring=load_keyring(keys_dir),
            pdf_identity=load_or_create_pdf_identity(keys_dir, f"{origin} audit reports"),
            timestamp_url=timestamp_url,
            tsa_roots_pem=roots_path.read_bytes() if roots_path.exists() else b"",
            read_document=read_document,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> AuditContext:
        origin = log_origin(settings)
        signer, keyring = settings_signer(settings, origin)
        keys_dir = settings.keys_dir
        roots_path = keys_dir / TSA_ROOTS_FILE
        return cls(
            origin=origin,
            signer=signer,
            keyring=keyring,
            pdf_identity=load_or_create_pdf_identity(keys_dir, f"{origin} audit reports"),
            timestamp_url=settings.timestamp_url,
            tsa_roots_pem=roots_path.read_bytes() if roots_path.exists() else b"",
            read_document=_store_reader(settings),
        )


def _store_reader(settings: Settings) -> DocumentReader:
    """Read documents through the records domain's content-addressed store when it exists."""
    try:
        store_module = importlib.import_module("backend.records.store")
        store = store_module.make_store(settings)
    except (ImportError, AttributeError, ValueError, OSError):
        return _no_documents

    def read(sha256: str) -> bytes | None:
        try:
            if not store.exists(sha256):
                return None
            content: bytes = store.get(sha256)
            return content
        except (OSError, ValueError, KeyError):
            return None

    return read
