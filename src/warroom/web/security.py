"""Headers of every web UI response, and the cookies the request asked for.

UI pages get a Content-Security-Policy that allows only warroom's own scripts and styles
(no inline script), may not be framed, and send the referrer only to warroom itself. The
JSON API and the public status page keep their own headers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from warroom.web.csrf import pending_cookies

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
_CSP = b"content-security-policy"  # a response that sets one keeps it
HEADERS = {
    b"content-security-policy": CSP.encode(),
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"same-origin",
    b"x-content-type-options": b"nosniff",
}
UI_PREFIXES = ("/ui/", "/login", "/logout", "/invite/")


def is_ui_path(path: str) -> bool:
    return path == "/" or path.startswith(UI_PREFIXES)


def form_limit(scope: Scope) -> int | None:
    """Bytes a UI form body may have (None: not a form post). Checked before the body is read,
    since a multipart body is otherwise spooled whole: only /ui/ forms may carry a file."""
    if scope.get("method") in ("GET", "HEAD", "OPTIONS"):
        return None
    settings = scope["app"].state.settings
    extra = settings.evidence_max_bytes if scope.get("path", "").startswith("/ui/") else 0
    return int(settings.max_body_bytes) + int(extra)


def _too_large(scope: Scope) -> tuple[int, bytes] | None:
    limit = form_limit(scope)
    if limit is None:
        return None
    declared = dict(scope.get("headers") or []).get(b"content-length", b"")
    if not declared.isdigit():
        return 411, b"a form must be sent with its Content-Length"
    if int(declared) > limit:
        return 413, f"the form is larger than {limit} bytes".encode()
    return None


class UiHeaders:
    """ASGI middleware: security headers and pending cookies on UI responses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_ui_path(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        refused = _too_large(scope)
        if refused is not None:
            status, text = refused
            headers = [(b"content-type", b"text/plain; charset=utf-8"), *HEADERS.items()]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": text})
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                given = message.get("headers", [])
                # A response that sets its own, stricter policy keeps it (an evidence download
                # is sandboxed: a file served back must not run on warroom's origin).
                own = [(k, v) for k, v in given if k.lower() == _CSP]
                headers = [(k, v) for k, v in given if k.lower() not in HEADERS]
                headers += [(k, v) for k, v in HEADERS.items() if not (own and k == _CSP)]
                headers += own
                cached = any(k.lower() == b"cache-control" for k, _ in headers)
                if not cached and not scope.get("path", "").startswith("/ui/static/"):
                    headers.append((b"cache-control", b"no-store"))
                for cookie in pending_cookies(state):
                    headers.append((b"set-cookie", cookie.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
