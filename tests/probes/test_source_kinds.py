"""Source kinds, the parser registry and the probe/status-page split agree with each other."""

from __future__ import annotations

import pytest

from probes.models import Provider, Source
from probes.parsers import DETECTION_ORDER, FILTER_KEYS, PARSERS


def test_every_status_page_kind_has_a_parser_and_every_parser_a_kind():
    kinds = set(Source.Kind.values)
    assert set(PARSERS) == kinds - {Source.Kind.AUTO} - Source.PROBE_KINDS
    assert kinds >= Source.PROBE_KINDS


def test_auto_detection_tries_every_parser_and_every_parser_has_its_filters():
    assert sorted(DETECTION_ORDER) == sorted(PARSERS)
    assert set(FILTER_KEYS) == set(PARSERS) | {Source.Kind.AUTO}


@pytest.mark.django_db
def test_probes_and_status_pages_split_the_sources():
    provider = Provider.objects.create(slug="x", name="X")
    page = Source.objects.create(provider=provider, url="https://status.x.test/api/v2/s.json")
    probe = Source.objects.create(provider=provider, url="https://api.x.test/", kind="http_probe")
    ask = Source.objects.create(provider=provider, url="https://api.x.test/c", kind="inference")

    assert set(Source.objects.probes()) == {probe, ask}
    assert list(Source.objects.status_pages()) == [page]
    assert all(source.is_probe for source in Source.objects.probes())
