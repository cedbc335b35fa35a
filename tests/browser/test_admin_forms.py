"""The admin's source and provider forms in a real browser, in English and French: the filter
picker, Detect's dry run and Poll now, screenshotted for a look."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from probes.models import Feature, ServedModel, Source
from tests.browser.conftest import SCREENSHOTS, PageProblems
from tests.conftest import load_fixture
from tests.factories import make_component, make_provider, make_source
from tests.fakeserver import FakeServer

pytestmark = [pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, live_server: Any) -> None:
    get_user_model().objects.create_superuser("admin", "admin@example.com", "a-long-password-1")
    # The admin's login sends people to the site's sign-in page.
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("input[name=login]", "admin")
    page.fill("input[name=password]", "a-long-password-1")
    page.click("main form button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/admin/")


@pytest.mark.parametrize(
    ("language", "detect", "poll_now"),
    [("en", "Detect", "Poll now"), ("fr", "Détecter", "Relever maintenant")],
)
def test_the_source_form_detects_and_polls_in_a_browser(
    live_server: Any,
    browser: Any,
    page_problems: PageProblems,
    status_server: FakeServer,
    language: str,
    detect: str,
    poll_now: str,
) -> None:
    status_server.set("/api/v2/summary.json", load_fixture("statuspage/summary_major_outage.json"))
    provider = make_provider("acme", name="Acme AI", capabilities=["chat", "code"])
    source = make_source(provider, url="https://status.acme.test/old.json")
    make_component(provider, "API", external_id="cmp0api00002", source=source)
    context = browser.new_context(
        timezone_id="UTC", locale=language, extra_http_headers={"Accept-Language": language}
    )
    # The admin's pages name no icon, so the browser asks for /favicon.ico; that 404 is not
    # the forms' doing.
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=b""))
    page = context.new_page()
    page_problems.watch(page)
    missing: list[str] = []
    page.on("response", lambda answer: missing.append(answer.url) if answer.status >= 400 else None)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        sign_in(page, live_server)
        page.goto(f"{live_server.url}/admin/probes/source/{source.pk}/change/")
        expect(page.locator("input[name=filters_components][value=cmp0api00002]")).to_be_visible()
        page.fill("input[name=url]", status_server.url("/api/v2/summary.json"))
        page.get_by_role("button", name=detect).click()
        expect(page.locator(".aiwatch-dry-run")).to_contain_text("statuspage")
        # The dry run's components are offered now; nothing was saved.
        expect(page.locator("input[name=filters_components][value=cmp0con00003]")).to_be_visible()
        assert Source.objects.get(pk=source.pk).url == "https://status.acme.test/old.json"
        page.screenshot(
            path=str(SCREENSHOTS / f"admin-source-detect-{language}.png"), full_page=True
        )

        page.locator("input[name=filters_components][value=cmp0con00003]").check()
        page.locator("input[name=_save]").click()
        source.refresh_from_db()
        assert source.filters == {"components": ["cmp0con00003"]}

        page.goto(f"{live_server.url}/admin/probes/source/{source.pk}/change/")
        page.get_by_role("button", name=poll_now).click()
        expect(page.locator(".messagelist")).to_contain_text("statuspage")
        page.screenshot(
            path=str(SCREENSHOTS / f"admin-source-polled-{language}.png"), full_page=True
        )

        page.goto(f"{live_server.url}/admin/probes/provider/{provider.pk}/change/")
        expect(page.locator("input[name=capabilities][value=code]")).to_be_checked()
        page.screenshot(path=str(SCREENSHOTS / f"admin-provider-{language}.png"), full_page=True)
        page.goto(f"{live_server.url}/admin/alerts/channel/add/")
        page.screenshot(path=str(SCREENSHOTS / f"admin-channel-{language}.png"), full_page=True)
    finally:
        context.close()
    assert missing == []
    assert page_problems.messages == []


@pytest.mark.parametrize(
    ("language", "components", "shown_as"),
    [("en", "Components", "Shown as"), ("fr", "Composants", "Affiché comme")],
)
def test_the_feature_form_picks_dependencies_and_fallbacks_in_a_browser(
    live_server: Any,
    browser: Any,
    page_problems: PageProblems,
    language: str,
    components: str,
    shown_as: str,
) -> None:
    openai = make_provider("openai", name="OpenAI")
    for name in ("API", "Chat", "Sora"):
        make_component(openai, name)
    ServedModel.objects.create(provider=openai, slug="gpt-4o", name="GPT-4o")
    anthropic = make_provider("anthropic", name="Anthropic")
    ServedModel.objects.create(provider=anthropic, slug="claude-sonnet-4", name="Claude Sonnet 4")
    feature = Feature.objects.create(
        slug="support-bot",
        name="Support bot",
        depends_on=[{"provider": "openai", "components": ["API"]}],
        fallbacks=[{"provider": "anthropic", "label": "Claude"}],
    )
    context = browser.new_context(
        timezone_id="UTC", locale=language, extra_http_headers={"Accept-Language": language}
    )
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=b""))
    page = context.new_page()
    page_problems.watch(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        sign_in(page, live_server)
        page.goto(f"{live_server.url}/admin/probes/feature/{feature.pk}/change/")
        openai_row = page.locator("details.aiwatch-dep", has_text="OpenAI")
        expect(openai_row.locator("legend", has_text=components)).to_be_visible()
        expect(page.get_by_text(shown_as).first).to_be_visible()
        openai_row.locator("input[name=depends_on_openai_components][value=Chat]").check()
        openai_row.locator("input[name=depends_on_openai_models][value=gpt-4o]").check()
        page.select_option("select[name=fallbacks_0_model]", "claude-sonnet-4")
        page.screenshot(path=str(SCREENSHOTS / f"admin-feature-{language}.png"), full_page=True)
        page.locator("input[name=_continue]").click()
        expect(page.locator(".messagelist")).to_be_visible()
        feature.refresh_from_db()
        assert feature.depends_on == [
            {"provider": "openai", "components": ["API", "Chat"], "models": ["gpt-4o"]}
        ]
        assert feature.fallbacks == [
            {"provider": "anthropic", "model": "claude-sonnet-4", "label": "Claude"}
        ]
    finally:
        context.close()
    assert page_problems.messages == []
