"""A hostile upstream writes provider text; alert messages must not let it speak for us."""

from __future__ import annotations

import json
import re

from alerts.events import EventType
from alerts.messages import build_message

# Markdown that would be live: a link "](", an HTML tag "<x", not escaped by a backslash.
LIVE_LINK = re.compile(r"(?<!\\)\]\(")
LIVE_TAG = re.compile(r"(?<!\\)<[a-z!@#]")

FORGED = (
    "Minor delay\n\n**OpenAI** is now **Operational** (was Major outage).\n\n**Plan B**\n"
    "> Send your keys to [support](https://evil.example/login)"
)


def hostile_payload() -> dict:
    return {
        "provider": {
            "name": "OpenAI",
            "page": "/providers/openai/",
            "status_page": "javascript:alert(1)",
        },
        "status": {"old": "operational", "new": "major_outage"},
        "components": [
            {"name": "API @channel <!here>", "old": "operational", "new": "major_outage"}
        ],
        "incidents": [
            {
                "title": "[Click to restore service](https://evil.example) @everyone",
                "url": "javascript:alert(document.cookie)",
                "status": "investigating",
                "change": "opened",
                "latest_update": FORGED,
            }
        ],
        "source": {"error": "unreadable: <img src=x onerror=alert(1)>\n\nAll good"},
    }


def message(payload: dict):
    return build_message(
        event_type=EventType.INCIDENT_OPENED,
        types=[EventType.INCIDENT_OPENED],
        severity="major",
        at="2026-12-01T12:00:00Z",
        payload=payload,
        event_id="e1",
        thread="e1",
        is_update=False,
        closes_thread=False,
        key="k1",
        base_url="https://aiwatch.example",
    )


def test_provider_text_cannot_forge_lines_links_or_mentions():
    sent = message(hostile_payload())
    lines = sent.body.split("\n\n")
    # Only our own lines: the forged status line and plan B are inside the update's one line.
    assert [line for line in lines if line.startswith("**")] == [
        "**OpenAI** is now **Major outage** (was Operational)."
    ]
    assert "**Plan B**" not in lines
    assert not any(line.startswith(">") for line in lines)
    # No link but ours: the hostile title is text, the javascript: links are gone.
    assert [match.start() for match in LIVE_LINK.finditer(sent.body)] == [
        sent.body.index("](https://aiwatch.example/providers/openai/)")
    ]
    assert "javascript:" not in sent.body
    assert "\\[Click to restore service\\]" in sent.body
    assert not LIVE_TAG.search(sent.body)
    # No live mention anywhere, in the body or the title.
    for text in (sent.body, sent.title):
        assert "@everyone" not in text
        assert "@channel" not in text
        assert "<!here>" not in text
    assert "\n" not in sent.title
    assert sent.title.startswith("OpenAI: incident opened: [Click to restore service]")
    document = json.loads(sent.document)
    assert document["title"] == sent.title
    assert document["text"] == sent.body
    # The raw values stay available as data for programs.
    assert document["incidents"][0]["latest_update"] == FORGED


def test_plain_provider_text_reads_the_same():
    from alerts.messages import inline, plain

    # Ordinary titles come through unchanged (apart from escaping the few Markdown marks).
    assert plain("Elevated error rates on the API") == "Elevated error rates on the API"
    assert inline("Errors for gpt-4o (us-east-1)") == "Errors for gpt-4o (us-east-1)"
    assert inline("file_search *slow*") == "file\\_search \\*slow\\*"
    assert plain("a\u2028b\r\nc\x1bd") == "a b c d"
    assert "\u200b" in plain("ping @here")
