"""Playwright driving Debian's chromium (never a downloaded browser) against `live_server`.

Every test here is marked `browser` and skipped, saying why, where /usr/bin/chromium is absent.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Where the screenshots go (.ci/run prints it); AIWATCH_SCREENSHOTS moves it.
SCREENSHOTS = Path(
    os.environ.get(
        "AIWATCH_SCREENSHOTS", Path(__file__).resolve().parents[2] / "var" / "screenshots"
    )
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)
            if not os.access(CHROMIUM, os.X_OK):
                item.add_marker(pytest.mark.skip(reason=f"chromium is not installed at {CHROMIUM}"))


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """One chromium per test: Playwright's sync API keeps an event loop running on this thread
    while it is open, which the rest of the suite (asyncio.run in the poller) must not meet."""
    from playwright.sync_api import sync_playwright

    # The tests' own ORM calls are plain synchronous ones between Playwright's calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageProblems:
    """Console errors, uncaught exceptions and CSP violations a page reported."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def watch(self, page: Any) -> None:
        page.on(
            "console",
            lambda message: (
                self.messages.append(f"console {message.type}: {message.text}")
                if message.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda error: self.messages.append(f"page error: {error}"))


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(timezone_id="UTC", locale="en-GB")
    # The zone cookie set up front: timezone.js would otherwise reload a first visit once.
    context.add_cookies([{"name": "tz", "value": "UTC", "url": "http://localhost"}])
    yield context
    context.close()


@pytest.fixture
def page(context: Any, page_problems: PageProblems) -> Iterator[Any]:
    page = context.new_page()
    page_problems.watch(page)
    yield page
    page.close()
