"""RFC 3161 time-stamps: asking an authority to vouch that some bytes existed at a time, and
checking such a vouch offline.

Requests are built and responses verified with `rfc3161-client`; the HTTP exchange uses the
standard library so the same code path serves the checkpoint stamps and, through
`HttpTimeStamper`, pyHanko's signature time-stamps in the PDF reports.
"""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import rfc3161_client
from asn1crypto import tsp
from cryptography import x509
from pyhanko.sign.timestamps.api import TimeStamper

TIMESTAMP_QUERY_TYPE: Final = "application/timestamp-query"
TIMESTAMP_REPLY_TYPE: Final = "application/timestamp-reply"
MAX_REPLY_BYTES: Final = 1024 * 1024
DEFAULT_TIMEOUT_SECONDS: Final = 10.0


class TimestampError(RuntimeError):
    """The authority could not be reached, refused, or its token does not verify."""


@dataclass(frozen=True)
class TimestampInfo:
    generated_at: datetime
    authority: str
    serial_number: int


def _post(url: str, body: bytes, timeout: float) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise TimestampError(f"time-stamp authority URL {url!r} is not http(s)")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url, data=body, method="POST", headers={"Content-Type": TIMESTAMP_QUERY_TYPE}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:  # noqa: S310
            data: bytes = reply.read(MAX_REPLY_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise TimestampError(f"time-stamp authority {url} did not answer: {exc}") from exc
    if len(data) > MAX_REPLY_BYTES:
        raise TimestampError(f"time-stamp authority {url} answered with too much data")
    return data


def fetch_timestamp(data: bytes, url: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> bytes:
    """Ask the authority at `url` to stamp `data`; returns the DER TimeStampResp it sent.

    The reply is checked for a granted status, a SHA-256 imprint of `data` and our nonce, so a
    confused or replaying authority is caught now rather than by an auditor years later.
    """
    request = (
        rfc3161_client.TimestampRequestBuilder()
        .data(data)
        .hash_algorithm(rfc3161_client.HashAlgorithm.SHA256)
        .build()
    )
    reply = _post(url, request.as_bytes(), timeout)
    try:
        response = rfc3161_client.decode_timestamp_response(reply)
    except (ValueError, rfc3161_client.VerificationError) as exc:
        raise TimestampError(f"time-stamp authority {url} sent an unreadable reply") from exc
    if rfc3161_client.PKIStatus(response.status) != rfc3161_client.PKIStatus.GRANTED:
        raise TimestampError(f"time-stamp authority {url} refused: {response.status_string}")
    if response.tst_info.nonce != request.nonce:
        raise TimestampError(f"time-stamp authority {url} answered another request")
    imprint = response.tst_info.message_imprint.message
    if imprint != request.message_imprint.message:
        raise TimestampError(f"time-stamp authority {url} stamped other data")
    return reply


def embedded_certificates(response_der: bytes) -> list[x509.Certificate]:
    try:
        response = rfc3161_client.decode_timestamp_response(response_der)
        return [x509.load_der_x509_certificate(c) for c in response.signed_data.certificates]
    except (ValueError, rfc3161_client.VerificationError) as exc:
        raise TimestampError(f"time-stamp token is unreadable: {exc}") from exc


def verify_timestamp(
    response_der: bytes, data: bytes, roots: list[x509.Certificate]
) -> TimestampInfo:
    """Check offline that the token stamps exactly `data` and chains to one of `roots`."""
    if not roots:
        raise TimestampError("no time-stamp authority root certificate to check against")
    try:
        response = rfc3161_client.decode_timestamp_response(response_der)
        builder = rfc3161_client.VerifierBuilder()
        for root in roots:
            builder = builder.add_root_certificate(root)
        builder.build().verify_message(response, data)
    except (ValueError, TypeError, rfc3161_client.VerificationError) as exc:
        raise TimestampError(f"time-stamp token does not verify: {exc}") from exc
    info = response.tst_info
    try:
        authority = str(info.name.value) if info.name is not None else ""
    except (ValueError, AttributeError):
        authority = ""
    return TimestampInfo(
        generated_at=info.gen_time, authority=authority, serial_number=info.serial_number
    )


class HttpTimeStamper(TimeStamper):
    """pyHanko time-stamper that speaks RFC 3161 over HTTP with the standard library."""

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        super().__init__(include_nonce=True)  # type: ignore[no-untyped-call]
        self.url = url
        self.timeout = timeout

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        reply = await asyncio.to_thread(_post, self.url, req.dump(), self.timeout)
        try:
            return tsp.TimeStampResp.load(reply)
        except ValueError as exc:
            raise TimestampError(f"time-stamp authority {self.url} sent garbage") from exc
