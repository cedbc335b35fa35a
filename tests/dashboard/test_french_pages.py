"""Every page in French: asked for with Accept-Language, none of the English UI words show.

Provider-written text (names, incident titles and updates, component names, the plan B a team
wrote) stays as written, so it is taken out of the text before the check, as are URLs, code
and the API docs' JSON examples.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import time_machine
from django.urls import reverse

from probes.models import Incident
from tests.dashboard.test_page_queries import _down_provider_with_everything
from tests.factories import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

# Words of the English pages that French never uses (so a hit is an untranslated string).
ENGLISH_WORDS = [
    "overview",
    "history",
    "operational",
    "outage",
    "outages",
    "unknown",
    "updated",
    "ago",
    "since",
    "recent",
    "components",
    "working",
    "waiting",
    "probes",
    "probed",
    "reports",
    "affected",
    "uptime",
    "reliability",
    "downtime",
    "longest",
    "search",
    "clear",
    "provider",
    "providers",
    "the",
    "and",
    "with",
    "not",
    "yet",
    "every",
    "last",
    "days",
    "hours",
    "started",
    "duration",
    "resolved",
    "ongoing",
    "newest",
    "updates",
    "happened",
    "download",
    "feed",
    "language",
    "skip",
    "show",
    "of",
    "to",
    "is",
    "no",
    "none",
    "never",
    "just",
    "now",
    "read",
    "status",
    "official",
    "observed",
    "team",
    "what",
    "where",
    "who",
    "first",
    "times",
    "zone",
    "set",
    "all",
    "open",
    "major",
    "minor",
    "critical",
    "degraded",
    "partial",
    "investigating",
    "identified",
    "monitoring",
    "answered",
    "failed",
    "failing",
    "readable",
    "unreadable",
    "reason",
    "month",
    "per",
    "mean",
    "time",
    "recovery",
    "between",
    "failures",
    "timeline",
    "filter",
    "any",
    "recorded",
    "from",
    "by",
    "lead",
    "ahead",
    "behind",
    "silent",
    "median",
    "instead",
    "capabilities",
    "try",
    "right",
    "normally",
    "everything",
    "attention",
    "summary",
    "data",
    "change",
    "add",
    "view",
    "log",
    "out",
    "welcome",
    "password",
]
WORD = re.compile(r"[A-Za-z][A-Za-z']*")


class VisibleText(HTMLParser):
    """The text a person reads: no tags, attributes, scripts, styles or code samples."""

    SKIP = {"script", "style", "code", "pre", "template"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = dict(attrs).get("class") or ""
        if tag in self.SKIP or "url" in classes.split() or "provider-text" in classes.split():
            self.skipping += 1

    def handle_endtag(self, tag: str) -> None:
        # Only elements that were skipped can end a skip: <pre>, <code>, .url and .provider-text
        # are never nested in one another here.
        if self.skipping and (tag in self.SKIP or tag in {"span", "div", "td"}):
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


# Provider-written and brand words in the fixture, which stay as written in every language.
AS_WRITTEN = [
    "Example AI",
    "Other AI",
    "Cloud",
    "Tool",
    "Chat is down",
    "Region down",
    "Tool is down",
    "Looking.",
    "APIs",
    "Chat",
    "AI Watch",
    "Switch the bot to",
    "Linked",
    "GET",
]


def english_words(html: str) -> list[str]:
    text = visible_text(html)
    for written in sorted(AS_WRITTEN, key=len, reverse=True):
        text = text.replace(written, " ")
    # URLs, paths and time zone names (Europe/Paris) are data, not words of the page.
    text = re.sub(r"\S*/\S*", " ", text)
    found = {word.lower() for word in WORD.findall(text)}
    return sorted(found & {word.strip() for word in ENGLISH_WORDS})


@pytest.fixture
def frozen_now() -> Iterator[None]:
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        yield


def page_urls() -> list[str]:
    _down_provider_with_everything()
    incident = Incident.objects.get(title="Chat is down")
    return [
        reverse("dashboard:index"),
        reverse("dashboard:provider-detail", args=["example"]),
        reverse("dashboard:incident-detail", args=[incident.pk]),
        reverse("dashboard:history") + f"?since={(NOW - timedelta(days=30)).date()}",
        reverse("dashboard:incident-list"),
        reverse("dashboard:api-docs"),
        reverse("dashboard:set-timezone"),
    ]


def test_every_page_is_french_for_a_browser_asking_for_french(client):
    for url in page_urls():
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5")
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<html lang="fr">' in html, url
        assert english_words(html) == [], url


def test_the_same_pages_stay_english_for_an_english_browser(client):
    # The check above finds English: the English pages are full of these words.
    for url in page_urls():
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8").content.decode()
        assert '<html lang="en">' in html, url
        assert len(english_words(html)) > 5, url


def test_the_admin_index_and_changelists_are_french(admin_client):
    _down_provider_with_everything()
    for url in (
        reverse("admin:index"),
        reverse("admin:probes_provider_changelist"),
        reverse("admin:probes_incident_changelist"),
        reverse("admin:alerts_channel_changelist"),
        reverse("admin:alerts_delivery_changelist"),
    ):
        response = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
        assert response.status_code == 200, url
        assert english_words(response.content.decode()) == [], url
