"""A webhook receiver run as its own process by the tests and the benchmark: a plain HTTP
server that verifies every delivery with the `standardwebhooks` library, as a customer's
receiver would, and keeps a log the test reads back.

    python -m tests.integration.integrations.receiver   (prints "port N" when listening)

Control routes (the test's, not part of any webhook contract):
- POST /_control/secrets {"secrets": [...]}: the keys a delivery is checked against, each alone;
- POST /_control/script {"answers": [[status, retry_after or null, location?], ...]}: answers
  to give, in order, before verifying again (a verified delivery is answered 204, a forged one
  401); a location is sent as the answer's Location header (a redirect);
- GET /_control/log: every delivery received, with which secrets verified it.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class State:
    lock = threading.Lock()
    secrets: list[str] = []  # noqa: RUF012 - one process-wide state, guarded by the lock
    script: list[list[Any]] = []  # noqa: RUF012
    log: list[dict[str, Any]] = []  # noqa: RUF012


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return

    def _answer(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/_control/log":
            with State.lock:
                self._answer(200, State.log)
        else:
            self._answer(404, {"error": "no such route"})

    def do_POST(self) -> None:
        received_at = time.time()
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        if self.path.startswith("/_control/"):
            command = json.loads(body)
            with State.lock:
                if self.path == "/_control/secrets":
                    State.secrets = list(command["secrets"])
                elif self.path == "/_control/script":
                    State.script = [list(a) for a in command["answers"]]
            self._answer(200, {"ok": True})
            return
        headers = {k: v for k, v in self.headers.items()}
        with State.lock:
            secrets = list(State.secrets)
            scripted = State.script.pop(0) if State.script else None
        verified = []
        for index, secret in enumerate(secrets):
            try:
                Webhook(secret).verify(body, headers)
            except WebhookVerificationError:
                continue
            verified.append(index)
        entry = {
            "path": self.path,
            "webhook_id": headers.get("webhook-id", headers.get("Webhook-Id")),
            "signatures": headers.get("webhook-signature", headers.get("Webhook-Signature", "")),
            "host": headers.get("host", headers.get("Host")),
            "verified_with": verified,
            "body": json.loads(body) if body else None,
            "received_at": received_at,
            "answered": 0,
        }
        if scripted is not None:
            status, retry_after = scripted[0], scripted[1]
            extra = {"retry-after": str(retry_after)} if retry_after is not None else {}
            if len(scripted) > 2 and scripted[2]:
                extra["location"] = str(scripted[2])
            entry["answered"] = status
            with State.lock:
                State.log.append(entry)
            self._answer(status, {"scripted": True}, extra)
            return
        entry["answered"] = 204 if verified else 401
        with State.lock:
            State.log.append(entry)
        self._answer(entry["answered"])


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"port {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
