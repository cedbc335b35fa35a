"""Plan B text: Markdown written by the team, rendered to HTML that cannot run anything."""

from __future__ import annotations

import markdown  # type: ignore[import-untyped]
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text: str) -> SafeString:
    """Markdown to sanitised HTML: no raw HTML, scripts, styles or images; links open safely.

    Headings start at h3 so a plan B never outranks the page it sits on.
    """
    html = markdown.markdown(text or "", extensions=["sane_lists"], output_format="html")
    for level in (2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(
            f"</h{level}>", f"</h{level + 2}>"
        )
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # nh3 removed everything not on the allowlist


def quote_for_message(text: str, *, limit: int = 1500) -> str:
    """The playbook as a Markdown block quote for a chat message, cut at `limit` characters."""
    body = (text or "").strip()
    if len(body) > limit:
        body = body[:limit].rstrip() + " …"
    return "\n".join(f"> {line}" if line.strip() else ">" for line in body.splitlines())
