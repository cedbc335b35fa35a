"""Plan B Markdown goes through the dashboard's sanitiser: nothing can run or restyle the page."""

from __future__ import annotations

from alerts.playbooks import quote_for_message, render_markdown


def test_it_keeps_lists_emphasis_and_safe_links():
    html = render_markdown("1. Switch to **Claude**\n2. Use [template](https://wiki.example/x)")
    assert "<ol>" in html
    assert "<strong>Claude</strong>" in html
    assert 'href="https://wiki.example/x"' in html
    assert "noopener" in html


def test_it_removes_scripts_raw_html_handlers_and_javascript_links():
    html = render_markdown(
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
        "[click](javascript:alert(1))\n\n<div style='position:fixed'>cover</div>"
    )
    assert "<script" not in html
    assert "onerror" not in html
    assert "javascript:" not in html
    assert "<img" not in html
    assert "style=" not in html


def test_headings_never_outrank_the_page():
    html = render_markdown("# Plan B\n## Steps")
    assert "Plan B" in html
    assert "<h1>" not in html
    assert "<h2>" not in html


def test_a_long_playbook_is_quoted_and_cut():
    quoted = quote_for_message("line one\n\nline two " + "x" * 3000, limit=50)
    assert quoted.startswith("> line one\n>\n> line two")
    assert quoted.endswith("…")
    assert len(quoted) < 80
