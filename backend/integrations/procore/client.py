"""Procore's REST API (v1.0) as we use it: OAuth 2.0 tokens, the vendor directory, the company
insurance batch sync, and single insurance reads.

Every request names the company (`Procore-Company-Id`). The hourly budget is respected from the
rate-limit headers: when a response says none is left, the next request waits for the reset;
a 429 waits what `Retry-After` (or the reset) says and tries again, a bounded number of times.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import httpx

log = logging.getLogger("coinet.procore")

REQUEST_TIMEOUT_SECONDS: Final = 30.0
# 429s in a row before a request gives up (the caller records the failure and the next
# reconciliation tries again); each waits as long as Procore asks.
MAX_THROTTLED_TRIES: Final = 5
# A wait for the budget's reset longer than this is not slept through in a job: the job fails
# and is retried later instead of holding a worker for up to an hour.
MAX_WAIT: Final = timedelta(minutes=5)
# Renew a token this long before Procore says it ends, so no request carries a dying one.
TOKEN_MARGIN: Final = timedelta(minutes=2)
PER_PAGE: Final = 100  # Procore's largest page


class ProcoreError(Exception):
    def __init__(self, message: str, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


@dataclass
class Token:
    access_token: str
    expires_at: datetime
    refresh_token: str | None = None


@dataclass
class Budget:
    """What the last response said about the hourly budget."""

    remaining: int | None = None
    reset_at: float | None = None
    requests: int = 0
    throttled: int = 0
    waits: list[float] = field(default_factory=list)


async def fetch_token(
    login_url: str, form: dict[str, str], http: httpx.AsyncClient | None = None
) -> Token:
    """POST /oauth/token with a grant (client credentials, authorization code or refresh)."""
    own = http is None
    client = http or httpx.AsyncClient(timeout=REQUEST_TIMEOUT_SECONDS, trust_env=False)
    try:
        response = await client.post(f"{login_url.rstrip('/')}/oauth/token", data=form)
    except httpx.HTTPError as exc:
        raise ProcoreError(f"Procore's login could not be reached: {exc}") from exc
    finally:
        if own:
            await client.aclose()
    if response.status_code != 200:
        raise ProcoreError(
            f"Procore refused the credentials ({response.status_code})", response.status_code
        )
    body = response.json()
    return Token(
        access_token=str(body["access_token"]),
        expires_at=datetime.now(UTC) + timedelta(seconds=int(body.get("expires_in", 3600))),
        refresh_token=body.get("refresh_token"),
    )


class ProcoreClient:
    def __init__(
        self,
        api_url: str,
        company_id: int,
        token: Token,
        renew: Callable[[], Awaitable[Token]],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.company_id = company_id
        self.token = token
        self.renew = renew
        self.sleep = sleep
        self.budget = Budget()
        self.http = httpx.AsyncClient(timeout=REQUEST_TIMEOUT_SECONDS, trust_env=False)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _wait(self, seconds: float) -> None:
        if seconds > MAX_WAIT.total_seconds():
            raise ProcoreError(f"Procore's request budget is spent for {round(seconds)} s", 429)
        self.budget.waits.append(seconds)
        await self.sleep(seconds)

    def _note_budget(self, response: httpx.Response) -> None:
        remaining = response.headers.get("x-rate-limit-remaining", "")
        reset = response.headers.get("x-rate-limit-reset", "")
        self.budget.remaining = int(remaining) if remaining.isdigit() else None
        self.budget.reset_at = float(reset) if reset.isdigit() else None

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        for _ in range(MAX_THROTTLED_TRIES):
            if self.budget.remaining == 0 and self.budget.reset_at is not None:
                await self._wait(max(0.0, self.budget.reset_at - time.time()))
                self.budget.remaining = None
            if self.token.expires_at - TOKEN_MARGIN <= datetime.now(UTC):
                self.token = await self.renew()
            headers = {
                "Authorization": f"Bearer {self.token.access_token}",
                "Procore-Company-Id": str(self.company_id),
            }
            try:
                response = await self.http.request(
                    method, self.api_url + path, headers=headers, **kwargs
                )
            except httpx.HTTPError as exc:
                raise ProcoreError(f"Procore could not be reached: {exc}") from exc
            self.budget.requests += 1
            self._note_budget(response)
            if response.status_code == 401:
                self.token = await self.renew()
                continue
            if response.status_code != 429:
                return response
            self.budget.throttled += 1
            retry_after = response.headers.get("retry-after", "")
            if retry_after.isdigit():
                wait = float(retry_after)
            elif self.budget.reset_at is not None:
                wait = max(1.0, self.budget.reset_at - time.time())
            else:
                wait = 60.0
            self.budget.remaining = None
            await self._wait(wait)
        raise ProcoreError("Procore kept answering 429 Too Many Requests", 429)

    async def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.request(method, path, **kwargs)
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = response.text[:500]
            raise ProcoreError(
                f"Procore answered {response.status_code} to {method} {path}: {body}",
                response.status_code,
                body,
            )
        return response.json() if response.content else None

    async def _every_page(self, path: str, what: str, **params: Any) -> list[dict[str, Any]]:
        """Every row of a Procore list, read page by page until a page comes back short; an
        answer that is not a list is refused (ProcoreError), a row that is not an object left
        out."""
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            rows = await self.json(
                "GET", path, params={**params, "page": page, "per_page": PER_PAGE}
            )
            if not isinstance(rows, list):
                raise ProcoreError(f"Procore answered {what} with something other than a list")
            found.extend(row for row in rows if isinstance(row, dict))
            if len(rows) < PER_PAGE:
                return found
            page += 1

    async def vendors(self) -> list[dict[str, Any]]:
        return await self._every_page(f"/rest/v1.0/companies/{self.company_id}/vendors", "vendors")

    async def vendor(self, vendor_id: int) -> dict[str, Any]:
        """One vendor of the company's directory (a 404 when it is not the company's)."""
        found = await self.json(
            "GET", f"/rest/v1.0/companies/{self.company_id}/vendors/{vendor_id}"
        )
        return found if isinstance(found, dict) else {}

    async def commitments(self, kind: str, project_id: int) -> list[dict[str, Any]]:
        """Every commitment of one kind ("work_order_contracts": subcontracts,
        "purchase_order_contracts": purchase orders) on a Procore project, page by page."""
        return await self._every_page(f"/rest/v1.0/{kind}", kind, project_id=project_id)

    async def commitments_exist(self, project_id: int) -> bool:
        """Whether the project is one of the company's (its subcontract list answers)."""
        response = await self.request(
            "GET",
            "/rest/v1.0/work_order_contracts",
            params={"project_id": project_id, "page": 1, "per_page": 1},
        )
        return response.status_code == 200

    async def sync_insurances(
        self, updates: list[dict[str, Any]]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        body = await self.json(
            "PATCH",
            f"/rest/v1.0/companies/{self.company_id}/insurances/sync",
            json={"updates": updates},
        )
        return list(body.get("entities", [])), list(body.get("errors", []))

    async def insurance(self, vendor_id: int, insurance_id: int) -> dict[str, Any] | None:
        response = await self.request(
            "GET",
            f"/rest/v1.0/companies/{self.company_id}/vendors/{vendor_id}/insurances/{insurance_id}",
        )
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise ProcoreError(f"Procore answered {response.status_code}", response.status_code)
        result: dict[str, Any] = response.json()
        return result
