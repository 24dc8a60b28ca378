"""Flash messages travel in one signed cookie, which a browser keeps only up to 4096 bytes: a
long message is cut and the oldest messages give way, so the newest always arrives."""

from __future__ import annotations

from types import SimpleNamespace

from starlette.requests import Request

from warroom.web.csrf import FLASH_COOKIE, flash, pending_cookies, pop_flash


def _request(cookie: str = "") -> Request:
    state = SimpleNamespace(web_secret=b"k" * 32, settings=SimpleNamespace(public_url=""))
    headers = [(b"cookie", f"{FLASH_COOKIE}={cookie}".encode())] if cookie else []
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "scheme": "http",
        "headers": headers,
        "app": SimpleNamespace(state=state),
    }
    return Request(scope)


def _cookie(request: Request) -> str:
    (header,) = [c for c in pending_cookies(request.scope["state"]) if c.startswith(FLASH_COOKIE)]
    return header.split(";")[0].split("=", 1)[1].strip('"')


def test_many_long_messages_fit_one_cookie_and_the_newest_arrives() -> None:
    request = _request()
    for i in range(5):
        flash(request, "error", f"{i} " + "語" * 5000)
    cookie = _cookie(request)
    assert len(f"{FLASH_COOKIE}={cookie}".encode()) < 4096
    shown = pop_flash(_request(cookie))
    assert shown and shown[-1][1].startswith("4 語語")
    assert all(len(text) <= 300 for _, text in shown)
    assert shown[-1][1].endswith("…")


def test_short_messages_arrive_whole_and_in_order() -> None:
    request = _request()
    flash(request, "ok", "INC-3 acknowledged")
    flash(request, "info", "émoji 🚒 kept")
    assert pop_flash(_request(_cookie(request))) == [
        ("ok", "INC-3 acknowledged"),
        ("info", "émoji 🚒 kept"),
    ]
