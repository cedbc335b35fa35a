"""[[channel]] tables in the catalog file: read, checked, synced by name, secrets unresolved."""

from __future__ import annotations

import pytest

from alerts.catalog import read_channels
from alerts.models import Channel
from probes.catalog import CatalogError, read_catalog, sync_catalog
from probes.models import Provider

PROVIDERS = """
[[provider]]
slug = "openai"
name = "OpenAI"
url = "https://status.openai.com"
category = "model_api"
capabilities = ["chat"]
"""


def test_it_reads_channel_tables_with_their_filters():
    catalog = read_catalog(
        PROVIDERS
        + """
[[channel]]
name = "ops-slack"
url = "slack://${AIWATCH_SECRET_SLACK_A}/${AIWATCH_SECRET_SLACK_B}/${AIWATCH_SECRET_SLACK_C}/#ops"
providers = ["openai"]
components = ["API"]
min_severity = "major"
events = ["status_changed", "incident_opened"]
repeat_minutes = 60

[[channel]]
name = "hook"
url = "https://hooks.example.com/aiwatch"
secret_env = "AIWATCH_SECRET_HOOK_KEY"
"""
    )
    slack, hook = read_channels(catalog)
    assert slack.name == "ops-slack"
    assert slack.providers == ("openai",)
    assert slack.components == ("API",)
    assert slack.min_severity == "major"
    assert slack.events == ("status_changed", "incident_opened")
    assert slack.repeat_minutes == 60
    assert hook.secret_env == "AIWATCH_SECRET_HOOK_KEY"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('name = "x"', "url is required"),
        ('url = "ntfy://ntfy.sh/x"', "name is required"),
        ('name = "x"\nurl = "ntfy://a"\nproviders = "openai"', "providers must be a list"),
        ('name = "x"\nurl = "ntfy://a"\nrepeat_minutes = "hourly"', "repeat_minutes"),
        ('name = "x"\nurl = "ntfy://a"\nenabled = "yes"', "enabled must be true or false"),
    ],
)
def test_it_names_the_mistake_in_a_channel_table(table, message):
    with pytest.raises(CatalogError, match=message):
        read_channels(read_catalog(f"[[channel]]\n{table}\n"))


def test_a_channel_name_twice_is_an_error():
    with pytest.raises(CatalogError, match="appears twice"):
        read_channels(
            read_catalog(
                '[[channel]]\nname="a"\nurl="ntfy://a"\n[[channel]]\nname="a"\nurl="ntfy://b"\n'
            )
        )


@pytest.mark.django_db
def test_sync_creates_updates_by_name_and_keeps_admin_channels(monkeypatch):
    monkeypatch.delenv("AIWATCH_SECRET_TEST_NTFY_TOPIC", raising=False)
    Channel.objects.create(name="made-in-admin", url="ntfy://ntfy.sh/admin")
    text = (
        PROVIDERS
        + """
[[channel]]
name = "phones"
url = "ntfy://ntfy.sh/${AIWATCH_SECRET_TEST_NTFY_TOPIC}"
providers = ["openai"]
min_severity = "partial"
"""
    )
    report = sync_catalog(read_catalog(text))
    phones = Channel.objects.get(name="phones")
    assert phones.url == "ntfy://ntfy.sh/${AIWATCH_SECRET_TEST_NTFY_TOPIC}"
    assert phones.kind == "apprise"
    assert phones.min_severity == "partial_outage"
    assert phones.from_catalog
    assert list(phones.providers.values_list("slug", flat=True)) == ["openai"]
    assert any("AIWATCH_SECRET_TEST_NTFY_TOPIC not set" in note for note in report.notes)

    sync_catalog(read_catalog(text.replace('"partial"', '"major"')))
    phones.refresh_from_db()
    assert phones.min_severity == "major_outage"
    assert Channel.objects.count() == 2
    # A catalog without the channel deletes nothing.
    sync_catalog(read_catalog(PROVIDERS))
    assert set(Channel.objects.values_list("name", flat=True)) == {"made-in-admin", "phones"}


@pytest.mark.django_db
def test_plain_https_urls_become_signed_webhooks():
    sync_catalog(
        read_catalog(
            '[[channel]]\nname="hook"\nurl="https://hooks.example.com/x"\nsecret_env="AIWATCH_SECRET_HOOK"\n'
        )
    )
    hook = Channel.objects.get()
    assert hook.kind == "webhook"
    assert hook.secret_env == "AIWATCH_SECRET_HOOK"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('providers = ["nobody"]', "unknown providers"),
        ('events = ["everything"]', "unknown events"),
        ('min_severity = "apocalyptic"', "not a severity"),
        ("repeat_minutes = -5", "repeat_minutes -5"),
        ("repeat_minutes = 20000", "repeat_minutes 20000"),
        ('kind = "pigeon"', "kind 'pigeon'"),
    ],
)
def test_a_bad_channel_rolls_the_whole_sync_back(table, message):
    text = PROVIDERS + f'[[channel]]\nname="x"\nurl="ntfy://ntfy.sh/x"\n{table}\n'
    with pytest.raises(CatalogError, match=message):
        sync_catalog(read_catalog(text))
    assert not Provider.objects.exists()
    assert not Channel.objects.exists()
