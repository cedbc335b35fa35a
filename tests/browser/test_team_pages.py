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
