"""Content-addressed document bytes. A file is written under its SHA-256 and made durable
(fsync, atomic rename) before the upload is acknowledged; the same bytes are one file.

Beside each document the store keeps what the sandboxed reader derived from its bytes (page
images and their sizes), under the document's SHA-256 and a short name: being a pure function
of the bytes, a derived file is shared by every copy of the document and never changes."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path

from backend.config import Settings


class DocumentStore(ABC):
    @abstractmethod
    def put(self, data: bytes) -> str:
        """Store durably; return the SHA-256 hex digest that names the bytes."""

    @abstractmethod
    def get(self, sha256: str) -> bytes: ...

    @abstractmethod
    def exists(self, sha256: str) -> bool: ...

    @abstractmethod
    def put_derived(self, sha256: str, name: str, data: bytes) -> None:
        """Store a file derived from the document `sha256` (a page image, say)."""

    @abstractmethod
    def get_derived(self, sha256: str, name: str) -> bytes | None:
        """The derived file, or None when it was never made."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _checked_digest(sha256: str) -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return sha256


# Derived files are named by the code, never by a request; the pattern keeps them flat.
_DERIVED_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{0,63}")


def _checked_name(name: str) -> str:
    if not _DERIVED_NAME.fullmatch(name) or ".." in name:
        raise ValueError(f"not a derived file name: {name!r}")
    return name


def _write_durably(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class FilesystemStore(DocumentStore):
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str) -> Path:
        digest = _checked_digest(sha256)
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        target = self._path(digest)
        if target.exists():
            return digest
        _write_durably(target, data)
        return digest

    def get(self, sha256: str) -> bytes:
        return self._path(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).exists()

    def _derived_path(self, sha256: str, name: str) -> Path:
        document = self._path(sha256)
        return document.with_name(f"{document.name}.derived") / _checked_name(name)

    def put_derived(self, sha256: str, name: str, data: bytes) -> None:
        _write_durably(self._derived_path(sha256, name), data)

    def get_derived(self, sha256: str, name: str) -> bytes | None:
        try:
            return self._derived_path(sha256, name).read_bytes()
        except FileNotFoundError:
            return None


class S3Store(DocumentStore):
    """Any S3-compatible object store (AWS S3, MinIO, R2...), selected by DOCUMENT_STORE=s3."""

    def __init__(self, settings: Settings) -> None:
        import boto3  # imported here so the filesystem default needs no S3 client

        self.bucket = settings.s3_bucket
        self.client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url or None,
            aws_access_key_id=settings.s3_access_key or None,
            aws_secret_access_key=settings.s3_secret_key or None,
        )

    @staticmethod
    def _key(sha256: str) -> str:
        return f"documents/{_checked_digest(sha256)}"

    def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        if not self.exists(digest):
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._key(digest),
                Body=data,
                ChecksumAlgorithm="SHA256",
            )
        return digest

    def get(self, sha256: str) -> bytes:
        response = self.client.get_object(Bucket=self.bucket, Key=self._key(sha256))
        body: bytes = response["Body"].read()
        return body

    def exists(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(sha256))
        except ClientError:
            return False
        return True

    def _derived_key(self, sha256: str, name: str) -> str:
        return f"{self._key(sha256)}.derived/{_checked_name(name)}"

    def put_derived(self, sha256: str, name: str, data: bytes) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=self._derived_key(sha256, name),
            Body=data,
            ChecksumAlgorithm="SHA256",
        )

    def get_derived(self, sha256: str, name: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            response = self.client.get_object(
                Bucket=self.bucket, Key=self._derived_key(sha256, name)
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        body: bytes = response["Body"].read()
        return body


def make_store(settings: Settings) -> DocumentStore:
    if settings.document_store == "filesystem":
        return FilesystemStore(settings.document_root)
    if settings.document_store == "s3":
        if not settings.s3_bucket:
            raise ValueError("DOCUMENT_STORE=s3 needs S3_BUCKET")
        return S3Store(settings)
    raise ValueError(
        f"DOCUMENT_STORE must be 'filesystem' or 's3', not {settings.document_store!r}"
    )
