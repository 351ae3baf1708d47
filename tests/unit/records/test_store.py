from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from backend.config import Settings
from backend.records.store import FilesystemStore, make_store


def test_same_bytes_are_one_file_named_by_their_sha256(tmp_path: Path) -> None:
    store = FilesystemStore(tmp_path)
    digest = store.put(b"certificate bytes")
    assert digest == hashlib.sha256(b"certificate bytes").hexdigest()
    assert store.put(b"certificate bytes") == digest
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].name == digest
    assert store.get(digest) == b"certificate bytes"
    assert store.exists(digest)


def test_a_path_traversal_digest_is_refused(tmp_path: Path) -> None:
    store = FilesystemStore(tmp_path)
    with pytest.raises(ValueError):
        store.get("../../etc/passwd")


def test_unknown_store_kind_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="filesystem"):
        make_store(Settings(document_store="ftp"))
