"""The size an upload may have, in a module of its own so that the `coinet acord read` command
can refuse an oversized file before it imports any PDF library (preflight imports pypdf)."""

from __future__ import annotations

# A certificate with its endorsements is a few MB even as a 300 dpi scan; 25 MB leaves room for
# a packet of phone photos and stays far below what the sandbox's memory limit can parse.
MAX_BYTES = 25 * 1024 * 1024
