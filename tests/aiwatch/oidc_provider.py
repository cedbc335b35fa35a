"""A small OpenID Connect provider on 127.0.0.1 for the single sign-on tests.

It speaks the authorization-code flow as Okta, Entra ID or Keycloak do, with what allauth needs:
discovery, an authorize endpoint that signs in whoever the test names (`sign_in_as`), a token
endpoint that checks the client's id and secret, the code and its PKCE verifier, an RS256-signed
id_token, the signing keys (JWKS) and user info. Every request is recorded.

`use_provider` points the site's settings at it, `sign_in` walks a test client through the
sign-in button, the provider and the way back, as a browser would.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from aiwatch.sign_in_settings import form_action_sources

KEY_ID = "test-key-1"
# The sign-in button of the provider `use_provider` configures.
LOGIN = "/accounts/oidc/sso/login/"


@dataclass
class Grant:
    claims: dict[str, Any]
    client_id: str
    redirect_uri: str
    nonce: str
    code_challenge: str
    used: bool = False


@dataclass
class Recorded:
    method: str
    path: str
    body: str = ""


@dataclass
class OidcProvider:
    client_id: str = "aiwatch-test-client"
    client_secret: str = field(default_factory=lambda: "s3cr3t-" + secrets.token_urlsafe(16))
    person: dict[str, Any] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.grants: dict[str, Grant] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def issuer(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def sign_in_as(self, email: str, *, sub: str | None = None, **claims: Any) -> None:
        self.person = {
            "sub": sub or hashlib.sha256(email.encode()).hexdigest()[:16],
            "email": email,
            "email_verified": True,
            "name": email.split("@")[0].title(),
            "preferred_username": email.split("@")[0],
            **claims,
        }

    def __enter__(self) -> OidcProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # The endpoints ---------------------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict[str, Any]:
        key = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**key, "kid": KEY_ID, "use": "sig", "alg": "RS256"}]}

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if query.get("client_id") != self.client_id or not self.person:
            return 400, {}, b"unknown client or nobody to sign in"
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(
            claims=dict(self.person),
            client_id=query["client_id"],
            redirect_uri=query["redirect_uri"],
            nonce=query.get("nonce", ""),
            code_challenge=query.get("code_challenge", ""),
        )
        params = urlencode({"code": code, "state": query["state"]})
        location = f"{query['redirect_uri']}?{params}"
        return 302, {"Location": location}, b""

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("client_id") != self.client_id or form.get("client_secret") != (
            self.client_secret
        ):
            return 401, {"error": "invalid_client"}
        grant = self.grants.get(form.get("code", ""))
        if grant is None or grant.used or grant.redirect_uri != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        if grant.code_challenge:
            verifier = form.get("code_verifier", "").encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
            if digest.decode() != grant.code_challenge:
                return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        grant.used = True
        now = int(time.time())
        id_token = jwt.encode(
            {
                **grant.claims,
                "iss": self.issuer,
                "aud": self.client_id,
                "iat": now,
                "exp": now + 300,
                **({"nonce": grant.nonce} if grant.nonce else {}),
            },
            self.key,
            algorithm="RS256",
            headers={"kid": KEY_ID},
        )
        access = secrets.token_urlsafe(16)
        self.tokens[access] = grant.claims
        return 200, {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(
                self, status: int, body: Any, headers: dict[str, str] | None = None
            ) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                if not isinstance(body, bytes):
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                provider.requests.append(Recorded("GET", url.path))
                query = {key: values[0] for key, values in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._answer(200, provider.discovery())
                elif url.path == "/jwks":
                    self._answer(200, provider.jwks())
                elif url.path == "/authorize":
                    status, headers, body = provider.authorize(query)
                    self._answer(status, body, headers)
                elif url.path == "/userinfo":
                    _, _, access = self.headers.get("Authorization", "").partition(" ")
                    claims = provider.tokens.get(access)
                    self._answer(200 if claims else 401, claims or {"error": "invalid_token"})
                else:
                    self._answer(404, {"error": "not found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode()
                url = urlsplit(self.path)
                provider.requests.append(Recorded("POST", url.path, body))
                if url.path != "/token":
                    self._answer(404, {"error": "not found"})
                    return
                form = {key: values[0] for key, values in parse_qs(body).items()}
                status, answer = provider.token(form)
                self._answer(status, answer)

        return Handler


# Using it from the site --------------------------------------------------------------------


def use_provider(settings: Any, oidc: OidcProvider, *, domains: list[str], role: str) -> None:
    """Point the site's single sign-on at `oidc` (`settings`: pytest-django's fixture)."""
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "sso",
                    "name": "Team SSO",
                    "client_id": oidc.client_id,
                    "secret": oidc.client_secret,
                    "settings": {"server_url": oidc.issuer},
                }
            ],
        }
    }
    settings.AIWATCH_SSO_ALLOWED_DOMAINS = domains
    settings.AIWATCH_SSO_DEFAULT_ROLE = role
    # As aiwatch/settings.py does for AIWATCH_OIDC_ISSUER: the button may lead there.
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = form_action_sources(oidc.issuer)
    settings.CONTENT_SECURITY_POLICY = policy


def sign_in(client: Any, provider: OidcProvider) -> Any:
    """Press the sign-in button, let the provider sign the person in, come back."""
    start = client.post(LOGIN)
    assert start.status_code == 302, start.content[:300]
    authorize = start["Location"]
    assert authorize.startswith(f"{provider.issuer}/authorize?")
    back = httpx.get(authorize, follow_redirects=False)
    assert back.status_code == 302, back.text
    callback = urlsplit(back.headers["Location"])
    return client.get(f"{callback.path}?{callback.query}")


def signed_in_user(client: Any) -> Any:
    """The user the test client's session is signed in as, or None."""
    from django.contrib.auth.models import User

    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None
