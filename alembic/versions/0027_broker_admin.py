"""A broker firm gets an administrator role, "broker_admin": an agent of the firm (it holds
grants and writes into the records of the subs that granted it, as any agent does) that may
also end the firm's memberships, as a sub's and a GC's admins may end theirs (an agent who
left the firm stops acting for it, and the grants it took up for the firm end with it).

No existing member is made an admin here: who administers a firm is the firm's word, not a
guess from the data, so an operator names a firm's first admin (SECURITY.md says how). Until
then the firm's memberships are kept by the operator, as before.

Revision ID: 0027_broker_admin
Revises: 0026_invitation_issued_to_member
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027_broker_admin"
down_revision: str | None = "0026_invitation_issued_to_member"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ROLES = (
    "'sub_admin', 'sub_bookkeeper', 'gc_admin', 'gc_contract_admin', 'gc_viewer', 'broker_agent'"
)
NEW_ROLES = (
    "'sub_admin', 'sub_bookkeeper', 'gc_admin', 'gc_contract_admin', 'gc_viewer', "
    "'broker_admin', 'broker_agent'"
)
TABLES = ("api_tokens", "memberships", "invitations")


def _role_check(roles: str) -> None:
    for table in TABLES:
        name = op.f(f"ck_{table}_role_known")
        op.drop_constraint(name, table, type_="check")
        op.create_check_constraint(name, table, f"role IN ({roles})")


def upgrade() -> None:
    _role_check(NEW_ROLES)


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"UPDATE {table} SET role = 'broker_agent' WHERE role = 'broker_admin'")  # noqa: S608 - fixed table names
    _role_check(OLD_ROLES)
