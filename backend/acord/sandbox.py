"""Run the reader in a child process with hard CPU-time and memory limits.

`python -m backend.acord.sandbox [FILENAME]` reads the file's bytes on standard input and
prints one JSON object (the contract JSON or the error JSON) on standard output. The parent
(`read_document_isolated`) enforces a wall-clock timeout as well, so a hostile file can at
worst cost one child process its limits.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from typing import Any

from backend.acord.errors import ReadError, error_json

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MEMORY_MB = 1536


def _limit_child(memory_mb: int, cpu_s: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 1024 * 1024, memory_mb * 1024 * 1024))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def read_isolated(
    data: bytes,
    *,
    filename: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> dict[str, Any]:
    command = [sys.executable, "-m", "backend.acord.sandbox"]
    if filename:
        command.append(filename)
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    cpu_s = max(int(timeout_s * 2), 5)  # two OCR halves run at once
    try:
        completed = subprocess.run(  # noqa: S603 - our own module, no shell
            command,
            input=data,
            capture_output=True,
            timeout=timeout_s,
            env=env,
            preexec_fn=lambda: _limit_child(memory_mb, cpu_s),
            check=False,
        )
    except subprocess.TimeoutExpired:
        return error_json("timeout", f"Reading the file took longer than {timeout_s:.0f} s.")
    try:
        result = json.loads(completed.stdout.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        if completed.returncode < 0:
            return error_json(
                "too_large",
                f"Reading the file needed more than {memory_mb} MB or its CPU-time limit.",
            )
        return error_json("unreadable", "The reader stopped without a result on this file.")
    if not isinstance(result, dict):
        return error_json("unreadable", "The reader returned no result.")
    return result


def main() -> int:
    filename = sys.argv[1] if len(sys.argv) > 1 else None
    data = sys.stdin.buffer.read()
    try:
        from backend.acord.reader import read_bytes

        result = read_bytes(data, filename)
    except ReadError as exc:
        result = exc.as_json()
    except MemoryError:
        result = error_json("too_large", "Reading the file needed more memory than allowed.")
    except RecursionError:
        result = error_json("unreadable", "The file's structure is nested too deeply.")
    except Exception as exc:  # a broken file must give an answer, not a traceback
        result = error_json("unreadable", f"The file could not be read ({type(exc).__name__}).")
    sys.stdout.write(json.dumps(result))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
