"""The engine compiled to C with mypyc, and the switch that loads it.

The engine's hot modules are plain typed Python (mypy strict), which mypyc compiles into C
extension modules: native classes for checks and plans, direct C calls between the engine's
functions. That roughly triples the verifications a core makes per second, and the portfolio
re-verifications of a renewal fan-out lean on it. The Python source stays the one definition:
without a build (or with COINET_NATIVE=0) the same modules run interpreted and give the same
verdicts (a test runs the golden verdicts both ways).

`build()` (run by infra/setup-system.sh, and by `make native`) compiles the modules into
`.native/` at the repository's root, beside a stamp: a digest of their sources and the Python
version, and the version of mypyc that compiled them. On import, backend.verification puts the
build first on its search path only when the stamp's digest equals that of the sources as they
are now, so an edited module can never be shadowed by a stale build: it runs interpreted, with
a warning, until the next build.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import MutableSequence
from importlib import metadata
from pathlib import Path
from typing import Final

PACKAGE_DIR: Final = Path(__file__).resolve().parent
REPO_ROOT: Final = PACKAGE_DIR.parents[1]
NATIVE_ROOT: Final = REPO_ROOT / ".native"
STAMP: Final = NATIVE_ROOT / "STAMP"
# The modules a verification runs through, compiled together (they call each other natively).
# Names and messages stay interpreted: the engine folds names itself (entity_keys) and messages
# are written only when a check is shown.
COMPILED_MODULES: Final = (
    "checks",
    "coverage",
    "endorsements",
    "engine",
    "entity_keys",
    "plan",
    "plan_endorsements",
    "plan_line_options",
    "plan_lines",
    "plan_run",
    "record",
    "context",
    "outcomes",
    "verdict",
)
_SWITCH: Final = "COINET_NATIVE"


def _mypyc_version() -> str:
    try:
        return metadata.version("mypy")
    except metadata.PackageNotFoundError:
        return "none"


def source_digest() -> str:
    """What a build must have been made from to be loaded: the sources and the Python."""
    digest = hashlib.sha256()
    digest.update(f"{sys.implementation.cache_tag} {sys.version}\n".encode())
    for name in COMPILED_MODULES:
        digest.update(f"{name}\n".encode())
        digest.update((PACKAGE_DIR / f"{name}.py").read_bytes())
    return digest.hexdigest()


def _stamp_lines() -> list[str]:
    try:
        return STAMP.read_text().split()
    except OSError:
        return []


def wanted() -> bool:
    return os.environ.get(_SWITCH, "1") != "0"


def build_is_current() -> bool:
    """Whether the build was made from the sources as they are now (what loading needs; the
    compiled code carries its own runtime, so the image that runs it needs no mypy)."""
    lines = _stamp_lines()
    return bool(lines) and lines[0] == source_digest()


def activate(package_path: MutableSequence[str]) -> bool:
    """Put a current build first on the package's search path; True when it is in use."""
    if not wanted() or not STAMP.exists():
        return False
    if not build_is_current():
        if os.environ.get("COINET_NATIVE_BUILDING") == "1":
            return False  # the build itself is about to replace it
        warnings.warn(
            "the compiled verification engine is older than its sources; running it "
            "interpreted until `make native` (or any make target) rebuilds it",
            RuntimeWarning,
            stacklevel=2,
        )
        return False
    compiled = str(NATIVE_ROOT / "backend" / "verification")
    if compiled not in package_path:
        package_path.insert(0, compiled)
    # mypyc puts the code of all the modules in one shared library at the build's top level.
    if str(NATIVE_ROOT) not in sys.path:
        sys.path.append(str(NATIVE_ROOT))
    return True


def is_compiled() -> bool:
    """Whether the engine's modules were loaded from the build."""
    from backend.verification import checks

    return not checks.__file__.endswith(".py") if checks.__file__ else False


def build(force: bool = False) -> int:
    """Compile the modules into NATIVE_ROOT unless a current build is there. Exit status."""
    if not wanted():
        print("native: COINET_NATIVE=0, the verification engine stays interpreted")
        return 0
    # A newer mypyc may compile differently: the set-up rebuilds when it changes.
    if build_is_current() and _stamp_lines()[1:] == [_mypyc_version()] and not force:
        return 0
    try:
        from mypyc.build import mypycify
        from setuptools import setup
    except ImportError as missing:
        print(f"native: cannot compile the verification engine ({missing}); install the dev group")
        return 1
    digest = source_digest()
    started = time.monotonic()
    print(f"native: compiling {len(COMPILED_MODULES)} engine modules with mypyc (about a minute)")
    shutil.rmtree(NATIVE_ROOT, ignore_errors=True)
    sources = [f"backend/verification/{name}.py" for name in COMPILED_MODULES]
    with tempfile.TemporaryDirectory(prefix="coinet-native-") as work:
        previous = Path.cwd()
        os.chdir(REPO_ROOT)  # mypyc names each module after its path from here
        try:
            extensions = mypycify(sources, opt_level="3", target_dir=f"{work}/c")
            setup(
                name="coinet-native",
                packages=[],
                py_modules=[],
                ext_modules=extensions,
                script_args=[
                    "--quiet",
                    "build_ext",
                    "--build-lib",
                    str(NATIVE_ROOT),
                    "--build-temp",
                    f"{work}/objects",
                ],
            )
        finally:
            os.chdir(previous)
    STAMP.write_text(f"{digest}\n{_mypyc_version()}\n")
    print(f"native: built in {time.monotonic() - started:.0f} s into {NATIVE_ROOT}")
    return 0
