"""Imports every domain's tables so that Base.metadata is complete (Alembic, create_all)."""

from warroom.actions import models as action_models  # noqa: F401
from warroom.audit import models as audit_models  # noqa: F401
from warroom.auth import models as auth_models  # noqa: F401
from warroom.catalog import models as catalog_models  # noqa: F401
from warroom.comms import models as comms_models  # noqa: F401
from warroom.config import models as config_models  # noqa: F401
from warroom.db import Base
from warroom.engine import models as engine_models  # noqa: F401
from warroom.evidence import models as evidence_models  # noqa: F401
from warroom.heartbeats import models as heartbeat_models  # noqa: F401
from warroom.incidents import models as incident_models  # noqa: F401
from warroom.intake import models as intake_models  # noqa: F401
from warroom.notify import models as notify_models  # noqa: F401
from warroom.paging import models as paging_models  # noqa: F401
from warroom.review.action_items import models as action_item_models  # noqa: F401
from warroom.review.drills import models as drill_models  # noqa: F401
from warroom.review.postmortems import models as postmortem_models  # noqa: F401
from warroom.runbooks import models as runbook_models  # noqa: F401
from warroom.statuspage import models as statuspage_models  # noqa: F401

metadata = Base.metadata
