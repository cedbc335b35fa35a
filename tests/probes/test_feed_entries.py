"""A history feed read by entry: only the entries not read before are parsed again, and the
result is always the one a whole parse gives (or the same refusal)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probes.parsers import REUSING_PARSERS
from probes.parsers.feed_entries import split_entries
from probes.parsers.statuspage_feeds import (
    parse_statuspage_feed,
    parse_statuspage_feed_reusing,
)
from probes.parsers.types import ParseError
from tests.conftest import load_fixture
from tests.probes.corpus import parser_cases

FIXTURES = sorted(
    path.name for path in (Path(__file__).parent.parent / "fixtures" / "statuspage_feed").iterdir()
)


def outcome(parse, *args):
    """The page, or the refusal, of one parse: what must be equal between the two ways."""
    try:
        result = parse(*args)
    except ParseError:
        return "refused"
    return result[0] if isinstance(result, tuple) else result


def entry(
    number: int,
    *,
    label: str = "Investigating",
    body: str = "We are looking into it.",
    at: datetime | None = None,
) -> str:
    at = at or datetime(2026, 11, 20, 10, tzinfo=UTC) - timedelta(days=number)
    paragraph = (
        f"&lt;p&gt;&lt;small&gt;{at:%b} &lt;var data-var='date'&gt;{at.day}&lt;/var&gt;, "
        f"&lt;var data-var='time'&gt;{at:%H:%M}&lt;/var&gt; UTC&lt;/small&gt;&lt;br&gt;"
        f"&lt;strong&gt;{label}&lt;/strong&gt; - {body}&lt;/p&gt;"
    )
    return (
        f"<entry><id>tag:status.example-ai.test,2005:Incident/{number}</id>"
        f"<published>{at:%Y-%m-%dT%H:%M:%SZ}</published><updated>{at:%Y-%m-%dT%H:%M:%SZ}</updated>"
        f'<link rel="alternate" type="text/html" '
        f'href="https://status.example-ai.test/incidents/abc{number:06d}"/>'
        f"<title>Incident {number}</title>"
        f'<content type="html">{paragraph}</content></entry>'
    )


def feed(
    entries: list[str], *, updated: str = "2026-11-20T10:00:00Z", root_attrs: str = ""
) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<feed xml:lang="en-US" xmlns="http://www.w3.org/2005/Atom"{root_attrs}>\n'
        "<id>tag:status.example-ai.test,2005:/history</id>"
        "<title>Example AI Status - Incident History</title>"
        f"<updated>{updated}</updated>\n" + "\n".join(entries) + "\n</feed>"
    ).encode()


@pytest.mark.parametrize("name", FIXTURES)
def test_every_recorded_feed_reads_the_same_by_entry_as_whole(name):
    content = load_fixture(f"statuspage_feed/{name}")
    whole = outcome(parse_statuspage_feed, content, {})
    assert outcome(parse_statuspage_feed_reusing, content, {}, {}) == whole
    if whole == "refused":
        return
    first, known = parse_statuspage_feed_reusing(content, {}, {})
    assert first == whole
    again, known_again = parse_statuspage_feed_reusing(content, {}, known)
    assert again == whole
    assert known_again == known


def test_only_the_new_entry_is_parsed_again(monkeypatch):
    old = [entry(number) for number in range(1, 30)]
    _first, known = parse_statuspage_feed_reusing(feed(old), {}, {})
    assert len(known) == 29

    documents: list[bytes] = []
    import probes.parsers.statuspage_feeds as module

    real = module.load_feed
    monkeypatch.setattr(
        module, "load_feed", lambda content: documents.append(content) or real(content)
    )
    changed = feed([entry(0, body="A new incident."), *old], updated="2026-11-21T09:00:00Z")
    page, known = parse_statuspage_feed_reusing(changed, {}, known)

    # One document was read: the head and tail with the one entry not seen before.
    assert len(documents) == 1
    assert documents[0].count(b"<entry>") == 1
    assert b"A new incident." in documents[0]
    assert page == parse_statuspage_feed(changed, {})
    assert len(page.incidents) == 30
    assert len(known) == 30


def test_entries_that_left_the_feed_are_forgotten():
    _, known = parse_statuspage_feed_reusing(feed([entry(n) for n in range(1, 6)]), {}, {})
    _, known = parse_statuspage_feed_reusing(feed([entry(n) for n in range(1, 3)]), {}, known)
    assert len(known) == 2


def test_a_broken_new_entry_is_refused_as_a_whole_parse_refuses_it():
    good = [entry(number) for number in range(1, 5)]
    _, known = parse_statuspage_feed_reusing(feed(good), {}, {})
    broken = entry(9).replace("/incidents/abc000009", "/nowhere")
    with pytest.raises(ParseError, match="not a Statuspage incident link"):
        parse_statuspage_feed(feed([broken, *good]), {})
    with pytest.raises(ParseError, match="not a Statuspage incident link"):
        parse_statuspage_feed_reusing(feed([broken, *good]), {}, known)


def test_a_changed_head_is_read_even_when_every_entry_is_known():
    good = [entry(number) for number in range(1, 4)]
    _, known = parse_statuspage_feed_reusing(feed(good), {}, {})
    # The same entries under a head that is no longer a channel: refused, not served from memory.
    not_a_feed = (
        feed(good)
        .replace(b"<id>tag:status.example-ai.test,2005:/history</id>", b"")
        .replace(b"<title>Example AI Status - Incident History</title>", b"")
    )
    assert outcome(parse_statuspage_feed_reusing, not_a_feed, {}, known) == "refused"
    assert outcome(parse_statuspage_feed, not_a_feed, {}) == "refused"


def test_the_same_entry_under_another_base_or_namespace_is_another_entry():
    body = [entry(1)]
    plain = split_entries(feed(body))
    based = split_entries(feed(body, root_attrs=' xml:base="https://elsewhere.test/"'))
    prefixed = split_entries(feed(body, root_attrs=' xmlns:x="urn:other"'))
    later = split_entries(feed(body, updated="2027-01-01T00:00:00Z"))
    assert plain
    assert based
    assert prefixed
    assert later
    assert plain.entries == based.entries == prefixed.entries
    assert len({plain.key(0), based.key(0), prefixed.key(0)}) == 3
    # The feed's own <updated> time is head, read every time: it does not change the key.
    assert later.key(0) == plain.key(0)


@pytest.mark.parametrize(
    ("why", "content"),
    [
        ("UTF-16", feed([entry(1)]).decode().replace("UTF-8", "UTF-16").encode("utf-16")),
        ("Latin-1 declared", feed([entry(1)]).replace(b"UTF-8", b"ISO-8859-1")),
        ("byte-order mark", b"\xef\xbb\xbf" + feed([entry(1)])),
        (
            "DTD",
            feed([entry(1)]).replace(b"\n<feed", b'\n<!DOCTYPE feed [<!ENTITY a "b">]>\n<feed', 1),
        ),
        ("not well-formed", feed([entry(1)]).replace(b"</feed>", b"")),
        ("a comment between entries", feed([entry(1), "<!-- x -->", entry(2)])),
        ("an element between entries", feed([entry(1), "<link href='x'/>", entry(2)])),
        ("an empty entry tag", feed([entry(1), "<entry/>"])),
        ("no entries", feed([])),
        ("not XML", b'{"page": {}}'),
    ],
)
def test_anything_unusual_is_parsed_whole(why, content):
    assert split_entries(content) is None, why
    # And the reusing parser still answers exactly as the whole parse does.
    assert outcome(parse_statuspage_feed_reusing, content, {}, {}) == outcome(
        parse_statuspage_feed, content, {}
    )


def test_rss_items_are_entries_too():
    content = load_fixture("statuspage_feed/incident.rss")
    split = split_entries(content)
    assert split is not None
    assert len(split.entries) == 1
    assert split.entries[0].startswith(b"<item>")
    assert split.entries[0].endswith(b"</item>")
    assert split.document([0]).replace(b"\n", b"") == content.replace(b"\n", b"")


@pytest.mark.parametrize("case", parser_cases(), ids=lambda case: case.name)
def test_every_hostile_case_gets_the_answer_a_whole_parse_gives(case):
    reusing = REUSING_PARSERS["statuspage_feed"]
    _, known = reusing(load_fixture("statuspage_feed/incident.atom"), {}, {})
    whole = outcome(parse_statuspage_feed, case.body, {})
    assert outcome(reusing, case.body, {}, {}) == whole
    assert outcome(reusing, case.body, {}, known) == whole


BODIES = st.sampled_from(
    [
        "We are looking into it.",
        "Errors on the API &amp;amp; console.",
        "Fixed &lt;b&gt;for now&lt;/b&gt;.",
        "Latency is back to normal — merci.",
        "",
    ]
)
LABELS = st.sampled_from(["Investigating", "Identified", "Monitoring", "Update", "Resolved"])
ENTRY = st.builds(
    lambda number, label, body, hours: entry(
        number,
        label=label,
        body=body,
        at=datetime(2026, 11, 20, tzinfo=UTC) - timedelta(hours=hours),
    ),
    st.integers(0, 40),
    LABELS,
    BODIES,
    st.integers(0, 24 * 400),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=st.lists(ENTRY, max_size=8),
    after=st.lists(ENTRY, min_size=0, max_size=8),
    kept=st.integers(0, 8),
    base=st.sampled_from(["", ' xml:base="https://status.example-ai.test/"']),
)
def test_a_feed_read_with_what_another_version_said_reads_as_a_whole_parse(
    before, after, kept, base
):
    # The next version: new entries on top of some of the old ones, maybe under another base.
    _, known = parse_statuspage_feed_reusing(feed(before), {}, {})
    content = feed(after + before[:kept], updated="2026-11-21T00:00:00Z", root_attrs=base)
    assert outcome(parse_statuspage_feed_reusing, content, {}, known) == outcome(
        parse_statuspage_feed, content, {}
    )


def kept_key(source):
    from aiwatch.code_version import code_version
    from probes.parsers.payload import digest

    return f"feed-entries:{source.pk}:{digest([code_version(), *sorted(source.filters.items())])}"


def poll_feed(server, source, content):
    from probes.status.polling import poll_source

    server.set("/history.atom", content, headers={"Content-Type": "application/atom+xml"})
    source.refresh_from_db()
    return poll_source(source)


@pytest.mark.django_db
def test_a_poll_keeps_its_entries_in_redis_and_the_next_reads_only_the_new_one(
    redis_cache, status_server, monkeypatch
):
    from probes.models import Incident
    from tests.factories import make_source

    source = make_source(kind="statuspage_feed", url=status_server.url("/history.atom"))
    old = [entry(number) for number in range(1, 12)]
    assert poll_feed(status_server, source, feed(old)).state == "ok"
    assert len(redis_cache.get(kept_key(source)).entries) == 11

    import probes.parsers.statuspage_feeds as module

    documents: list[bytes] = []
    real = module.load_feed
    monkeypatch.setattr(
        module, "load_feed", lambda content: documents.append(content) or real(content)
    )
    newer = feed([entry(0, body="Something new."), *old], updated="2026-11-21T09:00:00Z")
    assert poll_feed(status_server, source, newer).state == "ok"

    assert [document.count(b"<entry>") for document in documents] == [1]
    assert Incident.objects.filter(provider=source.provider).count() == 12
    assert len(redis_cache.get(kept_key(source)).entries) == 12


def written_incidents(monkeypatch) -> list[str]:
    """The external ids the recording upserts from now on, in order."""
    from probes.status.incidents import IncidentRecording

    written: list[str] = []
    real = IncidentRecording.upsert

    def upsert(self, parsed):
        written.append(parsed.external_id)
        return real(self, parsed)

    monkeypatch.setattr(IncidentRecording, "upsert", upsert)
    return written


@pytest.mark.django_db
def test_entries_of_the_page_recorded_last_are_not_written_again(
    redis_cache, status_server, monkeypatch
):
    from probes.models import Incident
    from tests.factories import make_source

    source = make_source(kind="statuspage_feed", url=status_server.url("/history.atom"))
    old = [entry(number) for number in range(1, 6)]
    assert poll_feed(status_server, source, feed(old)).state == "ok"
    written = written_incidents(monkeypatch)

    top = entry(0, body="Something new.")
    assert poll_feed(status_server, source, feed([top, *old], updated="2026-11-21T09:00Z")).state
    assert written == ["abc000000"]
    # The newest incident's entry changes again: only it is written; the others stand.
    written.clear()
    top = entry(0, label="Identified", body="Found it.")
    again = feed([top, *old], updated="2026-11-21T10:00Z")
    assert poll_feed(status_server, source, again).state == "ok"
    assert written == ["abc000000"]
    assert Incident.objects.filter(provider=source.provider).count() == 6
    assert Incident.objects.get(external_id="abc000000").status == "identified"


@pytest.mark.django_db
def test_entries_are_written_again_when_the_page_they_came_from_was_not_recorded(
    redis_cache, status_server, monkeypatch
):
    """The kept entries name the page they were read from; if the source's recorded page is
    another one (a failed recording, a database restored from a backup), every entry is
    written, and whatever the database lacks comes back."""
    from probes.models import Incident, Source
    from tests.factories import make_source

    source = make_source(kind="statuspage_feed", url=status_server.url("/history.atom"))
    old = [entry(number) for number in range(1, 6)]
    assert poll_feed(status_server, source, feed(old)).state == "ok"
    # As after restoring a backup taken before that poll: no incidents, another page recorded.
    Incident.objects.filter(provider=source.provider).delete()
    Source.objects.filter(pk=source.pk).update(body_hash="f" * 64)
    written = written_incidents(monkeypatch)

    newer = feed([entry(0), *old], updated="2026-11-21T09:00:00Z")
    assert poll_feed(status_server, source, newer).state == "ok"
    assert sorted(written) == [f"abc{number:06d}" for number in range(6)]
    assert Incident.objects.filter(provider=source.provider).count() == 6


@pytest.mark.django_db
def test_with_the_cache_away_a_feed_is_parsed_whole_and_recorded(cache_away, status_server):
    from probes.models import Incident
    from tests.factories import make_source

    source = make_source(kind="statuspage_feed", url=status_server.url("/history.atom"))
    old = [entry(number) for number in range(1, 4)]
    assert poll_feed(status_server, source, feed(old)).state == "ok"
    newer = feed([entry(0), *old], updated="2026-11-21T09:00:00Z")
    assert poll_feed(status_server, source, newer).state == "ok"
    assert Incident.objects.filter(provider=source.provider).count() == 4
