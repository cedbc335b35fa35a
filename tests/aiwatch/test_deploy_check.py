"""Production settings pass `manage.py check --deploy` with no warnings at all."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings


def run_deploy_check(**extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "aiwatch.example.com",
        **extra,
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deploy_check_with_no_warnings():
    result = run_deploy_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_development_key_is_refused_in_production():
    result = run_deploy_check(SECRET_KEY=settings.DEVELOPMENT_SECRET_KEY)
    assert result.returncode != 0
    assert "aiwatch.E002" in result.stderr


def test_a_visibility_timeout_below_the_task_time_limit_is_refused():
    result = run_deploy_check(CELERY_VISIBILITY_TIMEOUT="60")
    assert result.returncode != 0
    assert "aiwatch.E005" in result.stderr


@pytest.mark.parametrize("secret", [None, "", "   "])
def test_the_web_process_refuses_to_start_in_production_without_a_secret_key(secret):
    # gunicorn imports aiwatch.wsgi and never runs system checks: the refusal must happen there.
    env = {**os.environ, "DEBUG": "False", "ALLOWED_HOSTS": "aiwatch.example.com"}
    env.pop("SECRET_KEY", None)
    env.pop("SECRET_KEY_FILE", None)
    env.pop("PYTEST_CURRENT_TEST", None)
    if secret is not None:
        env["SECRET_KEY"] = secret
    result = subprocess.run(
        [sys.executable, "-c", "import aiwatch.wsgi"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set while DEBUG is off" in result.stderr
    assert "refusing to start with the public development key" in result.stderr


def test_the_development_key_still_serves_with_debug_on():
    env = {**os.environ, "DEBUG": "True"}
    env.pop("SECRET_KEY", None)
    env.pop("PYTEST_CURRENT_TEST", None)
    result = subprocess.run(
        [sys.executable, "-c", "import aiwatch.wsgi"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_gunicorn_does_not_serve_with_the_public_development_key():
    env = {**os.environ, "DEBUG": "False", "ALLOWED_HOSTS": "aiwatch.example.com"}
    env.pop("SECRET_KEY", None)
    env.pop("SECRET_KEY_FILE", None)
    env.pop("PYTEST_CURRENT_TEST", None)
    result = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), "aiwatch.wsgi", "--bind", "127.0.0.1:0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "refusing to start with the public development key" in result.stderr
