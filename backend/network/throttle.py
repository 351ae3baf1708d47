"""Progressive delays after failed sign-ins, instead of a lock.

Failures are counted per e-mail address (whether or not an account uses it, so the answer
and its timing say nothing about which accounts exist), per IP address, and per pair. While a
key's wait runs, sign-in answers "wait N seconds" without checking the password. The wait
for an address alone is capped low, so someone hammering another person's address slows
that person by at most a short pause and never locks them out; the pair and the IP carry the
long waits, which fall on the attacker's own address."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from backend.network.repository import NetworkRepository


@dataclass(frozen=True)
class Rule:
    free_failures: int  # failures that cost nothing (typos happen)
    first_wait_seconds: int  # the wait after the first failure past the free ones; doubles
    max_wait_seconds: int


# An address shared by nobody: 3 typos free, then 2 s, 4 s, ... capped at 30 s: slow enough
# that guessing a password takes years, short enough that nobody is locked out by a stranger.
ADDRESS_RULE: Final = Rule(free_failures=3, first_wait_seconds=2, max_wait_seconds=30)
# One browser on one address: the same start, but the wait grows to 15 minutes.
PAIR_RULE: Final = Rule(free_failures=3, first_wait_seconds=2, max_wait_seconds=15 * 60)
# An office's people share one IP: 20 failures free before it slows, then up to 15 minutes
# (a password spray across many addresses from one IP stalls here).
IP_RULE: Final = Rule(free_failures=20, first_wait_seconds=2, max_wait_seconds=15 * 60)
# Counters forget failures older than this, so an old typo streak does not linger.
FORGET_AFTER: Final = timedelta(hours=24)


def _digest(kind: str, value: str) -> bytes:
    return hashlib.sha256(f"{kind}\x00{value}".encode()).digest()


@dataclass(frozen=True)
class Keys:
    address: bytes
    ip: bytes
    pair: bytes

    @classmethod
    def of(cls, email: str, ip: str) -> Keys:
        address = email.strip().lower()
        return cls(
            address=_digest("address", address),
            ip=_digest("ip", ip),
            pair=_digest("pair", f"{address}\x00{ip}"),
        )

    def with_rules(self) -> tuple[tuple[bytes, Rule], ...]:
        return ((self.address, ADDRESS_RULE), (self.ip, IP_RULE), (self.pair, PAIR_RULE))


def wait_after(failures: int, rule: Rule) -> timedelta:
    over = failures - rule.free_failures
    if over <= 0:
        return timedelta(0)
    seconds = rule.first_wait_seconds * 2 ** min(over - 1, 30)
    return timedelta(seconds=min(seconds, rule.max_wait_seconds))


async def seconds_to_wait(repo: NetworkRepository, keys: Keys, now: datetime) -> int:
    """How long the caller must wait before the next attempt is even checked (0: go on).
    First takes the keys' locks, held until the attempt's transaction ends (its failure
    counted or its session opened): attempts sharing an address, an IP or both are judged one
    after another, each seeing the failures of those before it. Without them a burst of
    guesses sent at once all read "no wait yet" and all had their password checked, and one
    second-factor code sent twice at once was accepted twice."""
    await repo.hold_throttle_keys([keys.address, keys.ip, keys.pair])
    waits = await repo.throttle_waits([keys.address, keys.ip, keys.pair])
    longest = max(waits, default=now)
    remaining = (longest - now).total_seconds()
    return int(remaining) + 1 if remaining > 0 else 0


async def count_failure(repo: NetworkRepository, keys: Keys, now: datetime) -> None:
    for key, rule in keys.with_rules():
        # One statement per key, so two failures racing on the same key both count.
        failures = await repo.count_throttle_failure(key, now, now - FORGET_AFTER)
        await repo.set_throttle_wait(key, now + wait_after(failures, rule))


async def forget_success(repo: NetworkRepository, keys: Keys) -> None:
    """A right password clears the address and the pair, never the IP: otherwise a sprayer
    could reset its IP's count by signing in to an account of its own now and then."""
    await repo.clear_throttles([keys.address, keys.pair])
