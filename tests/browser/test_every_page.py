"""Every page in both languages and both colour schemes: no console error, no CSP violation,
and a full-page screenshot for a person to look at (var/screenshots/ unless
AIWATCH_SCREENSHOTS says), named page-language-theme.png."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.browser.scene import CSP_LISTENER, csp_violations, make_scene

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_renders_cleanly_and_is_photographed(
    live_server: Any, browser: Any, scheme: str, language: str
) -> None:
    pages = make_scene()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        timezone_id="UTC", color_scheme=scheme, locale={"en": "en-GB", "fr": "fr-FR"}[language]
    )
    context.add_cookies([{"name": "tz", "value": "UTC", "url": live_server.url}])
    context.add_init_script(CSP_LISTENER)
    problems: list[str] = []
    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            problems.append(f"{page.url}: {message.text}") if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    try:
        for name, path in pages.items():
            response = page.goto(f"{live_server.url}{path}", wait_until="networkidle")
            assert response is not None, path
            assert response.status == 200, path
            assert page.evaluate("document.documentElement.lang") == language, path
            assert page.evaluate("document.documentElement.dataset.scheme") == scheme, path
            problems.extend(f"{path}: CSP {violation}" for violation in csp_violations(page))
            page.screenshot(
                path=str(SCREENSHOTS / f"{name}-{language}-{scheme}.png"), full_page=True
            )
    finally:
        context.close()
    assert problems == []
