"""A person signs in with the form, adds a channel and a subscription on /me/, in both languages."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from aiwatch.roles import VIEWER, set_role
from alerts.models import Channel, PersonalSubscription
from tests.browser.conftest import SCREENSHOTS, PageProblems
from tests.factories import make_provider

pytestmark = [pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def person() -> User:
    user = User.objects.create_user("vera", "vera@example.com", PASSWORD)
    set_role(user, VIEWER)
    return user


def sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/accounts/login/?next=/me/")
    page.fill("input[name=login]", "vera")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    expect(page).to_have_url(f"{base}/me/")


def test_a_person_sets_up_their_own_alerts(
    live_server: Any, browser: Any, person: User, page_problems: PageProblems
) -> None:
    make_provider("openai", name="OpenAI")
    context = browser.new_context(
        timezone_id="UTC", locale="en-GB", viewport={"width": 390, "height": 844}
    )
    context.add_cookies([{"name": "tz", "value": "UTC", "url": live_server.url}])
    page = context.new_page()
    page_problems.watch(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/accounts/login/")
    page.screenshot(path=SCREENSHOTS / "sign-in.png", full_page=True)
    sign_in(page, live_server.url)

    page.fill("#channels input[name=label]", "work")
    page.select_option("#channels select[name=kind]", "email")
    page.fill("#channels input[name=url]", "vera@example.com")
    page.fill("#channels input[name=quiet_from]", "22:00")
    page.fill("#channels input[name=quiet_until]", "07:00")
    page.click("#channels form.me-form button[type=submit]")
    expect(page.locator("#channels table")).to_contain_text("vera: work")

    page.check("#subscriptions input[name=providers] >> nth=0")
    page.check("#subscriptions input[name=events][value=outage]")
    page.click("#subscriptions form.me-form button[type=submit]")
    expect(page.locator("#subscriptions table")).to_contain_text("OpenAI")
    page.screenshot(path=SCREENSHOTS / "my-page.png", full_page=True)

    page.select_option("#preferences select[name=language]", "fr")
    page.click("#preferences form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Ma page")
    page.screenshot(path=SCREENSHOTS / "my-page-fr.png", full_page=True)

    assert Channel.objects.get(owner=person).quiet_from is not None
    assert PersonalSubscription.objects.get(owner=person).events == ["outage"]
    assert page_problems.messages == []
    context.close()


def test_stars_made_before_signing_in_move_to_the_server(
    live_server: Any, page: Any, person: User, page_problems: PageProblems
) -> None:
    from django.utils import timezone

    from people.models import Watch
    from tests.factories import make_read_source

    for slug in ("alpha", "bravo"):
        make_read_source(make_provider(slug, name=slug.title()), at=timezone.now())
    page.goto(f"{live_server.url}/")
    page.click("[data-watch-star=alpha]")
    assert page.evaluate("window.localStorage.getItem('aiwatch.watched')") == '["alpha"]'

    page.goto(f"{live_server.url}/accounts/login/?next=/")
    page.fill("input[name=login]", "vera")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.locator("[data-watch-star=alpha]")).to_have_attribute("aria-pressed", "true")
    # The browser's list moved to the server, once: the browser keeps none of its own.
    # As a function: an expression is polled through eval, which the site's CSP refuses.
    page.wait_for_function("() => window.localStorage.getItem('aiwatch.watched') === null")
    assert list(Watch.objects.filter(user=person).values_list("provider__slug", flat=True)) == [
        "alpha"
    ]

    page.click("[data-watch-star=bravo]")
    expect(page.locator("[data-watch-star=bravo]")).to_have_attribute("aria-pressed", "true")
    two_stars = "b => b.providers.length === 2"
    page.wait_for_function(
        f"() => fetch('/me/watchlist.json').then(r => r.json()).then({two_stars})"
    )
    page.reload()
    expect(page.locator("[data-watch-star=bravo]")).to_have_attribute("aria-pressed", "true")
    assert set(Watch.objects.filter(user=person).values_list("provider__slug", flat=True)) == {
        "alpha",
        "bravo",
    }
    assert page_problems.messages == []
