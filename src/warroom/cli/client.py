"""The CLI's HTTP client: WARROOM_URL and WARROOM_TOKEN, or the user's config file."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    import httpx

DEFAULT_URL = "http://127.0.0.1:8080"
NO_TOKEN = (
    "not logged in: no API token. Run `warroom login --url URL` (it keeps URL and token in "
    "your config file) or set WARROOM_TOKEN (and WARROOM_URL); `make run` prints both"
)


NOT_WARROOM = (
    "not the warroom API: is WARROOM_URL (or the URL given to `warroom login`) where warroom "
    "serves?"
)


class ApiError(Exception):
    def __init__(
        self, status: int, message: str, field: str | None = None, body: Any = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.body = body


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "warroom" / "cli.json"


def load_cli_config() -> dict[str, str]:
    """URL and token kept by `warroom login`; one that cannot be read ends the command."""
    path = config_path()
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        _unreadable(path, getattr(exc, "strerror", None) or str(exc))
    if not isinstance(data, dict):
        _unreadable(path, "not a JSON object")
    return {k: str(v) for k, v in data.items() if k in ("url", "token")}


def _unreadable(path: Path, reason: str) -> NoReturn:
    from warroom.cli.output import fail

    fail(
        f"cannot read the CLI config {path}: {reason}; "
        "fix or remove it, then `warroom login --url URL` again"
    )


class ApiClient:
    """Thin wrapper over an httpx.Client that turns error bodies into ApiError."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def request(self, method: str, path: str, *, raw: bool = False, **kwargs: Any) -> Any:
        """JSON as data; another body as bytes. A web page only with `raw` (an HTML export):
        any other answers from a server that is not warroom's API (a wrong WARROOM_URL)."""
        import httpx

        try:
            response = self.http.request(method, path, **kwargs)
        except (httpx.ReadTimeout, httpx.WriteTimeout) as exc:
            raise ApiError(0, self._no_answer(method)) from exc
        except httpx.TransportError as exc:
            raise ApiError(0, f"cannot reach warroom at {self.http.base_url}: {exc}") from exc
        if response.status_code == 401 and "authorization" not in self.http.headers:
            raise ApiError(401, NO_TOKEN)
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = None
            err = body.get("error") if isinstance(body, dict) else None
            if not isinstance(err, dict) or not err.get("message"):
                raise ApiError(response.status_code, self._not_warroom(response), body=body)
            raise ApiError(response.status_code, err["message"], err.get("field"), body)
        if response.status_code == 204 or not response.content:
            return None
        ctype = response.headers.get("content-type", "")
        if raw:
            return response.content
        if ctype.startswith("text/html"):
            raise ApiError(0, f"{self.http.base_url} answered with a web page, {NOT_WARROOM}")
        if "json" not in ctype:
            return response.content
        try:
            return response.json()
        except ValueError:
            broken = f"{self.http.base_url} answered with broken JSON, {NOT_WARROOM}"
            raise ApiError(0, broken) from None

    def _no_answer(self, method: str) -> str:
        """Reached, but no answer in time: a change may have been made all the same (an
        incident opened twice is worse than a look first)."""
        said = f"warroom at {self.http.base_url} did not answer within {self.http.timeout.read:g}s"
        if method == "GET":
            return said
        return (
            f"{said}; the request may have been carried out all the same: look "
            "(e.g. `warroom incident list`) before trying again"
        )

    def _not_warroom(self, response: httpx.Response) -> str:
        """An error that is not warroom's (`{"error": {...}}`): a proxy in front of a warroom
        that is down (502, 503, 504) or some other server; its page is no message."""
        url = str(self.http.base_url).rstrip("/")
        said = f"{url} answered {response.status_code} {response.reason_phrase}"
        if response.status_code in (502, 503, 504):
            return f"{said}, not the warroom API: is warroom running behind it?"
        return f"{said}, {NOT_WARROOM}"

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)


def _default_factory() -> ApiClient:
    import httpx

    stored = load_cli_config()
    url = os.environ.get("WARROOM_URL") or stored.get("url") or DEFAULT_URL
    token = os.environ.get("WARROOM_TOKEN") or stored.get("token")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return ApiClient(httpx.Client(base_url=url, headers=headers, timeout=30))


# Tests replace this with a factory that returns a client bound to an in-process app.
client_factory: Callable[[], ApiClient] = _default_factory


def client() -> ApiClient:
    return client_factory()
