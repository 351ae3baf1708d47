"""Benchmark of an upload's way to review in the app: from the upload's response to the values
ready for review (the document read and its page images stored), through the real web app
(`coinet serve`) and a real worker (`coinet worker`, with its warm reader processes).

    uv run python -m tests.bench.bench_upload [--text N] [--scans N] [--seed N]

Generated certificates only (fixturegen, seeded): text-layer PDFs and scans. Each is uploaded
through POST /api/v1/subs/{id}/documents one after another, and the database is polled for
the end of its read. Prints p95 and median per kind, one summary line each (contracts/bench.md).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import tempfile
import time
from pathlib import Path

from tests.integration.reads.live import live_stack

# The targets: p95 from the upload's response to values ready for review.
TARGET_P95_MS = {"text": 500.0, "scan": 3500.0}
# Uploads read before measuring, so the worker's reader processes have done their first file
# (as they have in a running app) and the first of each kind does not count a cold start.
WARM_UPS = 2


def _documents(kind: str, count: int, seed: int) -> list[tuple[str, bytes]]:
    from fixturegen.generate import build_document

    built = [build_document(seed, index, kind, index) for index in range(count + WARM_UPS)]
    return [(f"{kind}-{index}.{b.suffix}", b.data) for index, b in enumerate(built)]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


async def _measure(
    stack_dir: Path, batches: dict[str, list[tuple[str, bytes]]]
) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {kind: [] for kind in batches}
    async with live_stack(stack_dir) as stack:
        sub = await stack.new_sub()
        async with stack.signed_in(sub.emails["sub_bookkeeper"]) as (http, csrf):
            for kind, documents in batches.items():
                states: list[str] = []
                for index, (name, data) in enumerate(documents):
                    response = await http.post(
                        f"/api/v1/subs/{sub.id}/documents",
                        files={"file": (name, data, "application/octet-stream")},
                        headers={"x-csrf-token": csrf},
                    )
                    answered = time.perf_counter()
                    if response.status_code != 201:
                        raise RuntimeError(f"upload refused: {response.text}")
                    state = await stack.wait_read(response.json()["id"])
                    elapsed_ms = (time.perf_counter() - answered) * 1000
                    if state == "pending":
                        raise RuntimeError(f"never read:\n{stack.log('worker')}")
                    if index >= WARM_UPS:
                        timings[kind].append(elapsed_ms)
                        states.append(state)
                read = states.count("read")
                print(f"{kind}: {read}/{len(states)} read, the rest need manual entry")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--text", type=int, default=20, help="text-layer certificates")
    parser.add_argument("--scans", type=int, default=10, help="scanned certificates")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    batches = {
        "text": _documents("text", args.text, args.seed),
        "scan": _documents("scan", args.scans, args.seed),
    }
    with tempfile.TemporaryDirectory() as folder:
        timings = asyncio.run(_measure(Path(folder), batches))
    for kind, values in timings.items():
        target = TARGET_P95_MS[kind]
        worst = p95(values)
        verdict = "ok" if worst <= target else "SHORT"
        print(f"{kind}: {len(values)} uploads, median {statistics.median(values):.0f} ms")
        print(f"bench upload-{kind}: p95_ms={worst:.0f}ms target <={target:.0f}ms {verdict}")


if __name__ == "__main__":
    main()
