"""Property tests: whatever bytes arrive, every parser returns a safe page or raises ParseError."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probes.parsers import PARSERS
from probes.parsers.payload import refuse_xml_declarations, time_budget
from probes.parsers.types import ParseError
from tests.conftest import load_fixture
from tests.probes.corpus import Case
from tests.probes.test_hostile_corpus import assert_safe_page

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=40,
)

# Values in the places a status page puts them, so parsers get past the first checks.
field_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.text(max_size=40),
    st.sampled_from(
        [
            "operational",
            "major_outage",
            "degraded_performance",
            "investigating",
            "resolved",
            "critical",
            "none",
            "2026-11-20T10:00:00Z",
            "2026-11-20T10:00:00",
            "9999-01-01T00:00:00Z",
            "javascript:alert(1)",
            "<script>alert(1)</script>",
        ]
    ),
    st.lists(st.text(max_size=5), max_size=3),
)


def statuspage_like() -> st.SearchStrategy[dict[str, Any]]:
    component = st.fixed_dictionaries(
        {"id": field_values, "name": field_values, "status": field_values},
        optional={
            "group_id": field_values,
            "group": field_values,
            "position": field_values,
            "description": field_values,
        },
    )
    update = st.fixed_dictionaries(
        {"id": field_values, "status": field_values, "body": field_values},
        optional={"created_at": field_values, "display_at": field_values},
    )
    incident = st.fixed_dictionaries(
        {"id": field_values, "name": field_values, "status": field_values},
        optional={
            "impact": field_values,
            "created_at": field_values,
            "resolved_at": field_values,
            "shortlink": field_values,
            "incident_updates": st.lists(update, max_size=3) | field_values,
            "components": st.lists(component, max_size=2) | field_values,
        },
    )
    return st.fixed_dictionaries(
        {
            "page": st.fixed_dictionaries(
                {"id": field_values},
                optional={"url": field_values, "time_zone": field_values, "name": field_values},
            )
        },
        optional={
            "status": st.fixed_dictionaries({"indicator": field_values}) | field_values,
            "components": st.lists(component, max_size=4) | field_values,
            "incidents": st.lists(incident, max_size=3) | field_values,
            "scheduled_maintenances": st.lists(incident, max_size=2) | field_values,
        },
    )


def _run_every_parser(content: bytes, case: Case) -> None:
    for kind, parser in sorted(PARSERS.items()):
        try:
            with time_budget(10):
                page = parser(content, {})
        except ParseError:
            continue
        assert_safe_page(page, case, kind)


@PROPERTY_SETTINGS
@given(st.binary(max_size=2000))
def test_any_bytes_are_refused_or_read_safely(content):
    _run_every_parser(content, Case("hypothesis-bytes", content))


@PROPERTY_SETTINGS
@given(json_values)
def test_any_json_is_refused_or_read_safely(value):
    content = json.dumps(value).encode()
    _run_every_parser(content, Case("hypothesis-json", content))


@PROPERTY_SETTINGS
@given(statuspage_like())
def test_statuspage_shaped_documents_are_refused_or_read_safely(document):
    content = json.dumps(document).encode()
    _run_every_parser(content, Case("hypothesis-statuspage", content))


@PROPERTY_SETTINGS
@given(st.data())
def test_a_real_page_with_any_slice_removed_is_refused_or_read_safely(data):
    fixture = load_fixture("statuspage/summary_major_outage.json")
    start = data.draw(st.integers(min_value=0, max_value=len(fixture) - 1))
    end = data.draw(st.integers(min_value=start + 1, max_value=len(fixture)))
    content = fixture[:start] + fixture[end:]
    _run_every_parser(content, Case("hypothesis-slice", content))


@PROPERTY_SETTINGS
@given(st.text(max_size=300))
def test_xml_gate_never_raises_anything_but_parse_error(text):
    for encoding in ("utf-8", "utf-16", "utf-16-le", "latin-1"):
        try:
            content = text.encode(encoding)
        except UnicodeEncodeError:
            continue
        with contextlib.suppress(ParseError):
            refuse_xml_declarations(content)


@PROPERTY_SETTINGS
@given(st.sampled_from(["DOCTYPE", "doctype", "ENTITY", "Entity"]), st.text(max_size=40))
def test_xml_gate_finds_a_declaration_wherever_it_is(keyword, padding):
    content = f"<?xml version='1.0'?>{padding.replace('<', '')}<!{keyword} x [ ]><r/>"
    for encoding in ("utf-8", "utf-16"):
        try:
            refuse_xml_declarations(content.encode(encoding))
        except ParseError:
            continue
        raise AssertionError(f"{keyword} not found in {encoding}")
