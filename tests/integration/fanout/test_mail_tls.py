"""Mail to a real provider: STARTTLS or TLS from the first byte, with the server's certificate
checked, and SMTP authentication (the test servers accept mail only from a signed-in client);
a server that offers no STARTTLS when it was asked for gets nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from backend.config import Settings
from backend.deployment import DeploymentError, require_deployable
from backend.notify.mail import send_message

USER, PASSWORD = "coinet-mailer", "a-test-only-password"


class Inbox:
    def __init__(self) -> None:
        self.received: list[tuple[str | None, bytes]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        who = session.auth_data.login.decode() if session.auth_data else None
        self.received.append((who, bytes(envelope.original_content or b"")))
        return "250 Message accepted"


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, auth_data=data if ok else None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server_certificate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """A certificate for localhost that the client trusts (as if from a public authority)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "smtp.crt", tmp_path / "smtp.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))  # the client's trusted roots
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context


def _server(inbox: Inbox, port: int, **options: Any) -> Iterator[Controller]:
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        server_hostname="localhost",
        authenticator=_authenticate,
        auth_required=True,
        **options,
    )
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def _message() -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "n@coinet.test", "a@x.test", "TLS test"
    message.set_content("sent over an encrypted, authenticated connection")
    return message


def _settings(settings: Settings, port: int, tls: str) -> Settings:
    return dataclasses.replace(
        settings,
        smtp_host="localhost",
        smtp_port=port,
        smtp_tls=tls,
        smtp_username=USER,
        smtp_password=PASSWORD,
    )


async def test_starttls_with_authentication_delivers(
    settings: Settings, server_certificate: ssl.SSLContext
) -> None:
    inbox, port = Inbox(), _free_port()
    for _ in _server(inbox, port, tls_context=server_certificate, require_starttls=True):
        await send_message(_settings(settings, port, "starttls"), _message())
    assert [who for who, _ in inbox.received] == [USER]
    assert b"encrypted, authenticated" in inbox.received[0][1]


async def test_implicit_tls_with_authentication_delivers(
    settings: Settings, server_certificate: ssl.SSLContext
) -> None:
    inbox, port = Inbox(), _free_port()
    # aiosmtpd does not count a TLS-from-the-start connection as TLS for AUTH; it is one.
    for _ in _server(inbox, port, ssl_context=server_certificate, auth_require_tls=False):
        await send_message(_settings(settings, port, "tls"), _message())
    assert [who for who, _ in inbox.received] == [USER]


async def test_starttls_is_required_when_asked_for(settings: Settings) -> None:
    inbox, port = Inbox(), _free_port()
    for _ in _server(inbox, port, auth_require_tls=False):  # a server offering no STARTTLS
        with pytest.raises(aiosmtplib.SMTPException):
            await send_message(_settings(settings, port, "starttls"), _message())
    assert inbox.received == []


def test_a_password_over_plain_smtp_to_another_host_is_refused(settings: Settings) -> None:
    remote = dataclasses.replace(
        settings, smtp_host="smtp.example.com", smtp_tls="none", smtp_username=USER
    )
    with pytest.raises(DeploymentError, match="SMTP_TLS"):
        require_deployable(remote)
    assert dataclasses.replace(remote, smtp_tls="auto").smtp_security == "starttls"
    assert dataclasses.replace(settings, smtp_host="127.0.0.1").smtp_security == "none"
