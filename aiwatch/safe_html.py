"""Turn Markdown we did not write (provider incident updates, team playbooks) into safe HTML.

Update bodies arrive as Markdown, HTML or plain text. They are rendered with Markdown and then
cleaned with nh3 down to a small set of harmless tags, so a hostile status page cannot run script,
frame content or smuggle `javascript:` links into our pages.
"""

from __future__ import annotations

import markdown  # type: ignore[import-untyped]
import nh3

ALLOWED_TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "code", "pre", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener noreferrer"
# Longer bodies are cut: no real update is this long, and Markdown time grows with input.
MAX_SOURCE_CHARS = 20_000


def render_provider_text(text: str) -> str:
    """Markdown (or HTML) from a provider, as HTML that is safe to insert into a page."""
    if not text:
        return ""
    html = markdown.markdown(text[:MAX_SOURCE_CHARS], extensions=["nl2br"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
