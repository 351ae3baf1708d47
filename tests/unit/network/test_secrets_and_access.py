from __future__ import annotations

import uuid

import pytest

from backend.errors import BadInput, Forbidden
from backend.network.access import PERMISSIONS, require
from backend.network.actor import Actor
from backend.network.secrets import hash_password, new_token, password_matches, token_digest
from backend.network.service import normalise_email


def test_password_hash_is_argon2id_and_verifies_only_the_right_password() -> None:
    stored = hash_password("a long enough password")
    assert stored.startswith("$argon2id$")
    assert password_matches(stored, "a long enough password")
    assert not password_matches(stored, "another password")
    assert not password_matches("", "anything")
    assert not password_matches("garbage", "anything")


def test_tokens_are_random_and_their_digest_is_fixed_length() -> None:
    first, second = new_token("coi"), new_token("coi")
    assert first != second and first.startswith("coi_")
    assert len(token_digest(first)) == 32
    assert token_digest(first) == token_digest(first)


def _actor(role: str, kind: str) -> Actor:
    return Actor(
        person_id=uuid.uuid4(), organisation_id=uuid.uuid4(), organisation_kind=kind, role=role
    )


@pytest.mark.parametrize(
    ("role", "kind", "permission", "allowed"),
    [
        ("gc_viewer", "general_contractor", "project.write", False),
        ("gc_contract_admin", "general_contractor", "engagement.decide", True),
        ("sub_bookkeeper", "subcontractor", "record.write", True),
        ("sub_bookkeeper", "subcontractor", "tokens.manage", False),
        ("broker_agent", "broker", "broker.invite", False),
        ("broker_agent", "broker", "record.write", True),
        ("gc_admin", "general_contractor", "record.write", False),
    ],
)
def test_role_permissions(role: str, kind: str, permission: str, allowed: bool) -> None:
    actor = _actor(role, kind)
    if allowed:
        require(actor, permission)
    else:
        with pytest.raises(Forbidden):
            require(actor, permission)


def test_every_permission_names_only_known_roles() -> None:
    from backend.db.models.vocab import ROLES

    for roles in PERMISSIONS.values():
        assert roles <= set(ROLES)


@pytest.mark.parametrize("email", ["", "no-at-sign", "a@b", "two@@x.com", "spa ce@x.com"])
def test_bad_emails_are_refused(email: str) -> None:
    with pytest.raises(BadInput):
        normalise_email(email)


def test_email_is_normalised() -> None:
    assert normalise_email("  Office@Apex.Example ") == "office@apex.example"
