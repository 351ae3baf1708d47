"""A development SMTP sink: accepts every message and stores it as a file under var/mail/.

`make run` starts it beside the app; the app lists the stored mail at /dev/mail. Listens on
SMTP_HOST:SMTP_PORT (default 127.0.0.1:1025), the server the app sends to by default. Never
relays anything anywhere.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

log = logging.getLogger("coinet.smtp_sink")


class MailDirHandler:
    """Writes each accepted message to `<directory>/<time>-<id>.eml`, atomically."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        header = f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n".encode()
        partial = self.directory / f".{name}.part"
        partial.write_bytes(header + content)
        partial.rename(self.directory / name)
        log.info("stored mail for %s as %s", envelope.rcpt_tos, name)
        return "250 Message accepted for delivery"


def start_sink(directory: Path, host: str = "127.0.0.1", port: int = 1025) -> Controller:
    controller = Controller(MailDirHandler(directory), hostname=host, port=port)
    controller.start()
    return controller


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-command chatter
    from backend.config import get_settings

    settings = get_settings()
    directory = Path(os.environ.get("MAIL_SINK_DIR", str(settings.data_dir / "mail")))
    try:
        controller = start_sink(directory, settings.smtp_host, settings.smtp_port)
    except OSError as exc:
        print(
            f"smtp sink: cannot listen on {settings.smtp_host}:{settings.smtp_port}: {exc}",
            file=sys.stderr,
        )
        return 1
    print(f"SMTP sink on {settings.smtp_host}:{settings.smtp_port}, storing mail in {directory}")
    try:
        asyncio.run(_forever())
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
    return 0


async def _forever() -> Any:
    await asyncio.Event().wait()


if __name__ == "__main__":
    sys.exit(main())
