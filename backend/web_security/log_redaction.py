"""Secrets out of the server's access log.

uvicorn's access log writes each request line with its query string, and the product's links
carry bearer secrets there: invitation links (`/invitations/accept`, `/join`, `/signup`),
password-reset links, broker upload links, and the OAuth code Procore sends back. The database
holds such secrets only as SHA-256; a log line holding one in plain text is a key for whoever
reads the log. A filter on the access logger masks those parameters' values, keeping the path
and every other parameter.
"""

from __future__ import annotations

import logging
import re
from typing import Final

ACCESS_LOGGER: Final = "uvicorn.access"
# Query parameters that carry a bearer secret somewhere in the product.
SECRET_PARAMETERS: Final = ("token", "code")
MASK: Final = "[hidden]"
_SECRET_VALUE: Final = re.compile(
    r"(?P<name>[?&](?:" + "|".join(SECRET_PARAMETERS) + r")=)[^&#\s\"]*"
)


def mask_secrets(text: str) -> str:
    """`text` (a path with its query string, or a whole log line) with secret values masked."""
    if "=" not in text:
        return text
    return _SECRET_VALUE.sub(lambda m: m.group("name") + MASK, text)


class MaskSecrets(logging.Filter):
    """Masks secret query values in a record's arguments (uvicorn passes the path as one) and
    its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(mask_secrets(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = mask_secrets(record.msg)
        return True


def mask_access_log() -> None:
    """Installs the filter on the access logger once per process (each worker builds the app)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, MaskSecrets) for f in logger.filters):
        logger.addFilter(MaskSecrets())
