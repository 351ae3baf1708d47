from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.base import Base


class SignInThrottle(Base):
    """Failed sign-ins counted per key: an e-mail address (whether or not an account has it,
    so the answer reveals nothing), an IP address, and the pair. The key is stored as its
    SHA-256 so the table is no list of addresses people typed."""

    __tablename__ = "sign_in_throttles"

    key_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    wait_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
