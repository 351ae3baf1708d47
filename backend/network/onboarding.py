"""An operator onboards a paying organisation (a general contractor, or a broker firm) and its
first admin: the one way such an organisation comes onto the network other than the demo.

The admin gets an account with no password and a membership as the organisation's admin, and
an e-mailed one-time link: a row of `password_resets` (256-bit secret stored as SHA-256, single
use, expiring after ONBOARDING_LINK_LIFETIME). Opening it at `/password/reset` sets the first
password and signs the admin in (AuthService.reset_password_first). The link names a person,
never an organisation: the organisation is fixed here, by the operator, so nothing presented
with the link makes its holder a member of anything else."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from backend.db.models import Membership, Organisation, PasswordReset, Person
from backend.db.models.vocab import ADMIN_ROLE_OF_KIND
from backend.errors import BadInput, Conflict
from backend.network import access_log
from backend.network.legal_names import looks_alike
from backend.network.repository import NetworkRepository
from backend.network.secrets import new_token, token_digest
from backend.network.service import normalise_email

# The kinds an operator onboards: the ones that pay or act for many subs. A subcontractor joins
# from a GC's project invitation (sign-up), never from here.
ONBOARDED_KINDS: Final = ("general_contractor", "broker")
# The first admin's link waits longer than a reset link (1 hour): the mail goes to someone who
# did not ask for it at that moment; 3 days covers a weekend. It still works once only.
ONBOARDING_LINK_LIFETIME: Final = timedelta(days=3)
# The column widths (organisations.legal_name, people.full_name).
MAX_LEGAL_NAME: Final = 300
MAX_FULL_NAME: Final = 200


@dataclass(frozen=True)
class Onboarded:
    organisation: Organisation
    person: Person
    token: str

    def link(self, base_url: str) -> str:
        return f"{base_url}/password/reset?token={self.token}"


def onboarding_body(link: str, legal_name: str, hours: int) -> str:
    return "\n".join(
        [
            "Hello,",
            "",
            f"An account on the COI network was opened for you as the admin of {legal_name}.",
            f"Open this link to choose your password (it works once and expires in {hours} hours):",
            "",
            link,
            "",
            "If you did not expect this, ignore this message.",
        ]
    )


async def onboard_organisation(
    repo: NetworkRepository,
    *,
    kind: str,
    legal_name: str,
    admin_email: str,
    admin_name: str = "",
    allow_namesake: bool = False,
) -> Onboarded:
    """Creates the organisation, its admin's account and membership, and the admin's one-time
    link, each written to the access trail; raises (having added nothing) when refused."""
    if kind not in ONBOARDED_KINDS:
        raise BadInput(f"Unknown kind {kind!r}: choose one of {', '.join(ONBOARDED_KINDS)}.")
    name = " ".join(legal_name.split())
    if not name:
        raise BadInput("The legal name is empty.")
    if len(name) > MAX_LEGAL_NAME:
        raise BadInput(f"The legal name is longer than {MAX_LEGAL_NAME} characters.")
    full_name = " ".join(admin_name.split())
    if len(full_name) > MAX_FULL_NAME:
        raise BadInput(f"The admin's name is longer than {MAX_FULL_NAME} characters.")
    email = normalise_email(admin_email)
    if await repo.person_by_email(email) is not None:
        raise Conflict(f"{email} already has an account; onboard with another address.")
    if not allow_namesake:
        for existing in await repo.organisations_of_kind(kind):
            if existing.legal_name == name or looks_alike(existing.legal_name, name):
                raise Conflict(
                    f"A {kind} named {existing.legal_name!r} is already on the network "
                    "(the same company as entities compare); pass --allow-namesake if this "
                    "is another one."
                )
    now = datetime.now(UTC)
    organisation = Organisation(id=uuid.uuid4(), kind=kind, legal_name=name)
    person = Person(id=uuid.uuid4(), email=email, full_name=full_name or email.split("@", 1)[0])
    repo.add(organisation)
    repo.add(person)
    await repo.flush()
    role = ADMIN_ROLE_OF_KIND[kind]
    repo.add(
        Membership(id=uuid.uuid4(), person_id=person.id, organisation_id=organisation.id, role=role)
    )
    token = new_token("pwr")
    repo.add(
        PasswordReset(
            id=uuid.uuid4(),
            person_id=person.id,
            token_hash=token_digest(token),
            expires_at=now + ONBOARDING_LINK_LIFETIME,
        )
    )
    access_log.record_access(
        repo.session,
        access_log.ORGANISATION_CREATED,
        None,
        subject_org_id=organisation.id,
        detail=f"{kind} {name!r} onboarded by an operator (coinet org create)",
    )
    access_log.record_access(
        repo.session,
        access_log.MEMBERSHIP_CREATED,
        None,
        subject_person_id=person.id,
        subject_org_id=organisation.id,
        email=email,
        detail=f"{role}; first admin named by an operator; password-set link e-mailed",
    )
    await repo.flush()
    return Onboarded(organisation=organisation, person=person, token=token)
