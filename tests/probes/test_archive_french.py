"""The archive's own summaries in French: the same facts in our own words, shown to French
readers; the English stays for English readers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from probes.models import Incident
from probes.status.archive import ArchiveError, load_archive, read_archive, read_archive_file

FRENCH = """
[[incident]]
provider = "example"
id = "abc123"
title = "Example outage"
impact = "critical"
started_at = 2024-12-26T18:40:00Z
resolved_at = 2024-12-26T20:00:00Z
root_cause = "A power failure."
notes = "Most requests failed."

[incident.fr]
title = "Panne d'exemple"
root_cause = "Une coupure de courant."
notes = "La plupart des requêtes ont échoué."

[[incident.source]]
title = "Postmortem"
url = "https://status.example.com/incidents/abc123"
"""


def test_every_shipped_summary_has_its_french_version():
    for entry in read_archive_file():
        french = entry.translations.get("fr")
        assert french, f"{entry.id} has no French summary"
        assert french["title"], entry.id
        assert french["title"] != entry.title, entry.id
        for name in ("root_cause", "notes"):
            if getattr(entry, name):
                assert french[name], (entry.id, name)
                assert french[name] != getattr(entry, name), (entry.id, name)


def test_a_french_table_with_an_unknown_field_is_refused():
    with pytest.raises(ArchiveError, match="fr has unknown fields summary"):
        read_archive(FRENCH.replace('notes = "La plupart', 'summary = "La plupart'))
    with pytest.raises(ArchiveError, match="fr: title must be a non-empty string"):
        read_archive(FRENCH.replace('title = "Panne d\'exemple"', 'title = ""'))


@pytest.mark.django_db
def test_the_incident_page_tells_it_in_the_readers_language(client):
    load_archive(read_archive(FRENCH))
    incident = Incident.objects.get(external_id="abc123")
    url = reverse("dashboard:incident-detail", args=[incident.pk])

    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Panne d&#x27;exemple" in french
    assert "Une coupure de courant." in french
    assert "La plupart des requêtes ont échoué." in french
    assert "Example outage" not in french

    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Example outage" in english
    assert "A power failure." in english
    assert "Panne" not in english


@pytest.mark.django_db
def test_the_history_list_uses_the_french_title(client):
    load_archive(read_archive(FRENCH))
    response = client.get(
        reverse("dashboard:incident-list"), {"since": "2024-12-01"}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert "Panne d&#x27;exemple" in response.content.decode()
