"""The engine compiled with mypyc (backend/verification/native.py): loaded only when current,
and judging exactly as the interpreted source does."""

from __future__ import annotations

import copy
import dataclasses
import os
import pickle
import subprocess
import sys
from datetime import date
from pathlib import Path
from types import MappingProxyType

import pytest

from backend.verification import native
from backend.verification.checks import Check
from backend.verification.engine import verify
from backend.verification.record import Evidence
from backend.verification.verdict import Verdict
from tests.unit.verification import factories as f

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_the_engine_runs_compiled_when_a_build_exists() -> None:
    if not native.wanted():
        pytest.skip("COINET_NATIVE=0: the interpreted engine was asked for")
    if not native.STAMP.exists():
        pytest.skip("no build: `make native` (every make target runs it) compiles the engine")
    assert native.build_is_current(), "the build is older than the sources: run `make native`"
    assert native.is_compiled()


def test_a_stale_build_is_not_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stamp = tmp_path / "STAMP"
    stamp.write_text("0" * 64 + "\n")
    monkeypatch.setattr(native, "STAMP", stamp)
    monkeypatch.delenv("COINET_NATIVE", raising=False)
    monkeypatch.delenv("COINET_NATIVE_BUILDING", raising=False)
    search_path: list[str] = ["/source"]
    with pytest.warns(RuntimeWarning, match="older than its sources"):
        assert native.activate(search_path) is False
    assert search_path == ["/source"]
    stamp.write_text(native.source_digest() + "\n")
    assert native.activate(search_path) is True
    assert search_path[0].endswith(".native/backend/verification")


def test_the_digest_follows_every_compiled_source() -> None:
    before = native.source_digest()
    assert before == native.source_digest()
    assert all((native.PACKAGE_DIR / f"{name}.py").exists() for name in native.COMPILED_MODULES)


def test_checks_and_verdicts_copy_pickle_and_compare_by_value() -> None:
    evidence = Evidence(document="d" * 64, page=1, pointer="/x", bbox=(1.0, 2.0, 3.0, 4.0))
    check = Check("GL_PRESENT", "pass", "general_liability", "r", True, [1], "blocking", True)
    other = Check("GL_PRESENT", "pass", "general_liability", "r", True, [1], "blocking", True)
    with_evidence = Check("A", "fail", None, "r", 1, 2, "warning", False, evidence)
    assert check == other and check != with_evidence
    assert copy.deepcopy(with_evidence) == with_evidence
    assert pickle.loads(pickle.dumps(with_evidence)) == with_evidence  # noqa: S301 - our bytes
    assert hash(Check("A", "fail", None, "r", 1, 2, "w", False)) == hash(
        Check("A", "fail", None, "r", 1, 2, "w", False)
    )
    waived = with_evidence.with_outcome("waived")
    assert waived.outcome == "waived" and waived.found == 2 and waived.evidence is evidence
    verdict = Verdict("compliant", date(2026, 1, 1), (check,), ("High", 1), "1.0.0")
    assert copy.deepcopy(verdict) == verdict
    assert pickle.loads(pickle.dumps(verdict)) == verdict  # noqa: S301 - our bytes


def test_the_interpreted_engine_gives_the_same_verdicts() -> None:
    """The golden verdicts and the plan tests, run again with the build switched off."""
    env = {**os.environ, "COINET_NATIVE": "0"}
    probe = subprocess.run(
        [sys.executable, "-c", "from backend.verification import native; "
         "print(native.is_compiled())"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert probe.stdout.strip() == "False"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/unit/verification/test_golden_verdicts.py",
            "tests/unit/verification/test_plans.py",
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


def test_records_holding_other_mappings_judge_as_with_dicts() -> None:
    """The engine's dict fast path must not change what another Mapping gives."""
    record = f.compliant_record()
    frozen_record = dataclasses.replace(
        record,
        evidence=MappingProxyType(dict(record.evidence)),
        policies=tuple(
            dataclasses.replace(
                policy,
                evidence=MappingProxyType(dict(policy.evidence)),
                terms=tuple(
                    dataclasses.replace(
                        term,
                        limits=MappingProxyType(dict(term.limits)),
                        evidence=MappingProxyType(dict(term.evidence)),
                    )
                    for term in policy.terms
                ),
            )
            for policy in record.policies
        ),
    )
    requirements = f.requirements()
    context = f.context()
    expected = verify(requirements, record, context, f.ON)
    assert expected.status == "compliant"
    assert verify(requirements, frozen_record, context, f.ON) == expected
    short = f.replace_term(
        frozen_record, "general_liability", limits=MappingProxyType({"each_occurrence": 1})
    )
    assert verify(requirements, short, context, f.ON).status == "non_compliant"
