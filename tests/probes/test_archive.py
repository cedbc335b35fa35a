"""The shipped outage archive: valid, idempotent, and never duplicated by live data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from probes.models import Incident, IncidentUpdate, Provider, Source
from probes.parsers.types import Impact, IncidentStatus, ParsedIncident, ParsedPage, ParsedUpdate
from probes.status.archive import ArchiveError, load_archive, read_archive, read_archive_file
from probes.status.recording import record_poll

pytestmark = pytest.mark.django_db

MINIMAL = """
[[incident]]
provider = "example"
id = "abc123"
title = "Example outage"
impact = "critical"
started_at = 2024-12-26T18:40:00Z
resolved_at = 2024-12-26T20:00:00Z
upstream = [{ provider = "cloud", id = "archive-cloud-1" }]

[[incident.timeline]]
at = 2024-12-26T20:00:00Z
status = "resolved"
body = "Back."

[[incident.timeline]]
at = 2024-12-26T18:40:00Z
status = "investigating"
body = "Down."

[[incident]]
provider = "cloud"
provider_name = "Example Cloud"
id = "archive-cloud-1"
title = "Power loss"
impact = "major"
started_at = 2024-12-26T18:30:00Z
resolved_at = 2024-12-26T19:30:00Z
"""


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_the_shipped_archive_holds_the_required_outages_in_utc():
    entries = {(e.provider, e.started_at.date().isoformat()): e for e in read_archive_file()}
    openai = entries[("openai", "2024-12-26")]
    assert openai.id == "6bwlxnvdncnm"
    assert openai.started_at == utc(2024, 12, 26, 18, 40)
    chatgpt = sorted(r.at for r in openai.recoveries if r.product == "ChatGPT")
    assert chatgpt == [utc(2024, 12, 27, 2, 20), utc(2024, 12, 27, 4, 16)]
    assert {r.at for r in openai.recoveries if r.product in ("API", "Sora")} >= {
        utc(2024, 12, 26, 23, 11)
    }
    assert openai.upstream[0].provider == "azure"
    assert entries[("azure", "2024-12-26")].started_at == utc(2024, 12, 26, 18, 44)
    assert ("openai", "2025-06-10") in entries
    assert entries[("google-cloud", "2025-06-12")].id == "ow5i3PPK96RduMcb1SsW"
    assert entries[("openai", "2025-09-03")].times_verified is False
    assert entries[("aws", "2025-10-20")].postmortem_url
    assert entries[("cloudflare", "2025-11-18")].started_at == utc(2025, 11, 18, 11, 20)
    for entry in entries.values():
        assert entry.sources, f"{entry.id} names no source"
        assert entry.timeline, f"{entry.id} has no timeline"


def test_it_names_the_entry_and_field_of_a_mistake():
    with pytest.raises(ArchiveError, match="impact 'awful'"):
        read_archive(MINIMAL.replace('impact = "critical"', 'impact = "awful"'))
    with pytest.raises(ArchiveError, match="upstream cloud/nope is not in the archive"):
        read_archive(MINIMAL.replace('id = "archive-cloud-1" }', 'id = "nope" }'))
    with pytest.raises(ArchiveError, match="not valid TOML"):
        read_archive("[[incident]\n")


@pytest.mark.django_db
def test_the_incident_models_rules_apply_to_the_archive():
    entries = read_archive(
        MINIMAL.replace("2024-12-26T20:00:00Z\nupstream", "2024-12-26T10:00:00Z\nupstream")
    )
    with pytest.raises(ArchiveError, match="resolved_at is before started_at"):
        load_archive(entries)


def test_loading_twice_changes_nothing_and_links_the_upstream():
    first = load_archive(read_archive(MINIMAL))
    assert sorted(first.created) == ["cloud/archive-cloud-1", "example/abc123"]
    assert sorted(first.providers_created) == ["cloud", "example"]
    second = load_archive(read_archive(MINIMAL))
    assert second.created == second.updated == second.providers_created == []
    assert Incident.objects.count() == 2
    incident = Incident.objects.get(external_id="abc123")
    assert incident.provenance == "archive"
    assert [u.status for u in incident.updates.all()] == ["investigating", "resolved"]
    assert list(incident.upstream_incidents.values_list("external_id", flat=True)) == [
        "archive-cloud-1"
    ]
    cloud = Provider.objects.get(slug="cloud")
    assert cloud.category == "infrastructure"
    assert cloud.name == "Example Cloud"
    assert list(incident.provider.upstreams.all()) == [cloud]


def test_it_uses_a_provider_the_catalog_already_has():
    Provider.objects.create(slug="cloud", name="The Cloud", category="model_api")
    load_archive(read_archive(MINIMAL))
    assert Provider.objects.filter(slug="cloud").count() == 1
    assert Provider.objects.get(slug="cloud").name == "The Cloud"


def live_page(external_id: str, aliases: tuple[str, ...] = ()) -> ParsedPage:
    incident = ParsedIncident(
        external_id=external_id,
        title="High error rates",
        impact=Impact.MAJOR,
        status=IncidentStatus.RESOLVED,
        started_at=utc(2024, 12, 26, 18, 50),
        resolved_at=utc(2024, 12, 27, 5, 0),
        url="https://status.example.com/incidents/x",
        updates=(
            ParsedUpdate("u1", IncidentStatus.RESOLVED, "All good now.", utc(2024, 12, 27, 5)),
        ),
        aliases=aliases,
    )
    return ParsedPage(platform="statuspage", incidents=(incident,))


def test_a_live_poll_meeting_an_archived_incident_keeps_the_curated_fields():
    load_archive(read_archive(MINIMAL))
    source = Source.objects.create(
        provider=Provider.objects.get(slug="example"), url="https://status.example.com/x.json"
    )
    record_poll(
        source,
        live_page("abc123", aliases=("01JXULIDALIAS0000000000000",)),
        at=utc(2024, 12, 27, 6),
    )
    incident = Incident.objects.get(provider__slug="example")
    assert Incident.objects.filter(provider__slug="example").count() == 1
    assert incident.title == "Example outage"
    assert incident.started_at == utc(2024, 12, 26, 18, 40)
    assert incident.provenance == "archive"
    assert incident.aliases == ["01JXULIDALIAS0000000000000"]
    assert incident.updates.count() == 3


def test_the_archive_adopts_an_incident_a_poll_stored_under_an_alias():
    provider = Provider.objects.create(slug="example", name="Example")
    source = Source.objects.create(provider=provider, url="https://status.example.com/x.json")
    record_poll(source, live_page("01JXULID", aliases=("abc123",)), at=utc(2024, 12, 27, 6))
    load_archive(read_archive(MINIMAL))
    incident = Incident.objects.get(provider=provider)
    assert incident.external_id == "01JXULID"
    assert incident.provenance == "archive"
    assert incident.title == "Example outage"
    assert "abc123" in incident.aliases
    assert IncidentUpdate.objects.filter(incident=incident).count() == 3


def test_the_command_loads_the_shipped_file_idempotently(capsys):
    call_command("load_archive")
    count = Incident.objects.count()
    call_command("load_archive")
    assert Incident.objects.count() == count >= 7
    assert "0 created, 0 updated" in capsys.readouterr().out
    openai = Incident.objects.get(provider__slug="openai", external_id="6bwlxnvdncnm")
    assert openai.details["recoveries"]
    assert openai.upstream_incidents.get().provider.slug == "azure"


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(document.domain)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/postmortem",
        "/relative/postmortem",
        "https://",
    ],
)
@pytest.mark.parametrize("field", ["url", "postmortem_url", "source"])
def test_only_http_links_are_loaded_from_an_archive_file(tmp_path, field, link):
    # `load_archive --file` takes a file someone handed over: its links reach hrefs and the
    # Atom feed's HTML, so they pass the one link rule or the file is refused, naming why.
    line = (
        f'\n[[incident.source]]\ntitle = "Write-up"\nurl = "{link}"\n'
        if field == "source"
        else f'{field} = "{link}"\n'
    )
    if field == "source":
        text = MINIMAL.replace(
            'title = "Power loss"\nimpact = "major"\nstarted_at = 2024-12-26T18:30:00Z\n'
            "resolved_at = 2024-12-26T19:30:00Z\n",
            'title = "Power loss"\nimpact = "major"\nstarted_at = 2024-12-26T18:30:00Z\n'
            "resolved_at = 2024-12-26T19:30:00Z\n" + line,
        )
    else:
        text = MINIMAL.replace("upstream = [", line + "upstream = [")
    path = tmp_path / "archive.toml"
    path.write_text(text)
    with pytest.raises(CommandError, match=r"http:// or https://|must name a host|spaces"):
        call_command("load_archive", "--file", str(path))
    assert not Incident.objects.exists()


def test_the_atom_feed_never_links_a_stored_javascript_url(client):
    # A row stored before the rule (or by hand in the admin) is checked again when rendered.
    load_archive(read_archive(MINIMAL))
    Incident.objects.filter(external_id="abc123").update(
        postmortem_url="javascript:alert(document.cookie)"
    )
    Incident.objects.filter(external_id="archive-cloud-1").update(
        postmortem_url="https://status.example.com/postmortem"
    )
    feed = client.get("/feeds/incidents.atom").content.decode()
    assert "javascript:" not in feed
    assert "https://status.example.com/postmortem" in feed


def test_a_good_archive_link_is_kept():
    text = MINIMAL.replace(
        'upstream = [{ provider = "cloud"',
        'postmortem_url = "https://status.example.com/incidents/abc123"\n'
        'upstream = [{ provider = "cloud"',
    )
    load_archive(read_archive(text))
    incident = Incident.objects.get(external_id="abc123")
    assert incident.postmortem_url == "https://status.example.com/incidents/abc123"
