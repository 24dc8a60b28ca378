"""Senders: what actually delivers a message. Apprise for everything, httpx for plain webhooks.

`Sender` is the interface; `DefaultSender` routes plain http(s):// webhooks to
`WebhookSender` and every other URL to `AppriseSender`; `FakeSender` is the in-memory one for
unit tests. Webhook deliveries carry the message's idempotency key as an `Idempotency-Key`
header (for Apprise's json://, form:// and xml:// through its `+Header=value` URL arguments).

`get_sender()` is the process's sender, except on a thread inside `sending_through(sender)`:
a simulation's worker runs every job on its own thread that way, so its deliveries reach its
recording sender while every other thread of the process (the real engine's) sends for real.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

from warroom import outbound, threadlocal
from warroom.notify.deadline import Deadline, sockets_watched_by

IDEMPOTENCY_HEADER = "Idempotency-Key"
WEBHOOK_SCHEMES = ("json", "jsons", "form", "forms", "xml", "xmls")
# How much of a plain webhook's answer body is read (and kept as its answer); the rest is not.
# Enough for a receiver's error message; the answer is shown to every viewer of the outbox.
ANSWER_BYTES = 200
# How much of Apprise's log of an attempt is kept (its last lines say what happened).
LOG_CHARS = 1000
# httpx logs each request's full URL at INFO, and a webhook's path is often its secret.
logging.getLogger("httpx").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Outgoing:
    url: str
    title: str
    body: str
    idempotency_key: str
    message_id: int | None = None
    # A message to the public (a status-page subscriber): the webhook's document leaves out
    # the outbox id, which would show how much else warroom sent meanwhile.
    public: bool = False
    # Whether private and loopback destinations are refused too (WARROOM_OUTBOUND_PRIVATE of
    # the job's settings); None: the process's setting. See warroom.outbound.
    deny_private: bool | None = None


@dataclass(frozen=True)
class SendResult:
    ok: bool
    answer: str
    # False when trying again cannot help (a 4xx from a webhook, an unusable URL).
    retryable: bool = True


class Sender(Protocol):
    def send(self, message: Outgoing) -> SendResult: ...


def scheme_of(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def is_plain_webhook(url: str) -> bool:
    return scheme_of(url) in ("http", "https")


def is_supported(url: str) -> bool:
    """True for plain http(s) webhooks with a host and for URLs Apprise can load."""
    if is_plain_webhook(url):
        import httpx

        try:
            return bool(httpx.URL(url).host)
        except httpx.InvalidURL:
            return False
    if not scheme_of(url):
        return False
    import apprise

    return apprise.Apprise.instantiate(url) is not None


def redact(url: str) -> str:
    """The URL with secrets masked, for logs, timelines and API output."""
    if is_plain_webhook(url):
        head, _, rest = url.partition("://")
        host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
        return f"{head}://{host}/…"
    try:
        import apprise

        plugin = apprise.Apprise.instantiate(url)
        if plugin is not None:
            return str(plugin.url(privacy=True))
    except Exception:  # a bad URL is shown by scheme only
        pass
    return f"{scheme_of(url) or '?'}://…"


def with_idempotency_header(url: str, key: str) -> str:
    """Add `+Idempotency-Key=key` to Apprise webhook URLs (json://, form://, xml://)."""
    if scheme_of(url) not in WEBHOOK_SCHEMES or f"+{IDEMPOTENCY_HEADER}=" in url:
        return url
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}+{IDEMPOTENCY_HEADER}={quote(key, safe='')}"


class AppriseSender:
    """Delivers through Apprise; the provider's answer is Apprise's log of the attempt.

    Every connection the send opens is checked against warroom.outbound's policy (an SMTP
    server, an HTTP service and each redirect hop alike); a refused one fails the message
    for good, its answer saying which address and why.

    Apprise's HTTP services go through requests, whose timeouts bound each read: the
    connections this call opens are shut down once `timeout` seconds have passed, so a host
    trickling its answer does not hold the thread (e-mail has smtplib's own timeouts)."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout

    def send(self, message: Outgoing) -> SendResult:
        import apprise

        url = with_idempotency_header(message.url, message.idempotency_key)
        # HTTP services are sent on this thread, with no deadline of Apprise's: it would send
        # from its shared pool, which the deadline below cannot see, and on its timeout stop
        # waiting but leave the send running there, so a trickling host would hold the pool
        # every send uses. E-mail (smtplib, not urllib3) keeps Apprise's own deadline.
        mail = scheme_of(url) in ("mailto", "mailtos")
        asset = apprise.AppriseAsset() if mail else apprise.AppriseAsset(service_timeout=0)
        notifier = apprise.Apprise(asset=asset)
        if not notifier.add(url):
            return SendResult(False, f"Apprise cannot load {redact(url)}", retryable=False)
        deny = outbound.deny_private(message.deny_private)
        refused = _refused_before_sending(url, deny)
        if refused is not None:
            return SendResult(False, refused, retryable=False)
        # Bodies are plain text: said so, e-mail keeps its line breaks (one link a line). The
        # answer is this call's own log (Apprise keeps it per call); a capture of Apprise's
        # logger would also catch the lines of every other delivery running at that moment.
        deadline = Deadline(self.timeout)
        try:
            with (
                _apprise_says_info(),
                sockets_watched_by(deadline),
                outbound.guarded(deny) as guard,
            ):
                result = notifier.notify(
                    title=message.title,
                    body=message.body,
                    body_format=apprise.NotifyFormat.TEXT,
                    log_level=logging.INFO,
                )
        finally:
            deadline.cancel()
        if guard.refused:
            return SendResult(False, guard.refused[0], retryable=False)
        said = "\n".join(f"{entry.level} - {entry.message}" for entry in result.logs())
        if deadline.cut_off:
            cut = f"no complete answer within {self.timeout:g}s"
            return SendResult(False, _clean_log(f"{said}\n{cut}"))
        ok = bool(result)
        return SendResult(ok, _clean_log(said) or ("sent" if ok else "failed"))


_info_lock = threading.Lock()
_info_users = 0
_info_restore = logging.NOTSET


@contextmanager
def _apprise_says_info() -> Iterator[None]:
    """Apprise's logger at INFO while any send runs (its per-call log holds only what the
    logger lets through, and "Sent ... notification" is INFO); the last send restores it. One
    counter, so a send that ends does not silence another still running."""
    global _info_users, _info_restore
    logger = logging.getLogger("apprise")
    with _info_lock:
        if _info_users == 0:
            _info_restore = logger.level
            if logger.getEffectiveLevel() > logging.INFO:
                logger.setLevel(logging.INFO)
        _info_users += 1
    try:
        yield
    finally:
        with _info_lock:
            _info_users -= 1
            if _info_users == 0:
                logger.setLevel(_info_restore)


def _clean_log(text: str) -> str:
    lines = [line.strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)[-LOG_CHARS:]


def _refused_before_sending(url: str, deny: bool) -> str | None:
    """Why an Apprise URL's destination may not be called, as far as it is known before
    sending: an e-mail's SMTP server, the host of a json://, form:// or xml:// webhook and
    what it resolves to, any other URL's host when written as an address. Another service's
    host name is judged when connected to (it is not always where it sends, it may be a token)."""
    try:
        if scheme_of(url) in ("mailto", "mailtos"):
            outbound.check_mail_server(url, deny)
        elif scheme_of(url) in WEBHOOK_SCHEMES:
            outbound.check_url(url, deny)
        else:
            found = outbound.host_of(url)
            if found is not None and outbound.parse_address(found[0]) is not None:
                outbound.check_host(found[0], found[1], deny)
    except outbound.Refused as exc:
        return str(exc)
    return None


class WebhookSender:
    """POSTs JSON to a plain http(s) URL; answer is the status line and the start of the body.

    Redirects are not followed (a 3xx fails the message), and the host, what it resolves to
    and the address each connection reaches are checked against warroom.outbound's policy:
    a refused destination fails the message for good, its answer saying why."""

    def __init__(self, timeout: float = 10.0, connect_timeout: float = 3.0) -> None:
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self._client: Any = None
        self._lock = threading.Lock()

    def client(self) -> Any:
        # One client for the process (shared by the delivery threads): a new one per page
        # costs ~25 ms (TLS context set-up). Short timeouts: a dead host fails fast and the
        # message retries with back-off, off the hot path.
        import httpx

        with self._lock:
            if self._client is None:
                timeout = httpx.Timeout(self.timeout, connect=self.connect_timeout)
                limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
                self._client = httpx.Client(timeout=timeout, limits=limits)
            return self._client

    def send(self, message: Outgoing) -> SendResult:
        import httpx

        document: dict[str, Any] = {"title": message.title, "body": message.body}
        if not message.public:
            document["message_id"] = message.message_id
        document["idempotency_key"] = message.idempotency_key
        headers = {IDEMPOTENCY_HEADER: message.idempotency_key, "User-Agent": "warroom"}
        # httpx's timeouts bound each read, not the answer: a host that trickles a byte at a
        # time would hold this thread for ever. The deadline ends the connection instead.
        deny = outbound.deny_private(message.deny_private)
        deadline = Deadline(self.timeout)
        try:
            outbound.check_url(message.url, deny)
            with self.client().stream(
                "POST",
                message.url,
                json=document,
                headers=headers,
                extensions={"trace": outbound.trace(deny, then=deadline.trace)},
            ) as response:
                deadline.watch(response.extensions.get("network_stream"))
                text = _answer_text(response, deadline)
        except outbound.Refused as exc:
            return SendResult(False, str(exc), retryable=False)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            return SendResult(False, f"{type(exc).__name__}: {exc}", retryable=False)
        except httpx.HTTPError as exc:
            if deadline.cut_off:
                return SendResult(False, f"no complete answer within {self.timeout:g}s")
            return SendResult(False, f"{type(exc).__name__}: {exc}")
        finally:
            deadline.cancel()
        answer = f"HTTP {response.status_code} {response.reason_phrase}: {text}"
        if response.is_success:
            return SendResult(True, answer)
        retryable = response.status_code >= 500 or response.status_code in (408, 425, 429)
        return SendResult(False, answer, retryable=retryable)


def _answer_text(response: Any, deadline: Deadline) -> str:
    """The start of a webhook's answer body (ANSWER_BYTES at most; the rest is not read), on
    one line."""
    import httpx

    read = b""
    for chunk in response.iter_bytes():
        read += chunk
        if len(read) >= ANSWER_BYTES:
            break
        if deadline.expired:
            # As when the shut connection raises (which chunk comes first is a race): the
            # answer did not come in time, whatever its first bytes said.
            raise httpx.ReadTimeout("the answer did not come within the deadline")
    text = read[:ANSWER_BYTES].decode(response.encoding or "utf-8", errors="replace")
    return " ".join(text.split())


class DefaultSender:
    """Plain http(s) webhooks through WebhookSender, everything else through Apprise."""

    def __init__(self) -> None:
        self.webhook = WebhookSender()
        self.apprise = AppriseSender()

    def send(self, message: Outgoing) -> SendResult:
        if is_plain_webhook(message.url):
            return self.webhook.send(message)
        return self.apprise.send(message)


@dataclass
class FakeSender:
    """In-memory sender for unit tests: records messages; URLs in `failing` fail."""

    failing: set[str] = field(default_factory=set)
    permanent: set[str] = field(default_factory=set)
    sent: list[Outgoing] = field(default_factory=list)
    attempts: list[Outgoing] = field(default_factory=list)

    def send(self, message: Outgoing) -> SendResult:
        self.attempts.append(message)
        if message.url in self.permanent:
            return SendResult(False, "fake: rejected", retryable=False)
        if message.url in self.failing:
            return SendResult(False, "fake: unavailable")
        self.sent.append(message)
        return SendResult(True, "fake: accepted")

    def urls(self) -> list[str]:
        return [m.url for m in self.sent]


_sender: Sender | None = None
# The sender of the threads inside `sending_through`; never seen by any other thread.
_thread = threading.local()


def get_sender() -> Sender:
    """This thread's sender (`sending_through`), else the process's."""
    global _sender
    own: Sender | None = getattr(_thread, "sender", None)
    if own is not None:
        return own
    if _sender is None:
        _sender = DefaultSender()
    return _sender


def set_sender(sender: Sender | None) -> None:
    """Replace the process's sender (tests); None restores the default."""
    global _sender
    _sender = sender


@contextmanager
def sending_through(sender: Sender) -> Iterator[None]:
    """Deliveries made on this thread (only) go through `sender` while inside; the process's
    sender, and every other thread's, stay as they are."""
    with threadlocal.held(_thread, "sender", sender):
        yield
