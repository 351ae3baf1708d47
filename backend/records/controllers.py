"""The master record over HTTP: read it, upload documents into it, confirm changes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body

from backend.errors import BadInput
from backend.network.actor import Actor
from backend.records.schemas import DocumentView, MasterRecordView, RecordChange
from backend.records.service import RecordService

_MEDIA_BY_SIGNATURE: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)


def download_media_type(content: bytes) -> str:
    for signature, media_type in _MEDIA_BY_SIGNATURE:
        if content.startswith(signature):
            return media_type
    return "application/octet-stream"


def attachment(content: bytes, filename: str) -> Response[bytes]:
    """An uploaded file as a download. Headers carry Latin-1 only: the plain name keeps ASCII
    letters, the uploader's own name (any script) travels percent-encoded in filename*
    (RFC 6266). Always an attachment, typed by its first bytes (not by what the uploader
    claimed) and never sniffed: an uploaded file is not rendered by the browser under this
    origin."""
    safe_name = (
        "".join(c for c in filename if c.isascii() and (c.isalnum() or c in "._- ")) or "document"
    )
    return Response(
        content,
        media_type=download_media_type(content),
        headers={
            "content-disposition": f'attachment; filename="{safe_name}"; '
            f"filename*=UTF-8''{quote(filename, safe='')}",
            "x-content-type-options": "nosniff",
        },
    )


def document_view(document: Any, duplicate: bool = False) -> DocumentView:
    return DocumentView(
        id=document.id,
        sha256=document.sha256,
        filename=document.filename,
        size_bytes=document.size_bytes,
        content_type=document.content_type,
        read_state=document.read_state,
        created_at=document.created_at,
        duplicate=duplicate,
    )


class RecordController(Controller):
    path = "/api/v1/subs/{sub_id:uuid}"

    @get("/record")
    async def master_record(
        self, actor: Actor, records: RecordService, sub_id: uuid.UUID
    ) -> MasterRecordView:
        return await records.master_record(actor, sub_id)

    @get("/documents")
    async def documents(
        self, actor: Actor, records: RecordService, sub_id: uuid.UUID
    ) -> list[DocumentView]:
        return [document_view(d) for d in await records.documents(actor, sub_id)]

    @post("/documents", status_code=201)
    async def upload(
        self,
        actor: Actor,
        records: RecordService,
        sub_id: uuid.UUID,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Response[DocumentView]:
        upload = data.get("file")
        if not isinstance(upload, UploadFile):
            raise BadInput("Attach the file as the form field 'file'.", field="file")
        content = await upload.read()
        stored = await records.upload(actor, sub_id, upload.filename, upload.content_type, content)
        return Response(
            document_view(stored.document, stored.duplicate),
            status_code=200 if stored.duplicate else 201,
        )

    @post("/revisions", status_code=201)
    async def confirm_change(
        self, actor: Actor, records: RecordService, sub_id: uuid.UUID, data: RecordChange
    ) -> dict[str, Any]:
        revision = await records.confirm_change(actor, sub_id, data)
        return {"id": str(revision.id), "number": revision.number, "kind": revision.kind}


class DocumentController(Controller):
    path = "/api/v1/documents"

    @get("/{document_id:uuid}")
    async def download(
        self, actor: Actor, records: RecordService, document_id: uuid.UUID
    ) -> Response[bytes]:
        document, content = await records.document_bytes(actor, document_id)
        return attachment(content, document.filename)
