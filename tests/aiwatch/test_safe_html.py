"""Provider-written text becomes inert, safe HTML."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from aiwatch.safe_html import render_provider_text


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
        "<iframe src='https://evil.example'></iframe>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">click</a>',
        '<a href="JaVaScRiPt:alert(1)">click</a>',
        "[click](javascript:alert(1))",
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
        '<p onclick="alert(1)" style="background:url(javascript:alert(1))">x</p>',
        "<svg onload=alert(1)><circle/></svg>",
        "<style>body{display:none}</style>",
        '<form action="https://evil.example"><input name=x></form>',
        "<object data=x></object><embed src=x>",
        '<math><mtext><table><mglyph><style><img src=x onerror="alert(1)">',
    ],
)
def test_hostile_markup_becomes_inert(payload):
    html = render_provider_text(payload).lower()

    for marker in (
        "<script",
        "<iframe",
        "onerror",
        "onclick",
        "onload",
        "javascript:",
        "data:",
        "<style",
        "style=",
        "<svg",
        "<form",
        "<input",
        "<object",
        "<embed",
        "<img",
    ):
        assert marker not in html, (payload, html)


def test_markdown_renders_to_the_small_allowed_set():
    html = render_provider_text(
        "We are **investigating** _errors_.\n\n"
        "- one\n- two\n\n"
        "> quoted\n\n"
        "`code` and [details](https://status.example.com/x)"
    )

    assert "<strong>investigating</strong>" in html
    assert "<em>errors</em>" in html
    assert "<ul>" in html
    assert "<li>one</li>" in html
    assert "<blockquote>" in html
    assert "<code>code</code>" in html
    assert (
        '<a href="https://status.example.com/x" rel="nofollow noopener noreferrer">details</a>'
        in html
    )


def test_provider_html_keeps_harmless_tags_and_loses_others():
    html = render_provider_text(
        '<p>Fixed <b>now</b>. <a href="mailto:ops@example.com">Mail</a></p>'
    )

    assert "Fixed now." in html  # <b> is not on the list: the tag goes, the words stay
    assert 'href="mailto:ops@example.com"' in html


def test_plain_text_lines_are_kept():
    assert "first<br>\nsecond" in render_provider_text("first\nsecond")


def test_empty_text_is_empty():
    assert render_provider_text("") == ""


def test_very_long_text_is_cut():
    assert len(render_provider_text("a" * 100_000)) < 21_000


def test_the_template_filter_marks_only_cleaned_text_safe():
    rendered = Template("{% load dashboard_extras %}{{ body|render_provider_text }}").render(
        Context({"body": "<b onmouseover=x>hi</b> <script>bad()</script>"})
    )

    assert rendered == "<p>hi </p>"
