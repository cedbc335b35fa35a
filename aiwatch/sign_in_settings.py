"""Sign-in settings (django-allauth) and mail, read from environment variables.

Imported by aiwatch/settings.py; people/sso.py holds the rules these settings feed.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from aiwatch.environment import envbool, envint, envlist, envsecret

# Local accounts sign in with their user name or e-mail address; nobody signs up on their own
# (an admin creates local accounts, single sign-on creates the others).
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "people.sso.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Failed logins are counted in Redis by aiwatch.access (shared by every web process); allauth's
# own per-process count would only disagree with it.
ACCOUNT_RATE_LIMITS = {"login_failed": None}
SOCIALACCOUNT_ADAPTER = "people.sso.SocialAccountAdapter"
# Tokens from the identity provider are used once, to read who signed in, and not kept.
SOCIALACCOUNT_STORE_TOKENS = False
# The sign-in button posts (a link that signs in on GET could be followed by another site).
SOCIALACCOUNT_LOGIN_ON_GET = False
# A person whose address the identity provider says it verified, and whose domain is allowed,
# signs in to the local account that has that address (an admin made it before they used single
# sign-on), and the two are connected from then on, rather than meeting a sign-up form. An
# address the provider does not vouch for never does (people/sso.py refuses it). allauth then
# ends password sign-in for that local account unless its address is marked verified (admin,
# E-mail addresses): whoever set that password cannot keep a way in beside the provider.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_AUTO_SIGNUP = True
# (people/sso.py also holds every request to the seam's connect and read timeouts.)
SOCIALACCOUNT_REQUESTS_TIMEOUT = int(float(os.getenv("AIWATCH_HTTP_TOTAL_TIMEOUT", "20")))
# OpenID Connect (Google Workspace, Microsoft Entra ID, Okta, Keycloak...): on when the issuer
# and the client id are set. The client secret comes from AIWATCH_OIDC_CLIENT_SECRET or the file
# AIWATCH_OIDC_CLIENT_SECRET_FILE names; it lives only in this process's settings (no database
# row), and as an AIWATCH_ name it can never be put into a channel URL (probes/outbound/secrets).
AIWATCH_OIDC_ISSUER = os.getenv("AIWATCH_OIDC_ISSUER", "").strip().rstrip("/")
AIWATCH_OIDC_CLIENT_ID = os.getenv("AIWATCH_OIDC_CLIENT_ID", "").strip()
AIWATCH_OIDC_CLIENT_SECRET = envsecret("AIWATCH_OIDC_CLIENT_SECRET", "")
# The sign-in button's label, e.g. "Acme Okta".
AIWATCH_OIDC_NAME = os.getenv("AIWATCH_OIDC_NAME", "").strip() or "Single sign-on"
# E-mail domains whose people may sign in through it, e.g. "example.com,example.org"; "*" allows
# any domain the provider vouches for. Empty: nobody (a system check warns).
AIWATCH_SSO_ALLOWED_DOMAINS = [
    domain.lower().lstrip("@") for domain in envlist("AIWATCH_SSO_ALLOWED_DOMAINS")
]
# The role of a person the first time they sign in through it (aiwatch/roles.py).
AIWATCH_SSO_DEFAULT_ROLE = os.getenv("AIWATCH_SSO_DEFAULT_ROLE", "").strip() or "viewer"
if AIWATCH_SSO_DEFAULT_ROLE not in ("viewer", "editor", "admin"):
    raise ImproperlyConfigured(
        "AIWATCH_SSO_DEFAULT_ROLE must be viewer, editor or admin, "
        f"not {AIWATCH_SSO_DEFAULT_ROLE!r}"
    )
SOCIALACCOUNT_PROVIDERS: dict[str, dict[str, object]] = {
    "openid_connect": {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": (
            [
                {
                    "provider_id": "sso",
                    "name": AIWATCH_OIDC_NAME,
                    "client_id": AIWATCH_OIDC_CLIENT_ID,
                    "secret": AIWATCH_OIDC_CLIENT_SECRET,
                    "settings": {"server_url": AIWATCH_OIDC_ISSUER},
                }
            ]
            if AIWATCH_OIDC_ISSUER and AIWATCH_OIDC_CLIENT_ID
            else []
        ),
    }
}


def form_action_sources(issuer: str) -> list[str]:
    """CSP form-action for the sign-in page: this site, and the identity provider's origin.

    The single sign-on button posts here and is redirected to the provider's authorize
    endpoint, and browsers hold a form's redirects to form-action too: without the provider's
    origin the button does nothing. (Google, Entra ID, Okta and Keycloak serve that endpoint
    under the issuer's origin.)
    """
    parts = urlsplit(issuer)
    if not (parts.scheme and parts.netloc):
        return ["'self'"]
    return ["'self'", f"{parts.scheme}://{parts.netloc}"]


# Second factor: TOTP apps (and recovery codes). With AIWATCH_REQUIRE_MFA every account that
# signs in with a password must set one up before it sees anything else; people who sign in
# through the identity provider get its second factor instead.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "AI Watch"
AIWATCH_REQUIRE_MFA = envbool("AIWATCH_REQUIRE_MFA", False)
# Personal alerts by e-mail, and allauth's password-reset mail: Django's SMTP settings.
EMAIL_BACKEND = os.getenv("EMAIL_BACKEND", "").strip() or (
    "django.core.mail.backends.smtp.EmailBackend"
    if os.getenv("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.getenv("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "") or "AI Watch <aiwatch@localhost>"
