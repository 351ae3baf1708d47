from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base, CreatedAtMixin, IdMixin


class Person(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "people"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    # argon2id; empty for people who only ever sign in through an invitation link (brokers).
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Optional second factor (TOTP): the secret encrypted with the deployment's key; it is in
    # force only once confirmed with a first code (totp_enabled_at). The last time-step used
    # is kept so a code cannot be replayed.
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    totp_last_step: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
