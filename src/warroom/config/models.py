"""Applied configuration revisions: the whole normalised document, for what has no table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from warroom.db import Base


class ConfigRevision(Base):
    __tablename__ = "config_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(500))
    applied_at: Mapped[datetime]
    applied_by: Mapped[str] = mapped_column(String(320))
    document: Mapped[dict[str, Any]]
