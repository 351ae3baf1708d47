"""A GC's Procore connection: connect with a service account's client credentials (checked by
fetching a token at once), keep the secret and tokens encrypted, renew tokens when they end,
and revoke (every credential wiped; mappings kept)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Final
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.models import ProcoreConnection, ProcoreInsuranceSync
from backend.errors import BadInput, Conflict, NotFound
from backend.integrations.procore.client import ProcoreClient, ProcoreError, Token, fetch_token
from backend.integrations.procore.repository import ConnectionDirectory, ProcoreRepository
from backend.network.access import require
from backend.network.actor import Actor
from backend.stored_secrets import decrypt, encrypt

HOOK_TOKEN_BYTES: Final = 32
# Procore's ids are kept in bigint columns.
MAX_PROCORE_ID: Final = 2**63 - 1
# Procore's client ids and secrets are 64 characters; room for other issuers' longer ones.
MAX_CREDENTIAL: Final = 500


def manage(actor: Actor) -> None:
    require(actor, "tokens.manage")
    if not actor.is_gc:
        raise NotFound("Procore connections are for general contractors.")


async def find_connection(
    session: AsyncSession, organisation_id: uuid.UUID
) -> ProcoreConnection | None:
    """The organisation's connection, revoked or not; None if it never connected."""
    return await ProcoreRepository(session, organisation_id).connection()


async def insurance_syncs(
    session: AsyncSession, actor: Actor, state: str | None = None
) -> list[ProcoreInsuranceSync]:
    """Every insurance record written for the actor's GC (in one state when given)."""
    manage(actor)
    return await ProcoreRepository(session, actor.organisation_id).insurance_syncs(state)


async def connection_of(session: AsyncSession, organisation_id: uuid.UUID) -> ProcoreConnection:
    found = await find_connection(session, organisation_id)
    if found is None:
        raise NotFound("This organisation has no Procore connection.")
    return found


async def active_connection(
    session: AsyncSession, organisation_id: uuid.UUID
) -> ProcoreConnection | None:
    return await ProcoreRepository(session, organisation_id).connection(active_only=True)


async def connection_in_use(session: AsyncSession, organisation_id: uuid.UUID) -> ProcoreConnection:
    """The live connection what asks Procore needs; refused (409) when there is none or it was
    revoked, so the person connects first."""
    connection = await active_connection(session, organisation_id)
    if connection is None:
        raise Conflict("Connect Procore first.")
    return connection


async def hook_connection(
    session: AsyncSession, connection_id: uuid.UUID
) -> ProcoreConnection | None:
    """The connection a Procore webhook's address names (revoked or not: the caller decides)."""
    return await ConnectionDirectory(session).by_id(connection_id)


async def connected_among(
    session: AsyncSession, organisation_ids: Collection[uuid.UUID]
) -> list[uuid.UUID]:
    """Those of these organisations (an event's audience) with a live connection."""
    return await ConnectionDirectory(session).live_among(organisation_ids)


async def gcs_to_reconcile(
    session: AsyncSession, organisation_id: uuid.UUID | None
) -> list[uuid.UUID]:
    """The GCs a reconciliation writes: this one if its connection is live, else none; with
    no GC named, every GC with a live connection."""
    if organisation_id is None:
        return await ConnectionDirectory(session).live_gcs()
    live = await active_connection(session, organisation_id)
    return [organisation_id] if live is not None else []


def _store_token(settings: Settings, connection: ProcoreConnection, token: Token) -> None:
    connection.access_token_encrypted = encrypt(settings, token.access_token)
    connection.access_token_expires_at = token.expires_at
    if token.refresh_token:
        connection.refresh_token_encrypted = encrypt(settings, token.refresh_token)


def check_credentials(company_id: int, client_id: str, client_secret: str) -> None:
    """Refused before anything is sent to Procore."""
    if not 0 < company_id <= MAX_PROCORE_ID:
        raise BadInput("Give your Procore company id (a positive number).", field="company_id")
    if not client_id.strip() or not client_secret.strip():
        raise BadInput("Give the app's client id and secret.", field="client_id")
    if len(client_id) > MAX_CREDENTIAL or len(client_secret) > MAX_CREDENTIAL:
        raise BadInput(
            f"A client id or secret has at most {MAX_CREDENTIAL} characters.", field="client_id"
        )


def authorize_url(settings: Settings, client_id: str, redirect_uri: str, state: str) -> str:
    """Where a person is sent to let us act for them in Procore (authorization-code grant)."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state,
        }
    )
    return f"{settings.procore_login_url.rstrip('/')}/oauth/authorize?{query}"


async def connect(
    session: AsyncSession,
    settings: Settings,
    actor: Actor,
    company_id: int,
    client_id: str,
    client_secret: str,
    code: str | None = None,
    redirect_uri: str = "",
) -> tuple[ProcoreConnection, str]:
    """Connect with client credentials (a service account) or, given the code Procore sent
    back to `redirect_uri`, as the person who authorised us (tokens renewed by refresh).
    Returns the connection and the value Procore's webhooks must send as Authorization."""
    manage(actor)
    check_credentials(company_id, client_id, client_secret)
    form = {"client_id": client_id.strip(), "client_secret": client_secret.strip()}
    if code is None:
        form["grant_type"] = "client_credentials"
    else:
        form |= {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    try:
        token = await fetch_token(settings.procore_login_url, form)
    except ProcoreError as exc:
        raise BadInput(
            f"Procore did not accept these credentials: {exc}", field="client_id"
        ) from exc
    connection = await ProcoreRepository(session, actor.organisation_id).connection(lock=True)
    if connection is None:
        connection = ProcoreConnection(
            id=uuid.uuid4(), organisation_id=actor.organisation_id, last_error=""
        )
        session.add(connection)
    elif connection.revoked_at is None and connection.company_id != company_id:
        raise Conflict("Revoke the current connection before connecting another company.")
    hook_token = secrets.token_urlsafe(HOOK_TOKEN_BYTES)
    connection.created_by_id = actor.person_id
    connection.company_id = company_id
    connection.grant_type = "client_credentials" if code is None else "authorization_code"
    connection.client_id = client_id.strip()
    connection.client_secret_encrypted = encrypt(settings, client_secret.strip())
    connection.refresh_token_encrypted = None
    connection.hook_token_hash = hashlib.sha256(hook_token.encode()).digest()
    connection.revoked_at = None
    connection.last_error = ""
    _store_token(settings, connection, token)
    await session.flush()
    return connection, hook_token


async def revoke(session: AsyncSession, actor: Actor) -> ProcoreConnection:
    manage(actor)
    connection = await connection_of(session, actor.organisation_id)
    connection.client_secret_encrypted = None
    connection.access_token_encrypted = None
    connection.access_token_expires_at = None
    connection.refresh_token_encrypted = None
    connection.hook_token_hash = None
    connection.revoked_at = datetime.now(UTC)
    await session.flush()
    return connection


def hook_token_matches(connection: ProcoreConnection, presented: str) -> bool:
    if connection.hook_token_hash is None or connection.revoked_at is not None:
        return False
    digest = hashlib.sha256(presented.encode()).digest()
    return hmac.compare_digest(digest, connection.hook_token_hash)


def open_client(settings: Settings, connection: ProcoreConnection) -> ProcoreClient:
    """A client for this connection; renewed tokens are written back on the connection (the
    caller's transaction keeps them)."""
    if connection.revoked_at is not None or connection.client_secret_encrypted is None:
        raise ProcoreError("The Procore connection is revoked.")

    async def renew() -> Token:
        form = {
            "client_id": connection.client_id,
            "client_secret": decrypt(settings, connection.client_secret_encrypted or b""),
        }
        if connection.refresh_token_encrypted is not None:
            form |= {
                "grant_type": "refresh_token",
                "refresh_token": decrypt(settings, connection.refresh_token_encrypted),
            }
        else:
            form["grant_type"] = "client_credentials"
        token = await fetch_token(settings.procore_login_url, form)
        _store_token(settings, connection, token)
        return token

    if connection.access_token_encrypted is not None and connection.access_token_expires_at:
        token = Token(
            decrypt(settings, connection.access_token_encrypted),
            connection.access_token_expires_at,
        )
    else:
        token = Token("", datetime.now(UTC))  # expired: the first request renews it
    return ProcoreClient(settings.procore_api_url, connection.company_id, token, renew)
