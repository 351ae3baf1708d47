"""Run the reader in a child process with hard CPU-time and memory limits.

The child (`main`, started by `ReaderProcess`) serves read requests on its standard input and
answers on its standard output, one after another, so a warm process (see reader_pool.py) can
read many files without paying Python's start-up each time. Each request is framed as a header
(JSON: file name, whether to render page images) and the file's bytes; each answer as the
reader's JSON (the contract JSON or the error JSON, plus the rendered pages' sizes) and one PNG
per page.

The limits hold per file: the process's address space is capped for its whole life, its
CPU-time limit is moved forward before each file, and the parent (`ReaderProcess`) enforces a
wall-clock deadline and kills the process when it is passed. So a hostile file can at worst
cost one child process, which the parent replaces.
"""

from __future__ import annotations

import json
import math
import os
import resource
import select
import signal
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import IO, Any, Final

from backend.acord.errors import ReadError, error_json
from backend.acord.page_render import RenderedPage

DEFAULT_TIMEOUT_S: Final = 60.0
DEFAULT_MEMORY_MB: Final = 1536
# CPU seconds a file may use per wall-clock second of its deadline: OCR runs two threads.
CPU_PER_WALL_SECOND: Final = 2
# A small deadline still needs enough CPU for Python to start and answer.
MIN_CPU_S: Final = 5
# The largest answer frame the parent accepts: the JSON of a 60-page packet is well under a
# megabyte and a page PNG is bounded by page_render.MAX_PAGE_PIXELS (about 4 MB of RGB, less
# once compressed); anything bigger means the child is not behaving.
MAX_ANSWER_FRAME: Final = 32 * 1024 * 1024
# Children that open untrusted files run a little behind the app's own processes on a shared
# CPU: a request or a worker's start-up is not held up by a read (a reader child gets about a
# third of a contended core against one process at the default priority).
CHILD_NICENESS: Final = 5
_LENGTH: Final = struct.Struct(">Q")
_CHUNK: Final = 1 << 20
_CHILD_ENTRY: Final = "import sys; from backend.acord.sandbox import main; sys.exit(main())"


class SandboxBroken(Exception):
    """The child died, broke the protocol or passed its deadline; it must be replaced."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(result["error"]["message"])
        self.result = result


@dataclass
class ReadOutcome:
    result: dict[str, Any]
    pages: list[RenderedPage] = field(default_factory=list)


def limit_child(memory_mb: int, cpu_hard_s: int) -> None:
    os.nice(CHILD_NICENESS)
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_hard_s, cpu_hard_s))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def cpu_budget(timeout_s: float) -> int:
    return max(int(timeout_s * CPU_PER_WALL_SECOND), MIN_CPU_S)


class ReaderProcess:
    """One sandboxed reader child. A `warm` child reads a small page of its own as soon as it
    starts, so a pool's children are ready before their first file arrives."""

    def __init__(
        self,
        *,
        memory_mb: int = DEFAULT_MEMORY_MB,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_files: int = 1,
        warm: bool = False,
    ) -> None:
        self.timeout_s = timeout_s
        self.max_files = max_files
        self.files = 0
        self.broken = False
        # The hard CPU limit covers every file this process may read; the child moves its soft
        # limit to one file's budget before each file.
        hard_cpu = cpu_budget(timeout_s) * (max_files + 1)
        env = dict(os.environ, OMP_THREAD_LIMIT="1")
        self.process = subprocess.Popen(  # noqa: S603 - our own module, no shell
            # Not `-m`: the package imports this module first, and runpy would load it twice.
            [sys.executable, "-c", _CHILD_ENTRY, *(["warm"] if warm else [])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            preexec_fn=lambda: limit_child(memory_mb, hard_cpu),
        )

    @property
    def spent(self) -> bool:
        return self.broken or self.files >= self.max_files or self.process.poll() is not None

    def read(self, data: bytes, filename: str | None, *, render: bool) -> ReadOutcome:
        """The child's answer; on a dead child or a passed deadline the error JSON, and the
        process is left broken (the caller replaces it)."""
        self.files += 1
        deadline = time.monotonic() + self.timeout_s
        header = {"filename": filename, "render": render, "cpu_s": cpu_budget(self.timeout_s)}
        try:
            self._send(json.dumps(header).encode(), deadline)
            self._send(data, deadline)
            answer = json.loads(self._receive(deadline))
            result = answer["result"]
            sizes = answer["pages"]
            if not isinstance(result, dict) or not isinstance(sizes, list):
                raise ValueError("malformed answer")
            pages = [
                RenderedPage(float(width), float(height), self._receive(deadline))
                for width, height in sizes
            ]
        except SandboxBroken as exc:
            self.close()
            return ReadOutcome(exc.result)
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            self.close()
            return ReadOutcome(error_json("unreadable", "The reader returned no usable result."))
        return ReadOutcome(result, pages)

    def _fail(self) -> SandboxBroken:
        self.broken = True
        self.process.kill()
        code = self.process.wait()
        if code in (-signal.SIGKILL, -signal.SIGXCPU, -signal.SIGSEGV, -signal.SIGABRT):
            return SandboxBroken(
                error_json(
                    "too_large",
                    "Reading the file needed more than its memory or CPU-time limit.",
                )
            )
        return SandboxBroken(error_json("unreadable", "The reader stopped without a result."))

    def _timed_out(self) -> SandboxBroken:
        self.broken = True
        self.process.kill()
        self.process.wait()
        return SandboxBroken(
            error_json("timeout", f"Reading the file took longer than {self.timeout_s:.0f} s.")
        )

    def _send(self, payload: bytes, deadline: float) -> None:
        assert self.process.stdin is not None
        fd = self.process.stdin.fileno()
        view = memoryview(_LENGTH.pack(len(payload)) + payload)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._timed_out()
            _, writable, _ = select.select([], [fd], [], remaining)
            if not writable:
                continue
            try:
                written = os.write(fd, view[:_CHUNK])
            except (BrokenPipeError, OSError):
                raise self._fail() from None
            view = view[written:]

    def _receive_exactly(self, count: int, deadline: float) -> bytes:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        parts: list[bytes] = []
        missing = count
        while missing:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._timed_out()
            readable, _, _ = select.select([fd], [], [], remaining)
            if not readable:
                continue
            chunk = os.read(fd, min(missing, _CHUNK))
            if not chunk:
                raise self._fail()
            parts.append(chunk)
            missing -= len(chunk)
        return b"".join(parts)

    def _receive(self, deadline: float) -> bytes:
        (length,) = _LENGTH.unpack(self._receive_exactly(_LENGTH.size, deadline))
        if length > MAX_ANSWER_FRAME:
            raise self._fail()
        return self._receive_exactly(length, deadline)

    def close(self) -> None:
        self.broken = True
        if self.process.poll() is None:
            if self.process.stdin is not None:
                self.process.stdin.close()  # end of requests: the child leaves its loop
            try:
                self.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None and not stream.closed:
                stream.close()


def read_isolated(
    data: bytes,
    *,
    filename: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
    render: bool = False,
) -> dict[str, Any]:
    """One file in a fresh child (the CLI's way); the worker uses a warm ReaderPool."""
    outcome = read_once(
        data, filename=filename, timeout_s=timeout_s, memory_mb=memory_mb, render=render
    )
    return outcome.result


def read_once(
    data: bytes,
    *,
    filename: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
    render: bool = False,
) -> ReadOutcome:
    child = ReaderProcess(memory_mb=memory_mb, timeout_s=timeout_s)
    try:
        return child.read(data, filename, render=render)
    finally:
        child.close()


# The child's side.


def _read_frame(stream: IO[bytes]) -> bytes | None:
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (length,) = _LENGTH.unpack(head)
    body = stream.read(length)
    if len(body) < length:
        return None
    return body


def _write_frame(stream: IO[bytes], payload: bytes) -> None:
    stream.write(_LENGTH.pack(len(payload)))
    stream.write(payload)


def _arm_cpu_limit(seconds: int) -> None:
    """Move the soft CPU-time limit to `seconds` beyond what this process used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = math.ceil(usage.ru_utime + usage.ru_stime)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = used + seconds
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _read_one(
    data: bytes, filename: str | None, render: bool
) -> tuple[dict[str, Any], list[RenderedPage]]:
    from backend.acord.page_render import render_pages
    from backend.acord.reader import read_bytes

    pages: list[RenderedPage] = []
    try:
        result = read_bytes(data, filename)
        if render and "error" not in result:
            pages = render_pages(data)
    except ReadError as exc:
        result, pages = exc.as_json(), []
    except MemoryError:
        result = error_json("too_large", "Reading the file needed more memory than allowed.")
    except RecursionError:
        result = error_json("unreadable", "The file's structure is nested too deeply.")
    except Exception as exc:  # a broken file must give an answer, not a traceback
        result = error_json("unreadable", f"The file could not be read ({type(exc).__name__}).")
    if "error" in result:
        pages = []  # a file the reader refused or could not read is never rendered
    return result, pages


def _warm_up() -> None:
    """Import the reader and read one small page while waiting for the first file: imports and
    first-use set-up (fonts, layout tables) are most of a text certificate's cold read."""
    import io

    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 720, "CERTIFICATE OF LIABILITY INSURANCE - warm-up page, not a file")
    canvas.drawString(72, 700, "PRODUCER  INSURED  COVERAGES  POLICY NUMBER  LIMITS")
    canvas.save()
    _read_one(buffer.getvalue(), None, render=True)


def main() -> int:
    # The protocol gets its own descriptor; anything a library prints goes to standard error.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    if "warm" in sys.argv[1:]:
        _warm_up()

    while True:
        raw_header = _read_frame(requests)
        data = _read_frame(requests) if raw_header is not None else None
        if raw_header is None or data is None:
            return 0
        header = json.loads(raw_header)
        _arm_cpu_limit(int(header.get("cpu_s") or MIN_CPU_S))
        result, pages = _read_one(data, header.get("filename"), bool(header.get("render")))
        sizes = [[page.width, page.height] for page in pages]
        _write_frame(answers, json.dumps({"result": result, "pages": sizes}).encode())
        for page in pages:
            _write_frame(answers, page.png)
        answers.flush()


if __name__ == "__main__":
    sys.exit(main())
