"""HTTP probes end to end: a real local server, the async seam, recording and observed status."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

from probes import tasks
from probes.models import ObservedTransition, ProbeResult, Provider, Source
from probes.observe import observed
from probes.observe.probing import run_probes
from probes.observe.verdicts import (
    classify_http_status,
    outcome_for_fetch_error,
)
from probes.outbound import FetchError
from probes.status.headline import compute_provider_status
from probes.validation import parse_expected_statuses
from tests.factories import make_probe
from tests.fakeserver import Answer

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def allow_local_addresses(settings):
    # The seam refuses private addresses unless allowed; the fake server is on 127.0.0.1.
    settings.AIWATCH_OUTBOUND_ALLOW = ["127.0.0.1"]


def probe_at(source: Source, minute: int):
    source.refresh_from_db()
    return run_probes([source], now=T0 + timedelta(minutes=minute))[0]


def test_it_goes_down_after_two_failures_and_back_after_two_successes_once_each_way(
    status_server,
):
    status_server.set_sequence(
        "/v1/models",
        [
            Answer(status=401, body=b'{"error": "no key"}'),
            Answer(status=401, body=b'{"error": "no key"}'),
            Answer(status=503),
            Answer(status=200, delay=2.0),  # hangs past the 0.5 s timeout
            Answer(status=401),
            Answer(status=401),
        ],
    )
    source = make_probe(url=status_server.url("/v1/models"))
    provider = source.provider

    statuses = []
    for minute in range(6):
        probe_at(source, minute)
        provider.refresh_from_db()
        statuses.append(provider.observed_status)

    assert statuses == [
        "unknown",
        "operational",
        "operational",  # one failure is a blip until confirmed
        "major_outage",
        "major_outage",  # one success is not a recovery yet
        "operational",
    ]
    results = list(ProbeResult.objects.order_by("at"))
    assert [r.error_class for r in results] == ["", "", "overloaded", "timeout", "", ""]
    assert [r.verdict for r in results] == ["up", "up", "down", "down", "up", "up"]
    assert results[3].latency_ms is None
    assert results[0].status_code == 401

    for subject in ({"source": source}, {"source__isnull": True}):
        changes = list(
            ObservedTransition.objects.filter(provider=provider, **subject)
            .order_by("at")
            .values_list("old_status", "new_status", "at")
        )
        assert changes == [
            ("unknown", "operational", T0 + timedelta(minutes=1)),
            ("operational", "major_outage", T0 + timedelta(minutes=3)),
            ("major_outage", "operational", T0 + timedelta(minutes=5)),
        ]
    outage = ObservedTransition.objects.get(source=source, new_status="major_outage")
    assert outage.since == T0 + timedelta(minutes=2)  # the first failure of the streak


def test_applying_the_same_results_again_changes_nothing(status_server):
    status_server.set("/v1/models", status=500)
    source = make_probe(url=status_server.url("/v1/models"))
    probe_at(source, 0)
    probe_at(source, 1)
    before = ObservedTransition.objects.count()
    assert before == 2  # the probe's and the provider's
    source.refresh_from_db()
    assert observed.apply_results(source) == []
    assert observed.refresh_provider_observed(source.provider_id, at=T0) is None
    assert ObservedTransition.objects.count() == before


def test_a_probe_never_feeds_the_official_status(status_server):
    status_server.set("/v1/models", status=503)
    source = make_probe(url=status_server.url("/v1/models"))
    probe_at(source, 0)
    probe_at(source, 1)
    provider = Provider.objects.get()
    assert provider.observed_status == "major_outage"
    assert provider.status == "unknown"
    assert compute_provider_status(provider).value == "unknown"
    source.refresh_from_db()
    assert source.last_error == ""


def test_a_refused_connection_is_classified_as_refused():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    source = make_probe(url=f"http://127.0.0.1:{port}/v1/models")
    run = probe_at(source, 0)
    assert (run.result.verdict, run.result.error_class) == ("down", "refused")


def test_tls_to_a_plain_http_server_is_classified_as_tls(status_server):
    status_server.set("/v1/models", status=401)
    source = make_probe(url=status_server.url("/v1/models").replace("http://", "https://"))
    run = probe_at(source, 0)
    assert (run.result.verdict, run.result.error_class) == ("down", "tls")


def test_a_429_is_inconclusive_and_moves_no_status(status_server):
    status_server.set("/v1/models", status=401)
    source = make_probe(url=status_server.url("/v1/models"))
    probe_at(source, 0)
    probe_at(source, 1)
    status_server.set("/v1/models", status=429, headers={"Retry-After": "120"})
    for minute in (2, 3, 4):
        run = probe_at(source, minute)
        assert (run.result.verdict, run.result.error_class) == ("inconclusive", "rate_limited")
    assert Provider.objects.get().observed_status == "operational"
    source.refresh_from_db()
    assert source.next_poll_at >= T0 + timedelta(minutes=4, seconds=120)


@pytest.mark.parametrize(
    ("kind", "error_class", "verdict"),
    [
        ("timeout", "timeout", "down"),
        ("dns", "dns", "down"),
        ("tls", "tls", "down"),
        ("refused", "refused", "down"),
        ("connection", "connection", "down"),
        ("blocked", "blocked", "inconclusive"),
        ("too_large", "too_large", "inconclusive"),
    ],
)
def test_each_transport_failure_gets_its_error_class(kind, error_class, verdict):
    outcome = outcome_for_fetch_error(FetchError(kind, "boom"))
    assert (outcome.verdict, outcome.error_class) == (verdict, error_class)


@pytest.mark.parametrize(
    ("code", "expected", "result"),
    [
        (401, "", ("up", "")),
        (200, "", ("up", "")),
        (404, "", ("up", "")),
        (429, "", ("inconclusive", "rate_limited")),
        (500, "", ("down", "http_5xx")),
        (502, "", ("down", "http_5xx")),
        (503, "", ("down", "overloaded")),
        (529, "", ("down", "overloaded")),
        (404, "200-299,401", ("down", "unexpected_status")),
        (401, "200-299,401", ("up", "")),
    ],
)
def test_http_status_codes_are_classified(code, expected, result):
    assert classify_http_status(code, parse_expected_statuses(expected)) == result


@pytest.mark.parametrize("text", ["abc", "200-", "600", "300-200", "2OO"])
def test_bad_expected_statuses_are_refused_with_a_reason(text):
    with pytest.raises(ValueError, match=r"range|within"):
        parse_expected_statuses(text)


def test_many_probes_run_in_one_batch_on_one_client(status_server):
    status_server.set("/a", status=401)
    status_server.set("/b", status=500)
    status_server.set("/c", status=200, delay=0.2)
    probes = [
        make_probe("a", url=status_server.url("/a")),
        make_probe("b", url=status_server.url("/b")),
        make_probe("c", url=status_server.url("/c")),
    ]
    runs = run_probes(probes, now=T0)
    assert [run.result.verdict for run in runs] == ["up", "down", "up"]
    assert ProbeResult.objects.count() == 3


def test_status_pages_are_refused_by_the_probe_runner_and_probes_by_the_poller():
    from probes.status.polling import poll_source

    provider = Provider.objects.create(slug="x", name="X")
    page = Source.objects.create(provider=provider, url="https://status.x.test/summary.json")
    with pytest.raises(ValueError, match="not probes"):
        run_probes([page])
    probe = make_probe("x", url="https://api.x.test/v1/models")
    with pytest.raises(ValueError, match="is a probe"):
        poll_source(probe)


def test_the_dispatcher_sends_probes_to_one_batch_and_pages_to_polls():
    provider = Provider.objects.create(slug="x", name="X")
    page = Source.objects.create(provider=provider, url="https://status.x.test/summary.json")
    probe_a = make_probe("x", url="https://api.x.test/a")
    probe_b = make_probe("x", url="https://api.x.test/b")
    with (
        mock.patch.object(tasks.poll_sources_task, "apply_async") as polls,
        mock.patch.object(tasks.run_probe_batch_task, "apply_async") as batches,
    ):
        tasks.dispatch_due_polls()
    assert [call.args[0] for call in polls.call_args_list] == [([page.pk],)]
    assert [call.args[0] for call in batches.call_args_list] == [([probe_a.pk, probe_b.pk],)]


def test_the_batch_task_runs_the_probes_it_is_given_and_skips_the_rest():
    provider = Provider.objects.create(slug="x", name="X")
    page = Source.objects.create(provider=provider, url="https://status.x.test/summary.json")
    probe = make_probe("x", url="https://api.x.test/a")
    with mock.patch("probes.tasks.probing.run_probes", autospec=True) as run:
        tasks.run_probe_batch_task([probe.pk, page.pk, 99999])
    assert [source.pk for source in run.call_args.args[0]] == [probe.pk]


def test_a_private_address_not_allowed_is_blocked_before_any_request(status_server, settings):
    settings.AIWATCH_OUTBOUND_ALLOW = []
    status_server.set("/v1/models", status=401)
    run = probe_at(make_probe(url=status_server.url("/v1/models")), 0)
    assert (run.result.verdict, run.result.error_class) == ("inconclusive", "blocked")
    assert status_server.requests == []


def test_fetch_async_follows_redirects_but_keeps_our_headers_on_the_first_host(
    status_server, settings
):
    import asyncio

    from probes import outbound
    from probes.observe.probing import probe_limits

    settings.AIWATCH_OUTBOUND_ALLOW = ["127.0.0.1", "localhost"]
    other_host = status_server.url("/final").replace("127.0.0.1", "localhost")
    status_server.set("/start", status=302, headers={"Location": other_host})
    status_server.set("/final", b"{}", status=200)

    async def go():
        async with outbound.async_client() as client:
            return await outbound.fetch_async(
                client,
                status_server.url("/start"),
                headers={"Authorization": "Bearer secret"},
                limits=probe_limits(2),
            )

    result = asyncio.run(go())
    assert result.status_code == 200
    first, second = status_server.requests
    assert first.headers.get("Authorization") == "Bearer secret"
    assert "Authorization" not in second.headers
    assert second.headers["Host"].startswith("localhost")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_when_no_probe_of_any_provider_can_connect_our_own_network_is_blamed():
    # A closed network: nothing answers, for every provider at once.
    probes = [
        make_probe(slug, url=f"http://127.0.0.1:{closed_port()}/v1/models")
        for slug in ("first", "second", "third")
    ]
    for minute in (0, 1, 2):
        runs = run_probes(
            Source.objects.filter(pk__in=[p.pk for p in probes]).order_by("pk"),
            now=T0 + timedelta(minutes=minute),
        )
        assert {run.result.verdict for run in runs} == {"inconclusive"}
        assert all(run.result.error_class == "refused" for run in runs)
        assert all("our own network looks down" in run.result.message for run in runs)
    assert not ObservedTransition.objects.exists()
    assert set(Provider.objects.values_list("observed_status", flat=True)) != {"major_outage"}


def test_one_provider_unreachable_while_another_answers_is_still_down(status_server):
    status_server.set("/ok", status=401)
    reachable = make_probe("reachable", url=status_server.url("/ok"))
    unreachable = make_probe("unreachable", url=f"http://127.0.0.1:{closed_port()}/v1/models")
    runs = run_probes([reachable, unreachable], now=T0)
    assert [run.result.verdict for run in runs] == ["up", "down"]


def test_a_single_provider_failing_to_connect_is_not_discounted():
    probe = make_probe("alone", url=f"http://127.0.0.1:{closed_port()}/v1/models")
    (run,) = run_probes([probe], now=T0)
    assert run.result.verdict == "down"


def test_errors_that_are_answers_are_never_discounted(status_server):
    status_server.set("/a", status=503)
    status_server.set("/b", status=500)
    runs = run_probes(
        [
            make_probe("a", url=status_server.url("/a")),
            make_probe("b", url=status_server.url("/b")),
        ],
        now=T0,
    )
    assert [run.result.verdict for run in runs] == ["down", "down"]
