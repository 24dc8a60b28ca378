"""Imports every domain's tables so that Base.metadata is complete (Alembic, create_all)."""

from warroom.auth import models as auth_models  # noqa: F401
from warroom.catalog import models as catalog_models  # noqa: F401
from warroom.config import models as config_models  # noqa: F401
from warroom.db import Base

metadata = Base.metadata
