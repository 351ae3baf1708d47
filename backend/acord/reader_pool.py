"""A few warm, sandboxed reader processes kept ready in the worker.

Starting a reader child costs most of a text certificate's read (Python start-up and the
reader's imports, about half a second), so the worker keeps READER_POOL_SIZE children started
and waiting. Each still runs under the sandbox's limits, one file at a time, and is replaced
after a failure or a limit hit, and after FILES_PER_PROCESS files (memory a long-lived process
fragments or a library leaks is given back).
"""

from __future__ import annotations

import logging
import threading
from typing import Final

from backend.acord.sandbox import (
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_S,
    ReaderProcess,
    ReadOutcome,
)

log = logging.getLogger("coinet.reader")

# The machine the product is sized for has two cores, and a scan's OCR already keeps two busy:
# a third reader at once would only queue for the CPU while holding its memory limit.
READER_POOL_SIZE: Final = 2
# Files one child reads before it is replaced: enough that start-up is paid rarely, few enough
# that a slow leak in a parsing library never accumulates for long.
FILES_PER_PROCESS: Final = 50


class ReaderPool:
    def __init__(
        self,
        size: int = READER_POOL_SIZE,
        *,
        files_per_process: int = FILES_PER_PROCESS,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        memory_mb: int = DEFAULT_MEMORY_MB,
    ) -> None:
        self.size = size
        self.files_per_process = files_per_process
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self._idle: list[ReaderProcess] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(size)
        self._closed = False
        self.started = 0  # children started so far, for tests and logs

    def _spawn(self) -> ReaderProcess:
        self.started += 1
        return ReaderProcess(
            memory_mb=self.memory_mb,
            timeout_s=self.timeout_s,
            max_files=self.files_per_process,
            warm=True,
        )

    def start(self) -> None:
        """Start every child now, so the first files find them warm."""
        with self._lock:
            while len(self._idle) < self.size:
                self._idle.append(self._spawn())

    def read(self, data: bytes, filename: str | None, *, render: bool = True) -> ReadOutcome:
        """Read one file in a warm child (blocking: call it from a thread)."""
        with self._slots:
            with self._lock:
                if self._closed:
                    raise RuntimeError("the reader pool is closed")
                child = self._idle.pop() if self._idle else self._spawn()
            try:
                return child.read(data, filename, render=render)
            finally:
                self._give_back(child)

    def _give_back(self, child: ReaderProcess) -> None:
        replacement: ReaderProcess | None = None
        if child.spent:
            child.close()
            if child.broken and child.files < child.max_files:
                log.info("reader child replaced after a failure or limit hit")
            replacement = None if self._closed else self._spawn()
        with self._lock:
            if self._closed:
                for process in (child, replacement):
                    if process is not None:
                        process.close()
                return
            self._idle.append(replacement if replacement is not None else child)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for child in idle:
            child.close()
