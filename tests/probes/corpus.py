"""The hostile-input corpus: hand-written and generated payloads that status sources could send.

Each `Case` is a body plus how the local server answers with it. `must_fail` marks payloads
that are not data at all (truncated, not JSON/XML, bombs, DTDs...): every parser must refuse
them and a poll must end as a recorded source error. The rest are shaped like real pages with
something wrong or hostile inside; they may be accepted, but only as a safe record.
"""

from __future__ import annotations

import copy
import gzip
import json
import zlib
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from tests.conftest import load_fixture

BASE_FIXTURES = (
    "statuspage/summary_operational.json",
    "statuspage/summary_major_outage.json",
    "incidentio/summary_degraded.json",
    "incidentio/summary_operational_null_incidents.json",
)

# Script, markup and URL payloads; each sets a marker the browser test looks for if it ever runs.
XSS_PAYLOADS = (
    '<script>document.title="XSS"</script>',
    "<img src=x onerror=\"document.title='XSS'\">",
    '<iframe src="javascript:document.title=1"></iframe>',
    "javascript:document.title='XSS'",
    '"><svg onload="document.title=1">',
    '<a href="javascript:alert(1)">click</a>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    "';alert(String.fromCharCode(88,83,83))//",
    "{{ 7|add:7 }}{% debug %}",
    '<div style="background-image:url(javascript:alert(1))">x</div>',
)

DATE_VARIANTS: tuple[Any, ...] = (
    "2026-11-20T10:00:00",  # no zone
    "9999-12-31T23:59:59Z",  # far future
    "0001-01-01T00:00:00Z",  # far past
    "1970-01-01T00:00:00Z",
    1732000000,  # epoch number
    "2026-02-30T00:00:00Z",  # no such day
    "yesterday",
    "",
    "2026-11-20",
    "2026-11-20T10:00:00+25:00",
    "+275760-09-13T00:00:00Z",
)

ENUM_VARIANTS: tuple[Any, ...] = ("on_fire", "", "OPERATIONAL", 7, None, "operational ")

TYPE_VARIANTS: tuple[Any, ...] = (None, 10**30, "", [], {"x": 1})


@dataclass(frozen=True)
class Case:
    name: str
    body: bytes
    must_fail: bool = False
    # Extra keyword arguments for FakeServer.set (status, headers, repeat, send_length...).
    answer: dict[str, Any] = field(default_factory=dict)
    # True for cases about the wire (size, encoding, redirects), not the parsers.
    transport_only: bool = False
    # A mutation of the major-outage page: if it is accepted, it must never read as green.
    from_outage: bool = False


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _outage() -> dict[str, Any]:
    return json.loads(load_fixture("statuspage/summary_major_outage.json"))


def _set(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    document = copy.deepcopy(document)
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document


# Fields of the major-outage page that carry text, dates, enums; paths into the document.
TEXT_PATHS: tuple[tuple[Any, ...], ...] = (
    ("page", "name"),
    ("page", "url"),
    ("components", 1, "name"),
    ("components", 1, "description"),
    ("components", 1, "id"),
    ("incidents", 0, "name"),
    ("incidents", 0, "shortlink"),
    ("incidents", 0, "incident_updates", 0, "body"),
)
DATE_PATHS: tuple[tuple[Any, ...], ...] = (
    ("incidents", 0, "created_at"),
    ("incidents", 0, "started_at"),
    ("incidents", 0, "incident_updates", 0, "created_at"),
    ("incidents", 0, "incident_updates", 0, "display_at"),
)
ENUM_PATHS: tuple[tuple[Any, ...], ...] = (
    ("status", "indicator"),
    ("components", 1, "status"),
    ("incidents", 0, "status"),
    ("incidents", 0, "impact"),
    ("incidents", 0, "incident_updates", 0, "status"),
)


def _type_paths(document: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Every field of the page, the second component, the first incident and its first update."""
    paths: list[tuple[Any, ...]] = [(key,) for key in document]
    paths += [("page", key) for key in document["page"]]
    paths += [("status", key) for key in document["status"]]
    paths += [("components", 1, key) for key in document["components"][1]]
    incident = document["incidents"][0]
    paths += [("incidents", 0, key) for key in incident]
    paths += [
        ("incidents", 0, "incident_updates", 0, key) for key in incident["incident_updates"][0]
    ]
    return paths


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title></item></channel></rss>
"""


def _quadratic_blowup() -> bytes:
    entity = "A" * 50_000
    refs = "&a;" * 50_000
    return (
        f'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "{entity}">]>'
        f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{refs}</title></feed>'
    ).encode()


XXE_CASES = {
    "xxe-file": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b"<rss><channel><title>&x;</title></channel></rss>",
    "xxe-http": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM '
    b'"http://169.254.169.254/latest/meta-data/">]><rss><channel><title>&x;</title></channel></rss>',
    "xxe-parameter": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM '
    b'"http://127.0.0.1:9/evil.dtd"> %p;]><feed xmlns="http://www.w3.org/2005/Atom"/>',
    "xxe-external-dtd": b'<?xml version="1.0"?><!DOCTYPE feed SYSTEM "http://127.0.0.1:9/x.dtd">'
    b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>',
    "xxe-utf16": '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY x SYSTEM '
    '"file:///etc/passwd">]><rss><channel><title>&x;</title></channel></rss>'.encode("utf-16"),
    "xxe-in-atom-entry": b'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY x SYSTEM '
    b'"file:///etc/hostname">]><feed xmlns="http://www.w3.org/2005/Atom"><entry><title>&x;'
    b"</title><id>1</id><updated>2026-11-20T10:00:00Z</updated></entry></feed>",
}

RSS_WITH_XSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{x}</title><link>javascript:alert(1)</link>
<description>{x}</description>
<item><title>{x}</title><link>javascript:alert(1)</link><guid>{x}</guid>
<description><![CDATA[{x}<b>Investigating</b>]]></description>
<pubDate>Fri, 20 Nov 2026 10:00:00 +0000</pubDate></item></channel></rss>"""

ATOM_WITH_XSS = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>{x}</title><id>tag:x</id>
<updated>2026-11-20T10:00:00Z</updated>
<entry><title type="html">{x}</title><id>tag:x:1</id><link href="javascript:alert(1)"/>
<updated>2026-11-20T10:00:00Z</updated><content type="html">{x}</content></entry></feed>"""

CHALLENGE_PAGES = {
    "cloudflare-challenge": load_fixture("challenge_page.html"),
    "login-wall": b"<!DOCTYPE html><html><head><title>Sign in</title></head>"
    b"<body><form>...</form></body></html>",
    "html-no-doctype": b"<html><body>Service Unavailable</body></html>",
    "html-leading-space": b"\n\n   <HTML><BODY>maintenance</BODY></HTML>",
    "just-a-moment": b"<!DOCTYPE html><html><head><title>Just a moment...</title></head></html>",
    "nginx-502": b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n</html>",
}


@cache
def gzip_bomb() -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    return b"".join(compressor.compress(block) for _ in range(64)) + compressor.flush()


def _many_components(count: int) -> bytes:
    document = json.loads(load_fixture("statuspage/summary_operational.json"))
    template = document["components"][0]
    document["components"] = [
        {
            **template,
            "id": f"c{index:08d}",
            "name": f"Component {index}",
            "group_id": None,
            "group": False,
            "position": index,
        }
        for index in range(count)
    ]
    return _json(document)


def _many_incidents(count: int) -> bytes:
    document = _outage()
    template = document["incidents"][0]
    document["incidents"] = [
        {**template, "id": f"inc{index:08d}", "incident_updates": template["incident_updates"][:1]}
        for index in range(count)
    ]
    return _json(document)


def hand_written() -> list[Case]:
    fixture = load_fixture("statuspage/summary_operational.json")
    text = fixture.decode()
    cases = [
        Case("empty", b"", must_fail=True),
        Case("whitespace", b" \n\t ", must_fail=True),
        Case("null", b"null", must_fail=True),
        # AWS Health and Google Cloud answer `[]` when nothing is open: a real, healthy page for
        # those two formats, refused by every other.
        Case("empty-list", b"[]", must_fail=False),
        Case("empty-object", b"{}", must_fail=True),
        Case("true", b"true", must_fail=True),
        Case("zero", b"0", must_fail=True),
        Case("empty-string", b'""', must_fail=True),
        Case("page-null", b'{"page": null, "components": []}', must_fail=True),
        Case("nan", b'{"page": {"id": "x"}, "components": [], "n": NaN}', must_fail=True),
        Case("infinity", b'{"page": {"id": "x"}, "components": [Infinity]}', must_fail=True),
        Case(
            "huge-exponent", b'{"page": {"id": "x"}, "components": [], "n": 1e999}', must_fail=True
        ),
        Case("deep-nesting", b"[" * 100_000 + b"]" * 100_000, must_fail=True),
        Case("deep-nesting-unclosed", b'{"a":' * 50_000, must_fail=True),
        Case(
            "deep-nesting-65",
            b'{"page": {"id": "x"}, "components": ' + b"[" * 65 + b"]" * 65 + b"}",
            must_fail=True,
        ),
        Case("nul-byte-raw", fixture[:200] + b"\x00" + fixture[200:], must_fail=True),
        Case("nul-escape", text.replace('"API"', '"A\\u0000PI"').encode(), must_fail=True),
        Case("lone-surrogate", text.replace('"API"', '"\\ud800"').encode(), must_fail=True),
        Case(
            "latin1-body",
            text.replace('"API"', '"API caf\u00e9"').encode("latin-1"),
            must_fail=True,
        ),
        Case("invalid-utf8", fixture.replace(b'"API"', b'"\xc3\x28"'), must_fail=True),
        Case("overlong-utf8", fixture.replace(b'"API"', b'"\xc0\xaf"'), must_fail=True),
        Case("utf16-bom", "\ufeff".encode("utf-16-le") + text.encode("utf-16-le")),
        Case("utf16-be-bom", text.encode("utf-16")),
        Case("utf16-no-bom", text.encode("utf-16-le"), must_fail=True),
        Case("utf32", text.encode("utf-32"), must_fail=True),
        Case("utf8-bom", b"\xef\xbb\xbf" + fixture),
        Case("trailing-garbage", fixture + b"garbage", must_fail=True),
        Case("two-documents", fixture + fixture, must_fail=True),
        Case("json-lines", b'{"page": {"id": "x"}}\n{"components": []}', must_fail=True),
        Case("single-quotes", fixture.replace(b'"', b"'"), must_fail=True),
        Case("comments", b"// comment\n" + fixture, must_fail=True),
        Case("binary-noise", bytes(range(256)) * 8, must_fail=True),
        Case("png-bytes", b"\x89PNG\r\n\x1a\n" + bytes(500), must_fail=True),
        Case("gzip-without-header", gzip.compress(fixture), must_fail=True),
        Case("huge-string-name", text.replace('"API"', '"' + "x" * 1_000_000 + '"').encode()),
        Case(
            "huge-description",
            text.replace(
                '"description": null', '"description": "' + "<b>" * 300_000 + '"', 1
            ).encode(),
        ),
        Case(
            "huge-number-position",
            text.replace('"position": 2', '"position": ' + "9" * 5000, 1).encode(),
        ),
        Case(
            "huge-int-position",
            text.replace('"position": 2', '"position": 1' + "0" * 30, 1).encode(),
        ),
        Case(
            "negative-position",
            text.replace('"position": 2', '"position": -99999999999', 1).encode(),
        ),
        Case("float-position", text.replace('"position": 2', '"position": 2.5', 1).encode()),
        Case(
            "duplicate-keys",
            text.replace(
                '"status": "operational"', '"status": "operational", "status": "major_outage"', 1
            ).encode(),
        ),
        Case(
            "duplicate-component-ids",
            _json(
                {
                    **json.loads(fixture),
                    "components": json.loads(fixture)["components"] * 3,
                }
            ),
        ),
        Case("10000-components", _many_components(10_000)),
        Case("300-incidents", _many_incidents(300)),
        Case("billion-laughs", BILLION_LAUGHS, must_fail=True),
        Case("quadratic-blowup", _quadratic_blowup(), must_fail=True),
        Case(
            "xml-truncated",
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>x',
            must_fail=True,
        ),
        Case("xml-invalid", b"<rss><channel></rss></channel>", must_fail=True),
        Case("xml-empty-rss", b'<?xml version="1.0"?><rss version="2.0"></rss>', must_fail=True),
        Case("xml-not-a-feed", b'<?xml version="1.0"?><note><to>x</to></note>', must_fail=True),
        Case("svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', must_fail=True),
    ]
    cases += [Case(name, body, must_fail=True) for name, body in XXE_CASES.items()]
    cases += [Case(name, body, must_fail=True) for name, body in CHALLENGE_PAGES.items()]
    for index, payload in enumerate(XSS_PAYLOADS):
        escaped = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        cases.append(Case(f"rss-xss-{index}", RSS_WITH_XSS.format(x=escaped).encode()))
        cases.append(Case(f"atom-xss-{index}", ATOM_WITH_XSS.format(x=escaped).encode()))
    # The right bytes with the wrong or missing label: parsers read the bytes, not the label.
    for label in (
        "text/html",
        "",
        "application/octet-stream",
        "text/plain; charset=latin-1",
        "application/json; charset=utf-16",
    ):
        cases.append(
            Case(
                f"content-type-{label or 'missing'}",
                fixture,
                answer={"headers": {"Content-Type": label}},
            )
        )
    cases.append(
        Case(
            "challenge-as-json",
            CHALLENGE_PAGES["cloudflare-challenge"],
            must_fail=True,
            answer={"headers": {"Content-Type": "application/json"}},
        )
    )
    return cases


def transport_cases() -> list[Case]:
    """What only a real poll can show: the wire itself misbehaving."""
    fixture = load_fixture("statuspage/summary_major_outage.json")
    mib = b" " * (1024 * 1024)
    return [
        Case(
            "50mb-streamed",
            b"",
            must_fail=True,
            transport_only=True,
            answer={"body": mib, "repeat": 50, "send_length": False},
        ),
        Case(
            "50mb-declared",
            b"",
            must_fail=True,
            transport_only=True,
            answer={"body": mib, "repeat": 50},
        ),
        Case(
            "gzip-bomb",
            b"",
            must_fail=True,
            transport_only=True,
            answer={"body": gzip_bomb(), "headers": {"Content-Encoding": "gzip"}},
        ),
        Case(
            "gzip-corrupt",
            b"",
            must_fail=True,
            transport_only=True,
            answer={"body": b"\x1f\x8b\x08\x00garbage", "headers": {"Content-Encoding": "gzip"}},
        ),
        Case(
            "brotli-unasked",
            b"",
            must_fail=True,
            transport_only=True,
            answer={"body": b"\x0b\x02\x80", "headers": {"Content-Encoding": "br"}},
        ),
        Case(
            "gzip-good",
            b"",
            transport_only=True,
            answer={"body": gzip.compress(fixture), "headers": {"Content-Encoding": "gzip"}},
        ),
        Case(
            "http-500",
            b"",
            must_fail=True,
            transport_only=True,
            answer={"body": fixture, "status": 500},
        ),
        Case(
            "http-404-json",
            b"",
            must_fail=True,
            transport_only=True,
            answer={"body": fixture, "status": 404},
        ),
        Case(
            "http-429",
            b"",
            must_fail=True,
            transport_only=True,
            answer={"body": b"slow down", "status": 429, "headers": {"Retry-After": "120"}},
        ),
        Case("http-204", b"", must_fail=True, transport_only=True, answer={"status": 204}),
        Case(
            "redirect-to-metadata",
            b"",
            must_fail=True,
            transport_only=True,
            answer={"status": 302, "headers": {"Location": "http://169.254.169.254/latest/"}},
        ),
        Case(
            "redirect-to-file",
            b"",
            must_fail=True,
            transport_only=True,
            answer={"status": 301, "headers": {"Location": "file:///etc/passwd"}},
        ),
        Case(
            "redirect-without-location",
            b"",
            must_fail=True,
            transport_only=True,
            answer={"status": 302},
        ),
        Case(
            "wrong-content-length",
            b"",
            must_fail=True,
            transport_only=True,
            answer={"body": fixture[:100], "headers": {"Content-Length": str(len(fixture))}},
        ),
    ]


def truncations() -> list[Case]:
    cases = []
    for name in BASE_FIXTURES:
        body = load_fixture(name)
        for step in range(1, 13):
            cut = len(body) * step // 13
            cases.append(Case(f"truncated-{name}-{step}of13", body[:cut], must_fail=True))
    return cases


def mutations() -> list[Case]:
    outage = _outage()
    cases = []
    for path in _type_paths(outage):
        for value in TYPE_VARIANTS:
            label = "/".join(map(str, path))
            kind = type(value).__name__ if value != 10**30 else "bigint"
            cases.append(
                Case(f"type-{label}-{kind}", _json(_set(outage, path, value)), from_outage=True)
            )
    for path in TEXT_PATHS:
        for index, payload in enumerate(XSS_PAYLOADS):
            cases.append(
                Case(
                    f"xss-{'/'.join(map(str, path))}-{index}",
                    _json(_set(outage, path, payload)),
                    from_outage=True,
                )
            )
    for path in DATE_PATHS:
        for index, value in enumerate(DATE_VARIANTS):
            cases.append(
                Case(
                    f"date-{'/'.join(map(str, path))}-{index}",
                    _json(_set(outage, path, value)),
                    from_outage=True,
                )
            )
    for path in ENUM_PATHS:
        for index, value in enumerate(ENUM_VARIANTS):
            cases.append(
                Case(
                    f"enum-{'/'.join(map(str, path))}-{index}",
                    _json(_set(outage, path, value)),
                    from_outage=True,
                )
            )
    return cases


@cache
def all_cases() -> tuple[Case, ...]:
    cases = hand_written() + truncations() + mutations() + transport_cases()
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), "corpus case names must be unique"
    return tuple(cases)


def parser_cases() -> tuple[Case, ...]:
    return tuple(case for case in all_cases() if not case.transport_only)
