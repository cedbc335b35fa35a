"""Detection over every fixture: the right kind wins, every other parser refuses, and a
source whose payload stops matching its detected format turns visibly unreadable."""

from __future__ import annotations

import pytest

from probes.models import Provider, Source
from probes.parsers import DETECTION_ORDER, EMPTY_ANSWER, PARSERS, ParseError, detect_format
from tests.conftest import FIXTURES, load_fixture
from tests.factories import make_source
from tests.probes.served import provider_status, serve_and_poll

# fixture -> the kind `auto` must detect (None: nothing may claim it).
EXPECTED: dict[str, str | None] = {
    "challenge_page.html": None,
    "statuspage/summary_operational.json": "statuspage",
    "statuspage/summary_major_outage.json": "statuspage",
    "statuspage/summary_maintenance.json": "statuspage",
    "statuspage/summary_incident_indicator_none.json": "statuspage",
    "statuspage/incidents.json": "statuspage",
    "incidentio/summary_degraded.json": "incidentio",
    "incidentio/summary_operational_null_incidents.json": "incidentio",
    **{
        f"statuspage_feed/{name}.atom": "statuspage_feed"
        for name in (
            "healthy",
            "degraded",
            "incident",
            "resolved",
            "maintenance",
            "empty",
            "new_year",
            "pacific",
        )
    },
    "statuspage_feed/incident.rss": "statuspage_feed",
    "statuspage_feed/empty.rss": "statuspage_feed",
    "statuspage_feed/changed.atom": "feed",
    **{
        f"incidentio_proxy/{name}.json": "incidentio_proxy"
        for name in ("healthy", "degraded", "incident", "resolved", "maintenance", "empty")
    },
    "incidentio_proxy/changed.json": None,
    **{
        f"incidentio_feed/{name}.atom": "incidentio_feed"
        for name in ("healthy", "degraded", "incident", "resolved", "maintenance", "empty")
    },
    "incidentio_feed/changed.atom": "feed",
    **{
        f"instatus/{name}.json": "instatus"
        for name in (
            "summary_healthy",
            "summary_degraded",
            "summary_incident",
            "summary_resolved",
            "summary_maintenance",
            "components_healthy",
            "components_degraded",
            "components_nested",
            "components_empty",
        )
    },
    "instatus/changed.json": None,
    **{
        f"betterstack/{name}.json": "betterstack"
        for name in ("healthy", "degraded", "incident", "resolved", "maintenance", "empty")
    },
    "betterstack/changed.json": None,
    **{
        f"google_cloud/{name}.json": "google_cloud"
        for name in ("healthy", "degraded", "incident", "resolved", "maintenance", "empty")
    },
    "google_cloud/changed.json": None,
    **{
        f"google_cloud_feed/{name}.atom": "google_cloud_feed"
        for name in ("healthy", "degraded", "incident", "resolved", "maintenance", "empty")
    },
    "google_cloud_feed/changed.atom": "feed",
    **{
        f"aws_health/{name}.json": "aws_health"
        for name in ("healthy", "degraded", "incident", "resolved", "maintenance", "empty")
    },
    "aws_health/changed.json": None,
    **{
        f"aws_rss/{name}.rss": "aws_rss"
        for name in ("healthy", "degraded", "incident", "resolved", "maintenance", "empty")
    },
    "aws_rss/changed.rss": "feed",
    **{f"azure_status/{name}.rss": "azure_status" for name in ("healthy", "degraded", "incident")},
    "azure_status/changed.rss": "feed",
    **{
        f"checkly/{name}.json": "checkly"
        for name in (
            "uptime_healthy",
            "uptime_degraded",
            "uptime_incident",
            "unresolved_incident",
            "unresolved_resolved",
            "unresolved_empty",
            "maintenance",
        )
    },
    "checkly/changed.json": None,
    **{
        f"flashcat/{name}.json": "flashcat"
        for name in (
            "healthy",
            "degraded",
            "incident",
            "resolved",
            "maintenance",
            "empty",
            "unreadable_change",
        )
    },
    "flashcat/changed.json": None,
    **{
        f"datadog/{name}.json": "datadog"
        for name in ("healthy", "degraded", "incident", "resolved", "maintenance", "empty")
    },
    "datadog/changed.json": None,
    **{
        f"feed/{name}.xml": "feed"
        for name in ("healthy", "degraded", "incident", "resolved", "maintenance", "empty")
    },
    "feed/betterstack_style.rss": "feed",
    "feed/changed.xml": None,
    # History lists and feeds the backfill tests serve.
    "history/statuspage_incidents.json": "statuspage",
    "history/incidentio_incidents.json": "incidentio",
    "history/statuspage_history.atom": "statuspage_feed",
}


# Empty documents: the kind in EXPECTED reads them when it is chosen, but detection takes none
# of them for a format (several formats would accept them; the first answer of a new source
# must not fix the wrong one).
EMPTY_DOCUMENTS = {
    "google_cloud/empty.json",  # []
    "feed/empty.xml",  # a feed with no entries and nothing naming its platform
    "azure_status/changed.rss",
}


def test_every_fixture_file_is_in_the_table():
    on_disk = {str(path.relative_to(FIXTURES)) for path in FIXTURES.rglob("*") if path.is_file()}
    assert on_disk == set(EXPECTED)


def test_every_parser_is_tried_by_detection():
    assert set(DETECTION_ORDER) == set(PARSERS)


@pytest.mark.parametrize(("fixture", "expected"), sorted(EXPECTED.items()))
def test_detection_picks_the_right_kind_and_the_others_refuse(fixture, expected):
    content = load_fixture(fixture)
    accepted = set()
    for kind, parser in PARSERS.items():
        try:
            parser(content, {})
        except ParseError:
            continue
        accepted.add(kind)
    if expected is None:
        assert accepted == set()
        with pytest.raises(ParseError, match="no known status format matched"):
            detect_format(content)
        return
    if fixture in EMPTY_DOCUMENTS:
        assert expected in accepted
        with pytest.raises(ParseError, match=f"^{EMPTY_ANSWER}$"):
            detect_format(content)
        return
    detected, page = detect_format(content)
    assert detected == expected
    assert page.platform == expected
    # The generic feed reads any RSS/Atom, and an empty JSON list is a valid AWS answer;
    # every other parser must refuse what is not its own.
    tolerated = {"feed"} if expected != "feed" and content.lstrip().startswith(b"<") else set()
    if content.strip() == b"[]":
        tolerated.add("aws_health")
    assert accepted - tolerated == {expected}


# One healthy payload per format, and a payload in another format it may turn into.
CHANGES = [
    ("statuspage", "statuspage/summary_operational.json", "incidentio/summary_degraded.json"),
    (
        "incidentio",
        "incidentio/summary_operational_null_incidents.json",
        "statuspage/summary_operational.json",
    ),
    ("statuspage_feed", "statuspage_feed/healthy.atom", "statuspage_feed/changed.atom"),
    ("incidentio_proxy", "incidentio_proxy/healthy.json", "incidentio_proxy/changed.json"),
    ("incidentio_feed", "incidentio_feed/healthy.atom", "incidentio_feed/changed.atom"),
    ("instatus", "instatus/summary_healthy.json", "instatus/changed.json"),
    ("betterstack", "betterstack/healthy.json", "betterstack/changed.json"),
    ("google_cloud", "google_cloud/healthy.json", "google_cloud/changed.json"),
    ("google_cloud_feed", "google_cloud_feed/healthy.atom", "google_cloud_feed/changed.atom"),
    ("aws_health", "aws_health/healthy.json", "aws_health/changed.json"),
    ("aws_rss", "aws_rss/healthy.rss", "aws_rss/changed.rss"),
    ("azure_status", "azure_status/healthy.rss", "azure_status/changed.rss"),
    ("checkly", "checkly/uptime_healthy.json", "checkly/changed.json"),
    ("flashcat", "flashcat/healthy.json", "flashcat/changed.json"),
    ("datadog", "datadog/healthy.json", "datadog/changed.json"),
    ("feed", "feed/healthy.xml", "feed/changed.xml"),
]


def test_the_format_change_table_covers_every_kind():
    assert {kind for kind, _, _ in CHANGES} == set(PARSERS)


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "healthy", "changed"), CHANGES)
def test_a_source_whose_payload_changes_shape_turns_unreadable_not_green(
    status_server, kind, healthy, changed
):
    source = make_source(url=status_server.url("/status"))
    assert serve_and_poll(status_server, source, healthy).state == "ok"
    source.refresh_from_db()
    assert source.detected_format == kind

    result = serve_and_poll(status_server, source, changed)
    assert result.state == "error"
    source.refresh_from_db()
    assert source.last_error.startswith(f"unreadable: format changed: no longer {kind}")
    assert source.detected_format == kind
    assert provider_status(source) == "unknown"


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(PARSERS))
def test_garbage_instead_of_a_known_format_turns_the_source_unreadable(status_server, kind):
    source = make_source(url=status_server.url("/status"))
    Source.objects.filter(pk=source.pk).update(detected_format=kind, last_success_at=None)
    status_server.set("/status", b"<html><body>Maintenance page</body></html>")
    source.refresh_from_db()
    from probes.status.polling import poll_source

    assert poll_source(source).state == "error"
    source.refresh_from_db()
    assert source.last_error.startswith(f"unreadable: format changed: no longer {kind}")
    assert Provider.objects.get().status == "unknown"


@pytest.mark.django_db
def test_a_source_with_a_chosen_kind_also_reports_a_format_change(status_server):
    source = make_source(url=status_server.url("/api/v2/summary.json"), kind="statuspage")
    assert (
        serve_and_poll(status_server, source, "statuspage/summary_operational.json").state == "ok"
    )
    serve_and_poll(status_server, source, "incidentio/summary_degraded.json")
    source.refresh_from_db()
    assert source.last_error.startswith("unreadable: format changed: no longer statuspage")
    assert source.last_error.endswith("it now looks like incidentio")
    assert provider_status(source) == "unknown"


@pytest.mark.django_db
def test_a_chosen_kind_that_never_parsed_says_so(status_server):
    source = make_source(url=status_server.url("/index.json"), kind="betterstack")
    assert serve_and_poll(status_server, source, "datadog/healthy.json").state == "error"
    source.refresh_from_db()
    assert source.last_error.startswith("unreadable: not betterstack (")
    assert provider_status(source) == "unknown"


@pytest.mark.django_db
def test_a_format_change_is_visible_on_the_api_and_the_pages(client, settings, status_server):
    settings.AIWATCH_REQUIRE_LOGIN = False
    settings.AIWATCH_API_REQUIRE_LOGIN = False
    source = make_source(url=status_server.url("/history.atom"))
    assert serve_and_poll(status_server, source, "statuspage_feed/healthy.atom").state == "ok"
    serve_and_poll(status_server, source, "incidentio_feed/healthy.atom")

    data = client.get("/api/v1/providers/example/").json()
    assert data["status"] == "unknown"
    assert data["source_error"]["reason"].startswith(
        "unreadable: format changed: no longer statuspage_feed"
    )
    page = client.get("/providers/example/").content.decode()
    assert "format changed" in page
    overview = client.get("/").content.decode()
    assert "Unknown" in overview


@pytest.mark.django_db
@pytest.mark.parametrize("first", [b"[]", b"{ }", b" null ", b"", b"\xef\xbb\xbf[]\n"])
def test_an_empty_first_answer_detects_nothing_and_the_real_page_is_detected_after(
    status_server, first
):
    # A new auto source whose first answer is empty: not taken for Google Cloud (which reads
    # `[]`) and shown operational; the source says why it is not read yet, and the real
    # Statuspage JSON that follows is detected as Statuspage, not refused as "format changed".
    source = make_source(url=status_server.url("/status"))
    status_server.set("/status", first)
    from probes.status.polling import poll_source

    result = poll_source(source)
    assert result.state == "error"
    source.refresh_from_db()
    assert source.detected_format == ""
    assert EMPTY_ANSWER in source.last_error
    assert provider_status(source) != "operational"

    assert (
        serve_and_poll(status_server, source, "statuspage/summary_major_outage.json").state == "ok"
    )
    source.refresh_from_db()
    assert source.detected_format == "statuspage"
    assert source.last_error == ""
    assert provider_status(source) == "major_outage"
