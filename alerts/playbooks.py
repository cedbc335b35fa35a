"""Plan B text: Markdown written by the team, cleaned by the shared sanitiser (safe_html)."""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe

from aiwatch.safe_html import render_provider_text


def render_markdown(text: str) -> SafeString:
    """Markdown to HTML cleaned by the same allowlist as provider text: nothing can run."""
    return mark_safe(render_provider_text(text or ""))  # cleaned by nh3 in render_provider_text


def quote_for_message(text: str, *, limit: int = 1500) -> str:
    """The playbook as a Markdown block quote for a chat message, cut at `limit` characters."""
    body = (text or "").strip()
    if len(body) > limit:
        body = body[:limit].rstrip() + " …"
    return "\n".join(f"> {line}" if line.strip() else ">" for line in body.splitlines())
