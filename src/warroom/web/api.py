"""`/docs` (Swagger UI served by warroom itself); `/` is the dashboard (warroom.web.dashboard).

Swagger UI comes from the `swagger-ui-bundle-v2` distribution (Swagger UI 5, which renders the
OpenAPI 3.1 document FastAPI writes), so `/docs` works on a machine without internet. Only
the few files the page loads are served, by name, from that package's directory.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, HTMLResponse

from warroom.errors import NotFound

router = APIRouter(include_in_schema=False)
log = logging.getLogger("warroom.pages")

ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}


def swagger_dir() -> Path:
    """The directory of the packaged Swagger UI distribution."""
    import swagger_ui_bundle

    return Path(swagger_ui_bundle.swagger_ui_path)


DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>warroom API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" href="/docs/assets/favicon-32x32.png">
</head><body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
  persistAuthorization: true, presets: [SwaggerUIBundle.presets.apis]});
</script>
</body></html>
"""


@router.get("/docs", response_class=HTMLResponse)
def docs() -> HTMLResponse:
    return HTMLResponse(DOCS_PAGE)


@router.get("/docs/assets/{name}")
def docs_asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise NotFound(f"no such file {name!r}", field="name")
    return FileResponse(
        swagger_dir() / name,
        media_type=ASSETS[name],
        headers={"Cache-Control": "public, max-age=86400"},
    )


def where_pages_go(smtp_url: str) -> str:
    """The start-up line: e-mail pages' server, and where a page nobody took can be read."""
    from urllib.parse import urlsplit

    parts = urlsplit(smtp_url)
    where = f"{parts.scheme}://{parts.hostname or '?'}" + (f":{parts.port}" if parts.port else "")
    return (
        f"pages by e-mail go through {where} (WARROOM_SMTP_URL); a page no "
        "provider takes is logged here and kept in the outbox: `warroom outbox list`, "
        "`warroom outbox show ID`"
    )


def setup(app: FastAPI) -> None:
    """Say at start-up where pages go (the newcomer's first question when none arrives)."""
    app.state.startup_hooks.append(lambda a: log.info(where_pages_go(a.state.settings.smtp_url)))
