"""The fan-out's rendering caches: a verdict the judgement memo hands to many engagements is
rendered once, and the result is what rendering it afresh gives."""

from __future__ import annotations

from datetime import date

from backend.projects.verify_service import BatchChecks, FanOutCache
from backend.verification.checks import BLOCKING, FAIL, PASS, SPECS, UNKNOWN, make_check
from backend.verification.verdict import Verdict, check_to_json


def _verdict() -> Verdict:
    codes = sorted(SPECS)[:3]
    checks = (
        make_check(codes[0], FAIL, "general_liability", 2_000_000, 500_000),
        make_check(codes[1], PASS, "general_liability", True, True),
        make_check(codes[2], UNKNOWN, None, "Acme", None),
    )
    return Verdict("non_compliant", date(2026, 5, 1), checks, ("Moderate", 1), "test")


def test_one_verdict_is_rendered_once_and_as_afresh() -> None:
    cache = FanOutCache()
    verdict = _verdict()
    first = cache.checks_json(verdict)
    assert cache.checks_json(verdict) is first
    assert first == [check_to_json(check) for check in verdict.checks]
    # An equal verdict that is another object gets the same dicts in a list of its own.
    other = cache.checks_json(_verdict())
    assert other is not first
    assert [id(check) for check in other] == [id(check) for check in first]


def test_open_checks_and_layouts_of_a_shared_list() -> None:
    cache = FanOutCache()
    checks = cache.checks_json(_verdict())
    expected = tuple(
        check["message"]
        for check in checks
        if check["severity"] == BLOCKING and check["outcome"] in (FAIL, UNKNOWN)
    )
    assert cache.open_checks(checks) == expected
    assert cache.open_checks(checks) == expected
    batch = BatchChecks(cache)
    assert batch.add(checks) == batch.add(checks) == batch.add(list(checks)) == 0
    assert batch.arrays == [checks]


def test_an_address_is_known_only_once_its_batch_committed() -> None:
    cache = FanOutCache()
    checks = cache.checks_json(_verdict())
    cache.unconfirmed[id(checks)] = (checks, b"a" * 32)
    assert cache.address_of(checks) is None
    cache.committed()
    assert cache.address_of(checks) == b"a" * 32
    # An equal array that is another object is not taken for it.
    assert cache.address_of(list(checks)) is None
