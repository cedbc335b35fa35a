"""Authentication, sessions, CSRF, login limits, security headers."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple 42"
# "admin" in fullwidth letters (U+FF41...), which NFKC folds to "admin".
FULLWIDTH_ADMIN = "\uff41\uff44\uff4d\uff49\uff4e"


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    # Each login attempt hashes a password; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def user() -> User:
    return User.objects.create_superuser("ops", "ops@example.com", PASSWORD)


@pytest.fixture
def limits_redis(redis_server, settings):
    # Login attempts are counted in the broker's Redis: point it at the test server.
    settings.CELERY_BROKER_URL = redis_server.celery_url
    client = redis_server.client()
    for key in client.scan_iter("aiwatch:login:*"):
        client.delete(key)
    yield client
    for key in client.scan_iter("aiwatch:login:*"):
        client.delete(key)


def test_the_admin_needs_a_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_session_ends_when_the_password_changes(client, user):
    client.force_login(user)
    assert client.get("/admin/").status_code == 200
    user.set_password("another long passphrase 77")
    user.save()
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_login_form_needs_a_csrf_token(user):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"login": "ops", "password": PASSWORD})
    assert response.status_code == 403
    page = strict.get("/accounts/login/")
    assert b'name="csrfmiddlewaretoken"' in page.content


def test_require_login_makes_every_page_private(client, user, settings):
    settings.AIWATCH_REQUIRE_LOGIN = True
    for path in ("/", "/providers/openai/", "/incidents/", "/anything"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/?next="), path
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/api/v1/providers/").status_code == 401
    client.force_login(user)
    assert client.get("/").status_code != 302


def test_without_require_login_pages_are_public(client, settings):
    settings.AIWATCH_REQUIRE_LOGIN = False
    response = client.get("/")
    assert not (response.status_code == 302 and "/login/" in response["Location"])


def _fail_login(client: Client, username: str = "ops") -> int:
    return client.post("/accounts/login/", {"login": username, "password": "wrong"}).status_code


def test_login_attempts_are_limited_per_client_address(client, user, limits_redis, settings):
    settings.AIWATCH_LOGIN_ATTEMPTS = 3
    assert [_fail_login(client) for _ in range(3)] == [200, 200, 200]
    response = client.post("/accounts/login/", {"login": "ops", "password": PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    # Another user name from the same address is limited too.
    assert _fail_login(client, "someone-else") == 429


def test_the_limit_is_told_in_the_callers_language(user, limits_redis, settings):
    settings.AIWATCH_LOGIN_ATTEMPTS = 1
    settings.AIWATCH_LOGIN_WINDOW_SECONDS = 60
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert _fail_login(english) == 200
    response = english.post("/accounts/login/", {"login": "ops", "password": PASSWORD})
    assert response.status_code == 429
    assert response.content.decode() == (
        "Too many failed sign-in attempts. Try again in about 1 minute."
    )
    settings.AIWATCH_LOGIN_WINDOW_SECONDS = 15 * 60
    french = Client(HTTP_ACCEPT_LANGUAGE="fr", REMOTE_ADDR="198.51.100.7")
    assert _fail_login(french, "someone-else") == 200
    response = french.post("/accounts/login/", {"login": "someone-else", "password": "x"})
    assert response.status_code == 429
    assert response["Content-Language"] == "fr"
    assert response.content.decode() == (
        "Trop de tentatives de connexion échouées. Réessayez dans environ 15 minutes."
    )


def test_login_attempts_are_limited_per_user_name_across_addresses(user, limits_redis, settings):
    settings.AIWATCH_LOGIN_ATTEMPTS = 3
    for number in range(3):
        attacker = Client(REMOTE_ADDR=f"203.0.113.{number}")
        assert _fail_login(attacker) == 200
    assert _fail_login(Client(REMOTE_ADDR="203.0.113.99")) == 429


def test_a_successful_login_clears_the_user_name_count(client, user, limits_redis, settings):
    settings.AIWATCH_LOGIN_ATTEMPTS = 3
    for number in range(2):
        assert _fail_login(Client(REMOTE_ADDR=f"198.51.100.{number}")) == 200
    response = client.post("/accounts/login/", {"login": "ops", "password": PASSWORD})
    assert response.status_code == 302
    assert _fail_login(Client(REMOTE_ADDR="198.51.100.50")) == 200


def test_logins_still_work_when_redis_is_away(client, user, settings):
    settings.CELERY_BROKER_URL = "redis+socket:///nonexistent/redis.sock"
    response = client.post("/accounts/login/", {"login": "ops", "password": PASSWORD})
    assert response.status_code == 302


def test_pages_carry_the_security_headers(client):
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_https_responses_carry_hsts_in_production(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_compatibility_spelling_of_a_locked_user_name_is_locked_too(limits_redis, settings):
    # Django's login form folds a fullwidth "admin" to "admin" before authenticating: the
    # limit must count and check the same name, or the lock is one keyboard away.
    User.objects.create_superuser("admin", "admin@example.com", PASSWORD)
    settings.AIWATCH_LOGIN_ATTEMPTS = 3
    for number in range(3):
        assert _fail_login(Client(REMOTE_ADDR=f"203.0.113.{number}"), "admin") == 200
    for spelling in (FULLWIDTH_ADMIN, "ADMIN", " admin"):
        response = Client(REMOTE_ADDR="203.0.113.77").post(
            "/accounts/login/", {"login": spelling, "password": PASSWORD}
        )
        assert response.status_code == 429, spelling


def test_forwarded_for_is_read_from_the_trusted_proxy_not_the_client(user, limits_redis, settings):
    # The client writes whatever it likes at the left of X-Forwarded-For; our proxy appends the
    # address it saw. Each attempt below invents a new left entry from one real address.
    settings.AIWATCH_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.AIWATCH_TRUSTED_PROXY_HOPS = 1
    settings.AIWATCH_LOGIN_ATTEMPTS = 3
    codes = [
        _fail_login(
            Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.9"),
            f"guess-{n}",
        )
        for n in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    # Another real client behind the same proxy is not locked out.
    other = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert _fail_login(other, "guess-x") == 200


def test_trusted_hops_are_counted_from_the_right():
    from aiwatch.access import forwarded_address

    chain = "6.6.6.6, 203.0.113.9, 10.0.0.5"
    assert forwarded_address(chain, hops=1) == "10.0.0.5"
    assert forwarded_address(chain, hops=2) == "203.0.113.9"
    # Fewer entries than hops: the leftmost is all there is.
    assert forwarded_address("203.0.113.9", hops=2) == "203.0.113.9"
    assert forwarded_address(" 2001:DB8::1 ,", hops=1) == "2001:db8::1"


def test_the_admin_signs_in_on_the_one_sign_in_page(client, user):
    # The admin's own form would skip the second factor: its login leads to /accounts/login/.
    response = client.get("/admin/login/?next=/admin/probes/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fprobes%2F"
    signed_in = client.post(
        "/accounts/login/?next=/admin/probes/", {"login": "ops", "password": PASSWORD}
    )
    assert signed_in["Location"] == "/admin/probes/"


def test_the_admin_sign_in_never_sends_people_to_another_site(client):
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
