"""Content-addressed document bytes. A file is written under its SHA-256 and made durable
(fsync, atomic rename) before the upload is acknowledged; the same bytes are one file."""

from __future__ import annotations

import hashlib
import os
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


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _checked_digest(sha256: str) -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return sha256


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
        return digest

    def get(self, sha256: str) -> bytes:
        return self._path(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).exists()


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
