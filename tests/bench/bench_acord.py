"""Benchmark of the ACORD 25 reader: per-field exact-match accuracy and time per document.

    uv run python -m tests.bench.bench_acord [--count N] [--seed N] [--kinds a,b] [--no-real]
        [--scan-sample N] [--runs N] [--no-raster] [--real-only] [--verbose]

Generates a seeded corpus with fixturegen.generate into a temporary folder, reads
every document in this process (the sandbox adds a fixed process start-up on top), compares
each expected leaf value exactly, and does the same for ../shared/corpus/real when present.
The real corpus is also read as pictures (acord-real-raster): each certificate's ACORD page is
rendered at bench time into a temporary folder, once clean and once through the generator's scan
degradation, and read through the image path, so the OCR path is measured on real issuers'
layouts and not only on the generator's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from backend.acord import read_document

REPO_ROOT = Path(__file__).resolve().parents[2]
REAL_CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "real"
# Keys of the real corpus's expected.json that describe the file, not values the reader returns.
_NOT_VALUES = {
    "id",
    "file",
    "acord_page",
    "notes",
    "hard_parts",
    "certificate_holder_hidden_text",
    "limits_as_printed",
    "source",
}
# Issue 16's bar: every family (a kind, and a kind drawn in one layout) at least 97 % of its
# fields exact, the real corpus at least 98 %.
FAMILY_TARGET = 97.0
REAL_TARGET = 98.0
# The outside goal for scans (issue 16: >= 95 % of fields exact, scans included).
RASTER_TARGET = 95.0
# An office scanner's usual resolution for a letter page, in grey.
RASTER_DPI = 200
# A mild pass over the office scanner's glass: the generator's scan degradation at the gentle
# end of its ranges (fixturegen.scan.choose_settings draws skew 1-3 degrees, blur 0.4-1.0 px,
# noise 4-10 %), so the variant measures real layouts under a plain scan, not a bad one.
RASTER_SKEW_DEGREES = 1.0
RASTER_BLUR_RADIUS = 0.5
RASTER_NOISE = 0.05
# The seed of the degradation's speckle, fixed so a run repeats.
RASTER_SEED = 25
# (accuracy %, median ms) per kind: a text layer is read in well under the 100 ms the product
# asks of its median; a picture needs OCR, whose median the product bounds at 3 s on a quiet
# machine (4 s here leaves room for the shared machine's load).
TEXT_MS = 250.0
OCR_MS = 4000.0
TARGETS = {
    "text": (FAMILY_TARGET, TEXT_MS),
    "acroform": (FAMILY_TARGET, TEXT_MS),
    "flattened": (FAMILY_TARGET, TEXT_MS),
    "packet": (FAMILY_TARGET, TEXT_MS),
    "scan": (FAMILY_TARGET, OCR_MS),
    "endorsement": (FAMILY_TARGET, TEXT_MS),
    "annotated": (FAMILY_TARGET, TEXT_MS),
    "digital": (FAMILY_TARGET, OCR_MS),
    "livecycle": (FAMILY_TARGET, TEXT_MS),
    "turned": (FAMILY_TARGET, OCR_MS),
    "stamped": (FAMILY_TARGET, OCR_MS),
    "photo": (FAMILY_TARGET, OCR_MS),
}
# Kinds whose documents are pictures: read once each, OCR being the slow part.
_OCR_KINDS = ("scan", "digital", "turned", "stamped", "photo")


def leaves(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in _NOT_VALUES:
                continue
            out.update(leaves(item, f"{prefix}/{key}"))
        return out
    return {prefix: value}


def _coverage_key(coverages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    counts: dict[str, int] = defaultdict(int)
    keyed: dict[str, dict[str, Any]] = {}
    for coverage in coverages or []:
        line = str(coverage.get("line"))
        keyed[f"{line}#{counts[line]}"] = coverage
        counts[line] += 1
    return keyed


def compare(expected: dict[str, Any], actual: dict[str, Any]) -> tuple[int, int, list[str]]:
    """(matching leaves, expected leaves, mismatches) with coverages paired by line."""
    expected = dict(expected)
    actual = dict(actual)
    exp_cov = _coverage_key(expected.pop("coverages", []))
    act_cov = _coverage_key(actual.pop("coverages", []) if "error" not in actual else [])
    want = leaves(expected)
    for key, coverage in exp_cov.items():
        want.update(leaves(coverage, f"/coverages/{key}"))
    got = leaves(actual)
    for key, coverage in act_cov.items():
        got.update(leaves(coverage, f"/coverages/{key}"))
    misses = [f"{k}: want {v!r} got {got.get(k)!r}" for k, v in want.items() if got.get(k) != v]
    return len(want) - len(misses), len(want), misses


_ENDORSEMENT_KEYS = (
    "form_number",
    "edition",
    "kind",
    "purpose",
    "carrier_specific",
    "blanket",
    "scheduled_parties",
    "schedule_items",
    "policy_number",
    "named_insured",
    "effective",
    "insurer",
)


def compare_endorsements(
    wanted: list[dict[str, Any]], found: list[dict[str, Any]]
) -> tuple[int, int, list[str]]:
    """Endorsements paired by page and form number, compared key by key."""
    by_place = {(e.get("page"), e.get("form_number")): e for e in found}
    matched = total = 0
    misses: list[str] = []
    for want in wanted:
        got = by_place.get((want.get("page"), want.get("form_number")), {})
        for key in _ENDORSEMENT_KEYS:
            if key not in want:
                continue
            total += 1
            if got.get(key) == want[key]:
                matched += 1
            else:
                misses.append(
                    f"endorsement p{want.get('page')} {want.get('form_number')} {key}: "
                    f"want {want[key]!r} got {got.get(key)!r}"
                )
    return matched, total, misses


def compare_entry(entry: dict[str, Any], result: dict[str, Any]) -> tuple[int, int, list[str]]:
    """A certificate value by value, and every endorsement the manifest lists, key by key."""
    matched = total = 0
    misses: list[str] = []
    if entry.get("expected") is not None:
        matched, total, misses = compare(entry["expected"], result)
    ok, n, missed = compare_endorsements(
        entry.get("endorsements", []), result.get("endorsements", []) or []
    )
    # What each page of the file is (certificate, ACORD 101, endorsement, letter, ...).
    kinds = {p.get("page"): p.get("kind") for p in result.get("pages", []) or []}
    for page in entry.get("pages", []):
        n += 1
        if kinds.get(page["page"]) == page["kind"]:
            ok += 1
        else:
            missed.append(
                f"page {page['page']}: want {page['kind']!r} got {kinds.get(page['page'])!r}"
            )
    return matched + ok, total + n, misses + missed


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _line(name: str, metric: str, value: float, unit: str, op: str, target: float) -> str:
    ok = value <= target if op == "<=" else value >= target
    shown = f"{value:.1f}" if unit == "%" else f"{value:.0f}"
    verdict = "ok" if ok else "SHORT"
    return f"bench {name}: {metric}={shown}{unit} target {op}{target:g}{unit} {verdict}"


def _time_read(path: Path, runs: int) -> tuple[dict[str, Any], float, float]:
    """The result, and the median wall and CPU time (all threads of this process) in ms.

    The CPU time is shown beside the wall time because it barely moves with the machine's
    load, which on a shared 2-core machine can double the wall time of an OCR read."""
    times = []
    cpu_times = []
    result: dict[str, Any] = {}
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = read_document(path)
        times.append((time.perf_counter() - start) * 1000)
        cpu_times.append((time.process_time() - start_cpu) * 1000)
    return result, statistics.median(times), statistics.median(cpu_times)


def bench_generated(
    count: int,
    scan_sample: int,
    runs: int,
    verbose: bool,
    seed: int = 7,
    only: list[str] | None = None,
) -> list[str]:
    try:
        from fixturegen.generate import BUILDERS, KIND_WEIGHTS, generate_corpus
    except ImportError:
        print("fixture generator not available; generated corpus skipped")
        return []
    kinds = [k for k in KIND_WEIGHTS if k in BUILDERS and (not only or k in only)]
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        manifest = generate_corpus(out, seed=seed, count=count, kinds=kinds)
        print(f"generated corpus: seed {seed}, {count} documents")
        per_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
        grid_files: list[Path] = []
        for entry in manifest["documents"]:
            per_kind[entry["kind"]].append(entry)
        for kind, entries in per_kind.items():
            if kind == "scan":
                entries = entries[:scan_sample]
            matched = total = 0
            times: list[float] = []
            cpu_times: list[float] = []
            photos = [0, 0, 0]  # documents, fields exact, fields
            # A family is a kind drawn in one layout: each is reported on its own line.
            families: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
            for entry in entries:
                result, ms, cpu_ms = _time_read(
                    out / entry["file"], 1 if kind in _OCR_KINDS else runs
                )
                times.append(ms)
                cpu_times.append(cpu_ms)
                ok, n, misses = compare_entry(entry, result)
                matched, total = matched + ok, total + n
                family = families[entry.get("layout") or "none"]
                family[0], family[1], family[2] = family[0] + 1, family[1] + ok, family[2] + n
                if "photo" in entry:
                    photos = [photos[0] + 1, photos[1] + ok, photos[2] + n]
                if verbose:
                    turned = entry.get("photo", {}).get("turned_degrees")
                    shown = f" (photo turned {turned}°)" if turned is not None else ""
                    timing = f"{ms:.0f} ms, cpu {cpu_ms:.0f} ms"
                    print(
                        f"  {entry['file']}{shown}: {ok}/{n} exact, {timing}"
                        + (f"; misses: {'; '.join(misses[:6])}" if misses else "")
                    )
            accuracy = 100.0 * matched / max(total, 1)
            median = statistics.median(times)
            name = f"acord-{kind}"
            print(
                f"{name}: {len(entries)} documents, {matched}/{total} fields exact, "
                f"median {median:.0f} ms, p95 {_percentile(times, 0.95):.0f} ms, "
                f"cpu median {statistics.median(cpu_times):.0f} ms"
            )
            if photos[0]:
                print(f"{name}: of which {photos[0]} photos, {photos[1]}/{photos[2]} fields exact")
            target_accuracy, target_ms = TARGETS.get(kind, (95.0, 4000.0))
            for layout, (count, ok, n) in sorted(families.items()):
                print(f"{name}/{layout}: {count} documents, {ok}/{n} fields exact")
                share = 100.0 * ok / max(n, 1)
                lines.append(
                    _line(f"{name}/{layout}", "accuracy", share, "%", ">=", target_accuracy)
                )
            lines.append(_line(name, "accuracy", accuracy, "%", ">=", target_accuracy))
            if kind in _VECTOR_KINDS:
                grid_files.extend(out / e["file"] for e in entries[: _GRID_PAGES // 2])
            lines.append(_line(name, "median_ms", median, "ms", "<=", target_ms))
            lines.append(_line(name, "p95_ms", _percentile(times, 0.95), "ms", "<=", target_ms * 2))
        if grid_files:
            _grid_cost(grid_files[:_GRID_PAGES])
    return lines


# Kinds whose pages carry a vector grid and a text layer: where the grid's source matters.
_VECTOR_KINDS = ("text", "livecycle", "annotated", "acroform")
# Pages timed for the grid's cost: enough for a stable median, few enough for a shared machine.
_GRID_PAGES = 16


def _grid_cost(files: list[Path]) -> None:
    """Time per page to get the grid from PDFium's paths and from pdfplumber's lines and
    rectangles, and a whole read with the vector grid and without it (rules from pixels)."""
    import pdfplumber
    import pypdfium2 as pdfium

    import backend.acord.reader as reader_module
    from backend.acord.vector_grid import VectorGrid, page_grid

    pdfium_ms: list[float] = []
    plumber_ms: list[float] = []
    for path in files:
        document = pdfium.PdfDocument(path)
        try:
            page = document[0]
            start = time.perf_counter()
            page_grid(page)
            pdfium_ms.append((time.perf_counter() - start) * 1000)
        finally:
            document.close()
        start = time.perf_counter()
        with pdfplumber.open(path) as pdf:
            first = pdf.pages[0]
            _ = (first.lines, first.rects, first.annots)
        plumber_ms.append((time.perf_counter() - start) * 1000)
    with_grid = [_time_read(path, 1)[2] for path in files]
    original = reader_module.page_grid
    reader_module.page_grid = lambda page: VectorGrid()
    try:
        without_grid = [_time_read(path, 1)[2] for path in files]
    finally:
        reader_module.page_grid = original
    print(
        f"grid cost over {len(files)} pages: PDFium paths median "
        f"{statistics.median(pdfium_ms):.1f} ms (max {max(pdfium_ms):.1f}); pdfplumber lines, "
        f"rects and annots median {statistics.median(plumber_ms):.1f} ms "
        f"(max {max(plumber_ms):.1f}); read cpu median with vector grid "
        f"{statistics.median(with_grid):.0f} ms, with rules from pixels "
        f"{statistics.median(without_grid):.0f} ms"
    )


def bench_real(verbose: bool) -> list[str]:
    expected_path = REAL_CORPUS / "expected.json"
    if not expected_path.exists():
        print("real corpus not present; skipped")
        return []
    matched = total = 0
    times: list[float] = []
    for item in json.loads(expected_path.read_text()):
        result, ms, _ = _time_read(REAL_CORPUS / item["file"], 1)
        times.append(ms)
        ok, n, misses = compare(item, result)
        matched, total = matched + ok, total + n
        print(f"  {item['id']}: {ok}/{n} fields, {ms:.0f} ms")
        if verbose:
            for miss in misses:
                print(f"    {miss}")
    accuracy = 100.0 * matched / max(total, 1)
    print(
        f"acord-real: {matched}/{total} expected values, median {statistics.median(times):.0f} ms"
    )
    return [_line("acord-real", "accuracy", accuracy, "%", ">=", REAL_TARGET)]


def _raster_variants(pdf: Path, page_number: int, folder: Path) -> list[tuple[str, Path]]:
    """The certificate's ACORD page as a clean 200 dpi grey PNG and as a mildly scanned one."""
    import random

    from fixturegen.scan import ScanSettings, degrade, rasterise

    page = rasterise(pdf.read_bytes(), RASTER_DPI)[page_number - 1]
    settings = ScanSettings(
        dpi=RASTER_DPI,
        skew_degrees=RASTER_SKEW_DEGREES,
        blur_radius=RASTER_BLUR_RADIUS,
        noise=RASTER_NOISE,
        jpeg_quality=100,
    )
    scanned = degrade(page, random.Random(RASTER_SEED), settings)
    variants = []
    for name, image in (("clean", page), ("scan", scanned)):
        path = folder / f"{pdf.stem}-{name}.png"
        image.save(path, format="PNG", dpi=(RASTER_DPI, RASTER_DPI))
        variants.append((name, path))
    return variants


def bench_real_raster(verbose: bool) -> list[str]:
    """The real corpus read through the image path: rendered here, never kept."""
    expected_path = REAL_CORPUS / "expected.json"
    if not expected_path.exists():
        return []
    try:
        import fixturegen.scan  # noqa: F401
    except ImportError:
        print("fixture generator not available; acord-real-raster skipped")
        return []
    per_variant: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    times: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        for item in json.loads(expected_path.read_text()):
            pdf = REAL_CORPUS / item["file"]
            for variant, path in _raster_variants(pdf, item.get("acord_page") or 1, Path(folder)):
                result, ms, _ = _time_read(path, 1)
                times.append(ms)
                # The rendering makes every file a picture: the reader must say so.
                wanted = {**item, "image_only": True} if "image_only" in item else item
                ok, n, misses = compare(wanted, result)
                tally = per_variant[variant]
                tally[0], tally[1] = tally[0] + ok, tally[1] + n
                print(f"  {item['id']} ({variant}): {ok}/{n} fields, {ms:.0f} ms")
                if verbose:
                    for miss in misses:
                        print(f"    {miss}")
    lines = []
    for variant, (ok, n) in per_variant.items():
        print(f"acord-real-raster/{variant}: {ok}/{n} expected values")
        share = 100.0 * ok / max(n, 1)
        lines.append(
            _line(f"acord-real-raster/{variant}", "accuracy", share, "%", ">=", RASTER_TARGET)
        )
    matched = sum(ok for ok, _ in per_variant.values())
    total = sum(n for _, n in per_variant.values())
    print(
        f"acord-real-raster: {matched}/{total} expected values, "
        f"median {statistics.median(times):.0f} ms"
    )
    accuracy = 100.0 * matched / max(total, 1)
    return [*lines, _line("acord-real-raster", "accuracy", accuracy, "%", ">=", RASTER_TARGET)]


def _state(lines: list[str], name: str) -> str:
    found = [ln for ln in lines if ln.startswith(f"bench {name}: accuracy=")]
    return ("ok" if found[0].endswith(" ok") else "SHORT") if found else "absent"


def summary(lines: list[str]) -> str:
    """One line: how many families reach the accuracy bar, and whether the real corpus does,
    read from its text and read as pictures."""
    families = [ln for ln in lines if "accuracy=" in ln and not ln.startswith("bench acord-real")]
    short = [ln.split(":")[0].removeprefix("bench ") for ln in families if ln.endswith("SHORT")]
    real_state = _state(lines, "acord-real")
    raster_state = _state(lines, "acord-real-raster")
    verdict = "ok" if not short and "SHORT" not in (real_state, raster_state) else "SHORT"
    shown = f" (short: {', '.join(short)})" if short else ""
    return (
        f"bench acord-summary: {len(families) - len(short)}/{len(families)} families "
        f">={FAMILY_TARGET:g}%{shown}; real >={REAL_TARGET:g}% {real_state}; "
        f"real as pictures >={RASTER_TARGET:g}% {raster_state}; {verdict}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_acord")
    # 100 documents give every kind at least five documents (see fixturegen's KIND_WEIGHTS).
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--kinds", default="", help="comma-separated kinds (default: all)")
    parser.add_argument("--no-real", action="store_true", help="skip the real corpus")
    parser.add_argument(
        "--no-raster", action="store_true", help="skip the real corpus read as pictures"
    )
    parser.add_argument("--real-only", action="store_true", help="skip the generated corpus")
    parser.add_argument("--scan-sample", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3, help="timed runs per document (median)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    # Timings on a shared machine mean little without the load they were taken under.
    print("load average at start: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    lines: list[str] = []
    if not args.real_only:
        lines += bench_generated(
            args.count, args.scan_sample, args.runs, args.verbose, args.seed, kinds
        )
    if not args.no_real:
        lines += bench_real(args.verbose)
        if not args.no_raster:
            lines += bench_real_raster(args.verbose)
    for line in lines:
        print(line)
    print(summary(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
