"""`coinet org create`: the operator onboards a general contractor or a broker firm and its
first admin (backend/network/onboarding.py). A refusal is one line on stderr, exit status 1,
and nothing written; the admin's link goes only by e-mail, after the commit, never to the
terminal."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any, Final

from backend.config import Settings, get_settings

# The exit status of a refused command (argparse's own usage errors exit 2).
REFUSED: Final = 1


async def create_organisation(
    settings: Settings, session_factory: Any, redis: Any, args: argparse.Namespace
) -> int:
    """The command's work with its database sessions and queue given (the tests give theirs)."""
    from backend.errors import DomainError
    from backend.network.invitation_mail import queue_account_mail
    from backend.network.onboarding import (
        ONBOARDING_LINK_LIFETIME,
        onboard_organisation,
        onboarding_body,
    )
    from backend.network.repository import NetworkRepository

    async with session_factory() as session:
        try:
            onboarded = await onboard_organisation(
                NetworkRepository(session),
                kind=args.kind,
                legal_name=args.name,
                admin_email=args.admin,
                admin_name=args.admin_name,
                allow_namesake=args.allow_namesake,
            )
        except DomainError as exc:
            await session.rollback()
            print(f"coinet org create: refused: {exc.message}", file=sys.stderr)
            return REFUSED
        # Read before the commit, which may expire the rows.
        kind, name = onboarded.organisation.kind, onboarded.organisation.legal_name
        org_id, email = onboarded.organisation.id, onboarded.person.email
        await session.commit()
    hours = int(ONBOARDING_LINK_LIFETIME.total_seconds() // 3600)
    queued = await queue_account_mail(
        redis,
        email,
        f"Your account for {name} on the COI network",
        onboarding_body(onboarded.link(settings.base_url), name, hours),
    )
    print(f"created {kind} {name!r} (id {org_id})")
    if queued:
        print(f"a link to set a password was e-mailed to {email} (valid {hours} hours)")
    else:
        print(f"the mail to {email} was not queued: the admin asks for a link at /password/forgot")
    return 0


async def _run(args: argparse.Namespace) -> int:
    from backend.db.session import make_engine, make_session_factory
    from backend.health import open_redis

    settings = get_settings()
    engine = make_engine(settings)
    redis = open_redis(settings)
    try:
        return await create_organisation(settings, make_session_factory(engine), redis, args)
    finally:
        await redis.aclose()
        await engine.dispose()


def org_create(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


def register(subparsers: Any) -> None:
    from backend.network.onboarding import ONBOARDED_KINDS

    org = subparsers.add_parser("org", help="onboard organisations")
    commands = org.add_subparsers(dest="org_command", required=True)
    create = commands.add_parser(
        "create", help="create a general contractor or broker firm and e-mail its first admin"
    )
    # Any kind is taken here so an unknown one is refused in the command's one-line words.
    create.add_argument("--kind", required=True, help=f"one of: {', '.join(ONBOARDED_KINDS)}")
    create.add_argument("--name", required=True, help="the exact legal name (LLC, Inc. included)")
    create.add_argument("--admin", required=True, help="the first admin's e-mail address")
    create.add_argument("--admin-name", default="", help="the first admin's full name")
    create.add_argument(
        "--allow-namesake",
        action="store_true",
        help="create it even though an organisation of this kind has the same legal name",
    )
    create.set_defaults(handler=org_create)


__all__ = ["create_organisation", "register"]
