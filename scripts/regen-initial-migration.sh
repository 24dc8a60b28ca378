#!/usr/bin/env bash
# Until the first release, the schema lives in one initial migration regenerated from the
# models. After a release, new migrations are added with `alembic revision --autogenerate`.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f src/warroom/migrations/versions/0001_initial.py
.venv/bin/python - "$tmp" <<'PY'
import sys
from alembic import command
from warroom.migrate import alembic_config
cfg = alembic_config(f"sqlite:///{sys.argv[1]}/empty.db")
command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001_initial")
PY
mv src/warroom/migrations/versions/0001_initial_initial_schema.py src/warroom/migrations/versions/0001_initial.py
.venv/bin/ruff format -q src/warroom/migrations/versions/0001_initial.py
.venv/bin/ruff check -q --fix src/warroom/migrations/versions/0001_initial.py || true
rm -rf "$tmp"
echo "regenerated src/warroom/migrations/versions/0001_initial.py"
