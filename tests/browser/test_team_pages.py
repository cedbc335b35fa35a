"""An editor acknowledges an incident in a real browser, a teammate reports being affected, and
both show where the team looks: the provider page and the overview, on a phone and at night."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from aiwatch.roles import EDITOR, set_role
from probes.models import Acknowledgement
from tests.aiwatch.oidc_provider import OidcProvider, use_provider
from tests.browser.conftest import SCREENSHOTS, PageProblems
from tests.factories import make_incident, make_provider, make_read_source

pytestmark = [pytest.mark.django_db(transaction=True)]


def sign_in(context: Any, live_server: Any, user: User) -> None:
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_acknowledge_and_report_from_the_provider_page(
    live_server: Any, browser: Any, page_problems: PageProblems
) -> None:
    now = timezone.now()
    provider = make_provider("openai", name="OpenAI", status="major_outage")
    make_read_source(provider, at=now)
    make_incident(
        provider, "Elevated errors on chat completions", started_at=now - timedelta(minutes=9)
    )
    erin = User.objects.create_user("erin", first_name="Erin", last_name="Lopez")
    set_role(erin, EDITOR)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    for name, options in (
        ("desktop", {"viewport": {"width": 1280, "height": 900}}),
        ("phone-night", {"viewport": {"width": 390, "height": 844}, "color_scheme": "dark"}),
    ):
        context = browser.new_context(timezone_id="UTC", locale="en-GB", **options)
        context.add_cookies([{"name": "tz", "value": "UTC", "url": live_server.url}])
        sign_in(context, live_server, erin)
        page = context.new_page()
        page_problems.watch(page)
        page.goto(f"{live_server.url}/providers/openai/")
        if name == "desktop":
            page.fill("#report-note", "chat completions time out")
            page.click("#team-reports button[type=submit]")
            expect(page.locator("#affected")).to_contain_text("Erin Lopez")
            form = page.locator("#acknowledge form")
            form.locator("input[name=on_it]").fill("Erin and Sam")
            form.locator("input[name=note]").fill("support bot on the spare model")
            form.locator("button[type=submit]").click()
        expect(page.locator("#acknowledge")).to_contain_text("Acknowledged: plan B in place")
        expect(page.locator("#acknowledge")).to_contain_text("Erin and Sam")
        page.locator("#acknowledge").screenshot(path=str(SCREENSHOTS / f"acknowledge-{name}.png"))
        page.locator("#team-reports").screenshot(path=str(SCREENSHOTS / f"affected-{name}.png"))
        page.goto(f"{live_server.url}/")
        expect(page.locator("#acknowledged")).to_contain_text("acknowledged by Erin Lopez")
        page.screenshot(path=str(SCREENSHOTS / f"overview-acknowledged-{name}.png"))
        context.close()
    assert page_problems.messages == []


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "acknowledgement"), ("fr", "prise en charge")]
)
def test_an_admin_reads_the_acknowledgements(
    live_server: Any, browser: Any, page_problems: PageProblems, language: str, heading: str
) -> None:
    now = timezone.now()
    provider = make_provider("openai", name="OpenAI", status="major_outage")
    incident = make_incident(provider, "Elevated errors", started_at=now - timedelta(minutes=9))
    Acknowledgement.objects.create(
        provider=provider, incident=incident, by_name="Erin", on_it="Erin and Sam", at=now
    )
    admin = User.objects.create_superuser("root", "root@example.com", "a-long-password-1")
    context = browser.new_context(
        timezone_id="UTC", locale=language, extra_http_headers={"Accept-Language": language}
    )
    context.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=b""))
    sign_in(context, live_server, admin)
    page = context.new_page()
    page_problems.watch(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/admin/probes/acknowledgement/")
    expect(page.locator("#result_list")).to_contain_text("Erin and Sam")
    expect(page.locator("h1")).to_contain_text(heading)
    page.screenshot(path=str(SCREENSHOTS / f"admin-acknowledgements-{language}.png"))
    context.close()
    assert page_problems.messages == []


def test_single_sign_on_refuses_an_unconfirmed_address_of_a_local_account(
    live_server: Any, browser: Any, page_problems: PageProblems, settings: Any
) -> None:
    User.objects.create_user("ada", "ada@example.com", "a-long-password-1")
    with OidcProvider() as oidc:
        use_provider(settings, oidc, domains=["example.com"], role="viewer")
        oidc.sign_in_as("ada@example.com")
        del oidc.person["email_verified"]
        context = browser.new_context(timezone_id="UTC", locale="fr")
        context.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=b""))
        page = context.new_page()
        page_problems.watch(page)
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_role("button", name="Team SSO").click()
        expect(page.locator("h1")).to_contain_text("Connexion refusée")
        expect(page.locator("main, body").first).to_contain_text("plusieurs comptes")
        page.screenshot(path=str(SCREENSHOTS / "sso-refused-existing-fr.png"))
        context.close()
    # The refusal answers 403, which the browser logs; nothing else went wrong.
    assert all("403" in message for message in page_problems.messages), page_problems.messages
