"""Cookies of the web UI, CSRF tokens and flash messages.

Every form carries `csrf_token`: an HMAC, under the secret key, of the session cookie when the
person is signed in, else of a random per-browser cookie (so the login form is protected too).
A page on another site can neither read our cookies nor compute the HMAC. Cookies the UI sets
during a request are collected in the request's state and written by `UiHeaders`
(warroom.web.security), so that dependencies and `flash()` can set them before a route has
chosen its response.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

from fastapi import Request
from starlette.responses import Response

from warroom.settings import Settings, ensure_secret_key

SESSION_COOKIE = "warroom_session"
BROWSER_COOKIE = "warroom_browser"
FLASH_COOKIE = "warroom_flash"
FIELD = "csrf_token"
_STATE_COOKIES = "ui_cookies"
_STATE_FLASH = "ui_flash"


def _secret(request: Request) -> bytes:
    state = request.app.state
    key = getattr(state, "web_secret", None)
    if key is None:
        settings: Settings = state.settings
        key = hashlib.sha256(b"warroom-web:" + ensure_secret_key(settings).encode()).digest()
        state.web_secret = key
    return bytes(key)


def _sign(request: Request, purpose: str, value: str) -> str:
    mac = hmac.new(_secret(request), f"{purpose}:{value}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def _store(request: Request) -> dict[str, Any]:
    """The request's state dict (shared with the middleware through the ASGI scope)."""
    store: dict[str, Any] = request.scope.setdefault("state", {})
    return store


def is_https(request: Request) -> bool:
    settings: Settings = request.app.state.settings
    return request.url.scheme == "https" or settings.public_url.startswith("https://")


def set_cookie(request: Request, name: str, value: str | None, max_age: int | None) -> None:
    """Have the response set (value) or delete (None) a UI cookie: HttpOnly, SameSite=Lax."""
    scratch = Response()
    if value is None:
        scratch.delete_cookie(name, path="/", httponly=True, samesite="lax")
    else:
        scratch.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            httponly=True,
            samesite="lax",
            secure=is_https(request),
        )
    header = scratch.headers["set-cookie"]
    cookies: dict[str, str] = _store(request).setdefault(_STATE_COOKIES, {})
    cookies[name] = header


def pending_cookies(state: dict[str, Any]) -> list[str]:
    return list(state.get(_STATE_COOKIES, {}).values())


def _browser_id(request: Request) -> str:
    value = request.cookies.get(BROWSER_COOKIE) or _store(request).get("ui_browser")
    if not value:
        value = secrets.token_urlsafe(24)
        _store(request)["ui_browser"] = value
        set_cookie(request, BROWSER_COOKIE, value, max_age=400 * 86400)
    return str(value)


def drop_session_cookie(request: Request) -> None:
    """Delete the session cookie (signed out or expired); this request's forms no longer use it."""
    _store(request)["ui_session_dropped"] = True
    set_cookie(request, SESSION_COOKIE, None, None)


def csrf_token(request: Request) -> str:
    """The token this browser's forms must carry."""
    dropped = _store(request).get("ui_session_dropped")
    session = None if dropped else request.cookies.get(SESSION_COOKIE)
    if session:
        return _sign(request, "csrf-session", session)
    return _sign(request, "csrf-browser", _browser_id(request))


def csrf_ok(request: Request, submitted: str | None) -> bool:
    if not submitted:
        return False
    return hmac.compare_digest(submitted.encode(), csrf_token(request).encode())


# -- flash messages: shown once, on the next page ---------------------------------------------


# A browser drops a cookie over 4096 bytes, and the message with it: a message is cut to
# FLASH_TEXT_MAX characters (a refusal may quote a whole field), and the oldest messages give
# way until the cookie's payload fits in FLASH_PAYLOAD_MAX bytes.
FLASH_TEXT_MAX = 300
FLASH_PAYLOAD_MAX = 3000


def _short(text: str) -> str:
    return text if len(text) <= FLASH_TEXT_MAX else text[: FLASH_TEXT_MAX - 1] + "…"


def _flash_payload(messages: list[list[str]]) -> str:
    kept = messages[-5:]
    while True:
        raw = json.dumps(kept, ensure_ascii=False).encode()
        payload = base64.urlsafe_b64encode(raw).decode()
        if len(payload) <= FLASH_PAYLOAD_MAX or len(kept) <= 1:
            return payload
        kept = kept[1:]


def flash(request: Request, kind: str, text: str) -> None:
    """Show a message ("ok", "error", "info") on the next page this browser renders."""
    messages: list[list[str]] = _store(request).setdefault(_STATE_FLASH, [])
    messages.append([kind, _short(text)])
    payload = _flash_payload(messages)
    set_cookie(request, FLASH_COOKIE, f"{payload}.{_sign(request, 'flash', payload)}", None)


def pop_flash(request: Request) -> list[tuple[str, str]]:
    """Messages left for this page (from the previous request and this one), then forgotten."""
    found: list[tuple[str, str]] = []
    raw = request.cookies.get(FLASH_COOKIE, "")
    payload, _, mac = raw.rpartition(".")
    if payload and hmac.compare_digest(mac, _sign(request, "flash", payload)):
        try:
            found = [(str(k), str(t)) for k, t in json.loads(base64.urlsafe_b64decode(payload))]
        except (ValueError, TypeError):
            found = []
    found += [(k, t) for k, t in _store(request).pop(_STATE_FLASH, [])]
    if raw or found:
        set_cookie(request, FLASH_COOKIE, None, None)
    return found
