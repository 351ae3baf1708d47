"""A local RFC 3161 time-stamp authority for development and tests.

It makes its own root CA and TSA certificate with `cryptography`, signs tokens with pyHanko's
`DummyTimeStamper`, and can serve them over HTTP on 127.0.0.1 so the real client code path
(`fetch_timestamp`, `HttpTimeStamper`) is what gets exercised. Never for production: its root is
made up on the spot and trusted by nobody else.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Final

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

MAX_REQUEST_BYTES: Final = 64 * 1024


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "COI network local test authority"),
        ]
    )


@dataclass(frozen=True)
class LocalAuthority:
    root_certificate: x509.Certificate
    tsa_certificate: x509.Certificate
    tsa_key: rsa.RSAPrivateKey

    @classmethod
    def create(cls) -> LocalAuthority:
        now = datetime.now(UTC) - timedelta(minutes=5)
        root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        root_name = _name("Local Test Root CA")
        root = (
            x509.CertificateBuilder()
            .subject_name(root_name)
            .issuer_name(root_name)
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False
            )
            .sign(root_key, hashes.SHA256())
        )
        tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        tsa = (
            x509.CertificateBuilder()
            .subject_name(_name("Local Test Time-Stamp Authority"))
            .issuer_name(root_name)
            .public_key(tsa_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                critical=False,
            )
            .sign(root_key, hashes.SHA256())
        )
        return cls(root_certificate=root, tsa_certificate=tsa, tsa_key=tsa_key)

    @property
    def root_pem(self) -> bytes:
        return self.root_certificate.public_bytes(serialization.Encoding.PEM)

    def stamper(self) -> DummyTimeStamper:
        """An in-process pyHanko time-stamper signing with this authority."""
        key_der = self.tsa_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        root = asn1_x509.Certificate.load(
            self.root_certificate.public_bytes(serialization.Encoding.DER)
        )
        return DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(
                self.tsa_certificate.public_bytes(serialization.Encoding.DER)
            ),
            tsa_key=asn1_keys.PrivateKeyInfo.load(key_der),
            certs_to_embed=[root],  # type: ignore[arg-type]
        )

    def answer(self, request_der: bytes) -> bytes:
        request = tsp.TimeStampReq.load(request_der)
        response: tsp.TimeStampResp = self.stamper().request_tsa_response(request)
        return bytes(response.dump())

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Serve the authority on 127.0.0.1 for the duration of the block; yields its URL."""
        authority = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                if not 0 < length <= MAX_REQUEST_BYTES:
                    self.send_error(400, "bad request size")
                    return
                try:
                    body = authority.answer(self.rfile.read(length))
                except ValueError:
                    self.send_error(400, "not a time-stamp request")
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
