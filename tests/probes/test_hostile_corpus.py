"""Every corpus case through every registered parser, and through a full poll of a local server.

Each case must end as a ParseError / recorded source error or as a safe record: never a crash,
never a hang, never earlier data overwritten, never a green status from bad data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import pytest

from probes.models import Component, Incident, IncidentUpdate, Provider, Source, StatusChange
from probes.parsers import EMPTY_ANSWER, PARSERS, detect_format
from probes.parsers.payload import EARLIEST_YEAR, LATEST_YEAR, MAX_ITEMS, time_budget
from probes.parsers.statuspage import parse_statuspage
from probes.parsers.types import ParsedPage, ParseError, Status, worst
from probes.status.polling import poll_source
from probes.status.recording import record_poll
from tests.conftest import load_fixture
from tests.fakeserver import FakeServer
from tests.probes.corpus import Case, all_cases, parser_cases

# A parse slower than this is a hang as far as the corpus is concerned.
PARSE_BUDGET_SECONDS = 10


def _walk(value: Any) -> Iterator[Any]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from _walk(getattr(value, item.name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _walk(item)
    else:
        yield value


def assert_safe_page(page: ParsedPage, case: Case, kind: str) -> None:
    where = f"{kind} on {case.name}"
    assert isinstance(page, ParsedPage), where
    assert len(page.components) <= MAX_ITEMS, where
    assert len(page.incidents) <= 2 * MAX_ITEMS, where
    for value in _walk(page):
        if isinstance(value, str) and not isinstance(value, Enum):
            assert "\x00" not in value, where
            value.encode("utf-8")  # no lone surrogates
        elif isinstance(value, datetime):
            offset = value.utcoffset()
            assert offset is not None, where
            assert offset.total_seconds() == 0, where
            assert EARLIEST_YEAR <= value.year <= LATEST_YEAR, where
    for incident in page.incidents:
        assert incident.url == "" or incident.url.lower().startswith(("http://", "https://")), where
        assert not any(ord(ch) < 0x21 for ch in incident.url), where
    if case.from_outage:
        # One corrupted field of a major-outage page can never make it read as all clear.
        statuses = {component.status for component in page.components if not component.is_group}
        statuses |= {incident.impact.as_status() for incident in page.incidents if incident.is_open}
        if page.indicator is not None:
            statuses.add(page.indicator)
        assert worst(statuses, default=Status.UNKNOWN) != Status.OPERATIONAL, where


def test_the_corpus_is_big_enough():
    cases = all_cases()
    assert len(cases) >= 300
    assert sum(case.must_fail for case in cases) >= 100


@pytest.mark.parametrize("case", parser_cases(), ids=lambda case: case.name)
def test_every_parser_refuses_or_safely_reads_each_case(case):
    accepted_by = []
    for kind, parser in sorted(PARSERS.items()):
        try:
            with time_budget(PARSE_BUDGET_SECONDS):
                page = parser(case.body, {})
        except ParseError:
            continue
        accepted_by.append(kind)
        assert_safe_page(page, case, kind)
    assert not (case.must_fail and accepted_by), f"{accepted_by} accepted {case.name}"
    refusal = ""
    try:
        with time_budget(PARSE_BUDGET_SECONDS):
            detect_format(case.body)
    except ParseError as error:
        refusal = str(error)
    # Detection refuses only what every parser refuses, except an empty document, which a
    # format may read (Google's `[]`) but which never identifies one.
    if refusal and accepted_by:
        assert refusal == EMPTY_ANSWER
        assert case.body.strip() == b"[]"


# Full polls ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def short_timeouts(settings):
    # A body shorter than its Content-Length waits for the read timeout; keep that short here.
    settings.AIWATCH_HTTP_READ_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def corpus_server() -> Iterator[FakeServer]:
    with FakeServer() as server:
        yield server


BASELINE_AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _snapshot(provider: Provider) -> dict[str, Any]:
    return {
        "components": sorted(
            Component.objects.filter(provider=provider).values_list(
                "external_id", "name", "status", "is_active", "description"
            )
        ),
        "incidents": sorted(
            Incident.objects.filter(provider=provider).values_list(
                "external_id", "title", "status", "resolved_at", "url"
            )
        ),
        "updates": IncidentUpdate.objects.filter(incident__provider=provider).count(),
        "component_changes": StatusChange.objects.filter(
            provider=provider, component__isnull=False
        ).count(),
    }


def _assert_stored_rows_are_safe(provider: Provider) -> None:
    texts: list[str] = []
    for name, description in Component.objects.filter(provider=provider).values_list(
        "name", "description"
    ):
        texts += [name, description]
    for title, url in Incident.objects.filter(provider=provider).values_list("title", "url"):
        texts.append(title)
        assert url == "" or url.lower().startswith(("http://", "https://"))
    texts += list(
        IncidentUpdate.objects.filter(incident__provider=provider).values_list("body", flat=True)
    )
    assert all("\x00" not in text for text in texts)


@pytest.fixture(scope="module")
def baseline(django_db_setup, django_db_blocker, corpus_server) -> Iterator[dict[str, Any]]:
    """Earlier good data, recorded once and committed: an all-clear page, recorded the
    ordinary way. Each case runs in a transaction that is rolled back, so every case starts
    from exactly this state."""
    with django_db_blocker.unblock():
        provider = Provider.objects.create(slug="corpus", name="Corpus AI")
        source = Source.objects.create(provider=provider, url=corpus_server.url(CASE_PATH))
        page = parse_statuspage(load_fixture("statuspage/summary_operational.json"), {})
        record_poll(source, page, at=BASELINE_AT, detected_format="statuspage")
        state = {"provider": provider.pk, "source": source.pk, "before": _snapshot(provider)}
    yield state
    with django_db_blocker.unblock():
        Provider.objects.filter(pk=provider.pk).delete()


CASE_PATH = "/corpus/summary.json"


@pytest.mark.django_db
@pytest.mark.parametrize("case", all_cases(), ids=lambda case: case.name)
def test_a_full_poll_of_each_case_ends_as_an_error_or_a_safe_record(case, corpus_server, baseline):
    provider = Provider.objects.get(pk=baseline["provider"])
    source = Source.objects.select_related("provider").get(pk=baseline["source"])
    assert provider.status == Status.OPERATIONAL
    before = baseline["before"]
    assert _snapshot(provider) == before
    path = CASE_PATH

    answer = {"body": case.body, **case.answer}
    corpus_server.set(path, **answer)
    result = poll_source(source)

    provider.refresh_from_db()
    source.refresh_from_db()
    assert result.state in ("ok", "error"), result
    if case.must_fail:
        assert result.state == "error", f"{case.name} was accepted: {result}"
    if result.state == "error":
        assert source.last_error
        assert _snapshot(provider) == before, "a failed poll changed earlier data"
        assert provider.status == Status.UNKNOWN, "a failed poll left the provider green"
    else:
        assert not source.last_error
        if case.from_outage:
            assert provider.status != Status.OPERATIONAL
    _assert_stored_rows_are_safe(provider)
