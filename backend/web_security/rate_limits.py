"""Rate limits on the endpoints an outsider can drive hard: sign-in, sign-up, the password
reset request, uploads and the public bundle check. Counted in Redis (the `limits` package,
moving windows), so every replica shares the counts.

Redis down must not take the site down with it, nor turn a limit off: a limit guarding a way
in or out (sign-in, sign-up, password resets, e-mail to typed addresses: what an attacker
would wait for an outage, or make Redis slow, to hammer) fails closed: the request is refused
with 503 and Retry-After. Every other limit (uploads, the public bundle check, tax id lookups
made while reading) lets the request through (fail open). Either way the log says so, at most
once a minute.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from backend.config import Settings
from backend.errors import TooManyRequests, Unavailable

log = logging.getLogger("coinet.ratelimit")

# Sign-in attempts from one address: a site office behind one public address signs in a few
# dozen people at the start of a shift; guessing passwords needs thousands of tries.
SIGN_IN_PER_IP: Final = RateLimitItemPerMinute(30)
# New organisations from one address: a sub joins once; an office onboarding several
# companies in an hour is already unusual.
SIGN_UP_PER_IP: Final = RateLimitItemPerHour(10)
# Password-reset e-mails asked for from one address (and uses of reset links): a person who
# lost a password asks once or twice; more is someone mailing other people's inboxes.
PASSWORD_RESET_PER_IP: Final = RateLimitItemPerMinute(5, 15)
# Uploads from one address: a broker's batch of renewals at the start of a policy year is a
# few dozen certificates in an hour.
UPLOAD_PER_IP: Final = RateLimitItemPerHour(120)
# Uploads into one sub's record, from anywhere: every policy of a sub and its endorsements,
# uploaded twice over, stays under this.
UPLOAD_PER_RECORD: Final = RateLimitItemPerHour(60)
# E-mails a signed-in person has the product send to addresses it types (invitations, a gap
# forwarded to a broker), from one address: a busy office invites a few dozen subs and brokers
# in an hour; more is the product's mail server used to carry a customer's text to strangers.
TYPED_MAIL_PER_IP: Final = RateLimitItemPerHour(60)
# Bulk invitation posts (preview or send, up to 200 rows each) from one address: a GC loads one
# list, corrects it and sends it a few times; each send may e-mail 200 addresses.
BULK_INVITE_PER_IP: Final = RateLimitItemPerHour(20)
# Public bundle checks (no sign-in): each unpacks and verifies a zip; an auditor checks a
# handful at a time.
VERIFY_PER_IP: Final = RateLimitItemPerMinute(10)

# Lookups by federal tax id (EIN) from one address: a network search naming one, a sub's
# company settings saved (each says whether another company already gave that EIN) and the
# engage form (which searches again). A GC looks up the EINs of the W-9s on its desk and
# invites a few dozen subs in a busy hour (as many as TYPED_MAIL_PER_IP lets it mail); finding
# which company holds an EIN, or a company's EIN, by guessing takes millions of lookups.
TAX_ID_LOOKUPS_PER_IP: Final = RateLimitItemPerHour(60)

# Redis answers in well under a millisecond; a limit check waiting longer than this is
# treated as Redis being unavailable, so a sick Redis slows no request by more than this.
REDIS_TIMEOUT_SECONDS: Final = 0.5
# How often a Redis outage is written to the log (every request would flood it).
OUTAGE_LOG_EVERY_SECONDS: Final = 60.0
# Retry-After of a request refused because its limit cannot be counted: a Redis fail-over or
# restart takes seconds to a minute; a person retrying sooner is refused again at no cost.
OUTAGE_RETRY_AFTER_SECONDS: Final = 30

KeyFunction = Callable[[ASGIConnection[Any, Any, Any, Any]], str | None]


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    # The server (uvicorn with proxy headers from trusted proxies) has already put the real
    # client's address here; a client-sent X-Forwarded-For is never read directly.
    return connection.client.host if connection.client else None


def target_record(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    sub_id = connection.path_params.get("sub_id")
    return str(sub_id) if sub_id is not None else None


def tax_id_searcher(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The client's address when the network search names a tax id (name searches are free)."""
    if not str(connection.query_params.get("tax_id") or "").strip():
        return None
    return client_address(connection)


@dataclass(frozen=True)
class Limit:
    name: str  # the counter's name in Redis and in the log
    item: RateLimitItem
    key: KeyFunction
    what: str  # how the 429 message names the action
    # Refuse (503) rather than let the request through when the count cannot be kept.
    fail_closed: bool = False


def _per_ip(name: str, item: RateLimitItem, what: str, fail_closed: bool = False) -> Limit:
    return Limit(name, item, client_address, what, fail_closed)


SIGN_IN = _per_ip("sign-in", SIGN_IN_PER_IP, "sign-in attempts from your network", True)
PASSWORD_RESET = _per_ip(
    "password-reset", PASSWORD_RESET_PER_IP, "password-reset requests", fail_closed=True
)
UPLOADS = (
    _per_ip("upload-ip", UPLOAD_PER_IP, "uploads from your network"),
    Limit("upload-record", UPLOAD_PER_RECORD, target_record, "uploads into this record"),
)

# One counter for every route that mails an address the person typed.
TYPED_MAIL = _per_ip(
    "typed-mail", TYPED_MAIL_PER_IP, "e-mails sent from your network", fail_closed=True
)

TAX_ID_LOOKUPS = _per_ip("tax-id", TAX_ID_LOOKUPS_PER_IP, "tax id lookups from your network")

# (method, route template as Litestar reports it, without parameter types) -> its limits.
RULES: Final[dict[tuple[str, str], tuple[Limit, ...]]] = {
    ("POST", "/login"): (SIGN_IN,),
    ("POST", "/signup"): (
        _per_ip("sign-up", SIGN_UP_PER_IP, "sign-ups from your network", fail_closed=True),
    ),
    ("POST", "/password/forgot"): (PASSWORD_RESET,),
    ("POST", "/password/reset"): (PASSWORD_RESET,),
    ("POST", "/subs/{sub_id}/upload"): UPLOADS,
    ("POST", "/upload-link"): UPLOADS[:1],
    ("POST", "/api/v1/subs/{sub_id}/documents"): UPLOADS,
    ("POST", "/verify"): (_per_ip("verify", VERIFY_PER_IP, "bundle checks from your network"),),
    ("POST", "/my/engagements/{engagement_id}/forward"): (TYPED_MAIL,),
    ("POST", "/brokers"): (TYPED_MAIL,),
    ("POST", "/api/v1/broker-invitations"): (TYPED_MAIL,),
    ("POST", "/projects/{project_id}/invitations"): (TYPED_MAIL,),
    ("POST", "/api/v1/projects/{project_id}/invitations"): (TYPED_MAIL,),
    ("POST", "/depends/{engagement_id}/tier2"): (TYPED_MAIL,),
    # "Invite this vendor" mails the address the GC's Procore holds for it.
    ("POST", "/settings/integrations/procore/vendors/{vendor_id}/invite"): (TYPED_MAIL,),
    ("POST", "/api/v1/integrations/procore/vendors/{vendor_id}/invite"): (TYPED_MAIL,),
    # Sending an invitation again mails its address again (a fresh link): without a count,
    # one invitation resent in a loop was an unlimited stream of mail to one inbox.
    ("POST", "/brokers/{invitation_id}/resend"): (TYPED_MAIL,),
    ("POST", "/api/v1/broker-invitations/{invitation_id}/resend"): (TYPED_MAIL,),
    ("POST", "/projects/{project_id}/invitations/{invitation_id}/resend"): (TYPED_MAIL,),
    ("GET", "/network"): (
        Limit(TAX_ID_LOOKUPS.name, TAX_ID_LOOKUPS_PER_IP, tax_id_searcher, TAX_ID_LOOKUPS.what),
    ),
    ("POST", "/network/engage"): (TAX_ID_LOOKUPS,),
    ("POST", "/settings/company"): (TAX_ID_LOOKUPS,),
    ("POST", "/invitations/bulk"): (
        _per_ip("bulk-invite", BULK_INVITE_PER_IP, "bulk invitations from your network", True),
    ),
}


def _wait_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{(seconds + 59) // 60} minutes"


class RateLimiter:
    """Counts requests against RULES; one per app, sharing its Redis connection pool."""

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limits
        self._storage = RedisStorage(
            "async+" + settings.redis_url,
            implementation="redispy",
            wrap_exceptions=True,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        self._strategy = MovingWindowRateLimiter(self._storage)
        self._last_outage_log = 0.0

    async def check(
        self, method: str, route: str, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> None:
        if not self.enabled:
            return
        for limit in RULES.get((method, route), ()):
            key = limit.key(connection)
            if key is None:
                continue
            try:
                allowed = await self._strategy.hit(limit.item, "coinet", limit.name, key)
                if allowed:
                    continue
                stats = await self._strategy.get_window_stats(limit.item, "coinet", limit.name, key)
            except Exception as exc:  # any storage failure: never a 500
                self._log_outage(exc)
                if limit.fail_closed:
                    raise Unavailable(
                        f"{limit.what.capitalize()} cannot be counted right now, so none are "
                        f"taken. Try again in {_wait_words(OUTAGE_RETRY_AFTER_SECONDS)}.",
                        retry_after=OUTAGE_RETRY_AFTER_SECONDS,
                    ) from exc
                return  # fail open
            retry_after = max(1, int(stats.reset_time - time.time()) + 1)
            log.info("rate limit %s reached for %s", limit.name, key)
            raise TooManyRequests(
                f"Too many {limit.what}. Try again in {_wait_words(retry_after)}.",
                retry_after=retry_after,
            )

    async def grant(self, limit: Limit, key: str, wanted: int) -> int:
        """How many of `wanted` look-ups made inside one request the limit lets through now,
        each counted as one hit (a refresh of a Procore directory looks up many vendors in one
        request). Fails open, as every limit here, when Redis cannot count."""
        if not self.enabled or wanted <= 0:
            return max(wanted, 0)
        granted = 0
        try:
            while granted < wanted and await self._strategy.hit(
                limit.item, "coinet", limit.name, key
            ):
                granted += 1
        except Exception as exc:  # any storage failure: fail open, never a 500
            self._log_outage(exc)
            return wanted
        if granted < wanted:
            log.info("rate limit %s reached for %s", limit.name, key)
        return granted

    async def aclose(self) -> None:
        """Closes this limiter's own Redis connections (one made for a single request)."""
        bridge = getattr(self._storage, "bridge", None)
        client = getattr(bridge, "storage", None)
        if client is not None:
            await client.aclose()

    def _log_outage(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_outage_log >= OUTAGE_LOG_EVERY_SECONDS:
            self._last_outage_log = now
            log.warning(
                "rate limits not enforced, Redis unavailable (sign-in, sign-up, resets and "
                "typed mail are refused meanwhile): %s: %s",
                type(exc).__name__,
                exc,
            )


async def tax_id_lookups_granted(settings: Settings, organisation_id: object, wanted: int) -> int:
    """How many of `wanted` look-ups of the network by tax id an organisation may make now:
    counted per organisation against TAX_ID_LOOKUPS_PER_IP's budget (the same hourly count a
    person's network search by EIN makes from one address), so a directory read in bulk cannot
    be used to learn which companies are on the network."""
    limiter = RateLimiter(settings)
    try:
        return await limiter.grant(TAX_ID_LOOKUPS, f"org:{organisation_id}", wanted)
    finally:
        await limiter.aclose()


def rate_limit_guard(settings: Settings) -> Callable[..., Any]:
    limiter = RateLimiter(settings)

    async def enforce_rate_limits(
        connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
    ) -> None:
        route = str(connection.scope.get("path_template", ""))
        method = str(connection.scope.get("method", ""))
        await limiter.check(method, route, connection)

    return enforce_rate_limits
