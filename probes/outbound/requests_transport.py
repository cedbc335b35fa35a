"""The address policy for code that speaks HTTP through `requests`: Apprise's plugins.

Apprise's services (Slack, Teams, ntfy, json://...) send with module-level `requests.post()`
and friends, which build a fresh `requests.sessions.Session` for every call. `install()`
replaces that class, once per process, with one whose transport is `PinnedAdapter`:

* every request, and so every redirect hop, passes `check_url` (scheme, host, port, every
  address the name resolves to, AIWATCH_OUTBOUND_ALLOW with its ports and schemes);
* the connection goes to the address that check approved (the URL carries the address, the
  Host header and TLS SNI / certificate check carry the name), so DNS rebinding cannot steer it;
* redirects are refused outright (a chat API that redirects is misconfigured), proxies and
  proxy variables from the environment are ignored.

Nothing else in the project uses `requests`; AI Watch's own requests go through
`probes.outbound.fetch`. The refusals of the current send are collected (`refusals()`), so the
channel's error says why instead of Apprise's generic "connection error".
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import requests
import requests.adapters
import requests.sessions
from django.conf import settings

from probes.outbound.errors import FetchError
from probes.outbound.policy import check_url

_SNI_ATTRIBUTE = "_aiwatch_server_name"
_refused: ContextVar[list[str] | None] = ContextVar("aiwatch_requests_refused", default=None)
_install_lock = threading.Lock()


class PolicyRefused(requests.exceptions.ConnectionError):
    """The address policy refused a request (a RequestException, as Apprise's plugins expect)."""


class PinnedAdapter(requests.adapters.HTTPAdapter):
    """A `requests` transport that checks every request and connects to the checked address."""

    def send(  # type: ignore[override]
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        original = request.url or ""
        try:
            target = check_url(original)
        except FetchError as error:
            _note(f"{error.kind}: {error}")
            raise PolicyRefused(f"refused by the outbound address policy: {error}") from None
        request.url = str(target.connect_url)
        request.headers["Host"] = target.host_header
        if target.url.scheme == "https" and not _is_ip(target.host):
            setattr(request, _SNI_ATTRIBUTE, target.host)
        response = super().send(
            request,
            stream=stream,
            timeout=_bounded(timeout),
            verify=verify,
            cert=cert,
            proxies=None,
        )
        request.url = original
        response.url = original
        if response.is_redirect:
            response.close()
            reason = f"{target.host} answered with a redirect, which is not followed"
            _note(f"redirects: {reason}")
            raise PolicyRefused(reason)
        return response

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        server_name = getattr(request, _SNI_ATTRIBUTE, "")
        if server_name:
            # The URL holds the address; TLS is negotiated and verified for the name.
            pool_kwargs["server_hostname"] = server_name
            pool_kwargs["assert_hostname"] = server_name
        return host_params, pool_kwargs

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        raise PolicyRefused("proxies are not used: they would reach addresses nobody checked")


class PinnedSession(requests.sessions.Session):
    """What `requests.post()` and friends use once `install()` ran: the policy on every hop."""

    def __init__(self) -> None:
        super().__init__()
        self.trust_env = False
        self.max_redirects = 0
        adapter = PinnedAdapter()
        self.mount("http://", adapter)
        self.mount("https://", adapter)


def install() -> None:
    """Make every module-level `requests` call in this process go through `PinnedAdapter`."""
    with _install_lock:
        if requests.sessions.Session is not PinnedSession:
            # requests.api looks the class up on the module at each call.
            requests.sessions.Session = PinnedSession  # type: ignore[misc]


@contextmanager
def collecting_refusals() -> Iterator[list[str]]:
    """Collect why requests were refused during the block (in this thread or task)."""
    found: list[str] = []
    token = _refused.set(found)
    try:
        yield found
    finally:
        _refused.reset(token)


def _note(reason: str) -> None:
    found = _refused.get()
    if found is not None:
        found.append(reason)


def _bounded(timeout: Any) -> tuple[float, float]:
    """The plugin's (connect, read) timeouts, never longer than the seam's own."""
    connect_cap = float(settings.AIWATCH_HTTP_CONNECT_TIMEOUT)
    read_cap = float(settings.AIWATCH_HTTP_READ_TIMEOUT)
    if isinstance(timeout, tuple) and len(timeout) == 2:
        connect, read = timeout
    elif isinstance(timeout, int | float):
        connect = read = timeout
    else:
        connect, read = connect_cap, read_cap
    return (min(float(connect or connect_cap), connect_cap), min(float(read or read_cap), read_cap))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
