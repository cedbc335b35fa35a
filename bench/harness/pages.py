"""Status pages for benchmarks, generated and served from a process of their own on 127.0.0.1.

    python -m bench.harness.pages --count 1000     # prints "port <n>" once it listens

Path `/s/<i>` is source i's page: a Statuspage summary.json (i % 3 == 0), an incident.io
Statuspage-compatible summary (i % 3 == 1) or a Statuspage history.atom (i % 3 == 2), each of a
size between 5 and 200 KB fixed by i. What a request gets depends on the server's mode, set by
`POST /_mode/<mode>`:

- `changed`: every request returns a new version of the page (a component flips between
  operational and degraded, and an incident gains an update), as during a cloud-wide incident;
- `same`: the same body every time, with no validators (answered 200);
- `etag`: the same body with an ETag, and 304 to a request that sends it back;
- `minutely`: a fifth of the pages change each minute (each page once every five minutes, at
  staggered minutes), with ETags for the unchanged ones.

The text is our own filler; only the shapes follow the real formats.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EPOCH = datetime(2026, 11, 1, tzinfo=UTC)
FILLER = "Our engineers are looking at elevated error rates and will post again shortly. "


def page_size(index: int) -> int:
    """Bytes the page of source `index` aims at: spread over 5-200 KB, fixed per source."""
    return 5_000 + (index * 7919) % 195_000


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _ulid(index: int) -> str:
    """A 26-character id in incident.io's alphabet (Crockford base 32), fixed per source."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    digits = []
    for _ in range(26):
        index, digit = divmod(index, 32)
        digits.append(alphabet[digit])
    return "01" + "".join(reversed(digits))[2:]


def statuspage_summary(index: int, version: int, *, incidentio: bool = False) -> bytes:
    """A summary.json whose size is about page_size(index); `version` changes its state.

    `incidentio`: incident.io's Statuspage-compatible copy instead, which the parsers tell
    apart by its page (a ULID id, no time zone) and its missing maintenance list.
    """
    degraded = version % 2 == 1
    at = EPOCH + timedelta(minutes=version)
    components = [
        {
            "id": f"c{index:05d}x{n:03d}",
            "name": f"Component {n}",
            "status": "degraded_performance" if degraded and n == 0 else "operational",
            "created_at": _iso(EPOCH),
            "updated_at": _iso(at if n == 0 else EPOCH),
            "position": n,
            "description": None,
            "showcase": True,
            "start_date": None,
            "group_id": None,
            "page_id": f"p{index:05d}",
            "group": False,
            "only_show_if_degraded": False,
        }
        for n in range(30)
    ]
    updates = [
        {
            "id": f"u{index:05d}x{n:04d}",
            "status": "investigating",
            "body": FILLER,
            "created_at": _iso(EPOCH + timedelta(minutes=n)),
            "updated_at": _iso(EPOCH + timedelta(minutes=n)),
            "display_at": _iso(EPOCH + timedelta(minutes=n)),
        }
        for n in range(version + 1)
    ]
    incident = {
        "id": f"i{index:05d}",
        "name": "Elevated errors",
        "status": "investigating",
        "impact": "minor",
        "created_at": _iso(EPOCH),
        "updated_at": _iso(at),
        "started_at": _iso(EPOCH),
        "resolved_at": None,
        "shortlink": f"https://stspg.example.test/i{index:05d}",
        "incident_updates": updates,
    }
    page = {
        "id": f"p{index:05d}",
        "name": f"Bench {index}",
        "url": f"https://status{index}.example.test",
        "time_zone": "Etc/UTC",
        "updated_at": _iso(at),
    }
    body: dict[str, object] = {
        "page": page,
        "status": {
            "indicator": "minor" if degraded else "none",
            "description": "Partially Degraded Service" if degraded else "All Systems Operational",
        },
        "components": components,
        "incidents": [incident],
        "scheduled_maintenances": [],
    }
    if incidentio:
        page["id"] = _ulid(index)
        del page["time_zone"]
        del body["scheduled_maintenances"]
    encoded = json.dumps(body).encode()
    missing = page_size(index) - len(encoded)
    if missing > 0:
        # Pad with the page's own description, as real pages carry long component texts.
        components[-1]["description"] = "x" * missing
        encoded = json.dumps(body).encode()
    return encoded


def _update_paragraph(at: datetime, label: str, body: str) -> str:
    """One update of a history.atom entry, escaped as the feed's HTML content."""
    return (
        f"&lt;p&gt;&lt;small&gt;{at:%b} &lt;var data-var='date'&gt;{at.day}"
        f"&lt;/var&gt;, &lt;var data-var='time'&gt;{at:%H:%M}&lt;/var&gt; UTC"
        f"&lt;/small&gt;&lt;br&gt;&lt;strong&gt;{label}&lt;/strong&gt; - {body}&lt;/p&gt;"
    )


def history_atom(index: int, version: int) -> bytes:
    """A history.atom of about page_size(index) bytes; `version` adds an update to the top."""
    at = EPOCH + timedelta(minutes=version)
    entries = []
    size = 0
    number = 0
    target = page_size(index)
    while size < target:
        updated = at if number == 0 else EPOCH - timedelta(days=number)
        # The newest incident is going on; the older ones ended, as on a real history feed
        # (newest update first, each paragraph its time, then "<label> - <body>").
        if number == 0:
            text = _update_paragraph(updated, "Investigating", FILLER * 4)
        else:
            text = _update_paragraph(
                updated, "Resolved", "This incident has been resolved."
            ) + _update_paragraph(updated - timedelta(hours=1), "Investigating", FILLER * 3)
        entry = (
            "<entry>"
            f"<id>tag:status{index}.example.test,2005:Incident/{index * 1000 + number}</id>"
            f"<published>{_iso(updated)}</published><updated>{_iso(updated)}</updated>"
            f'<link rel="alternate" type="text/html" '
            f'href="https://status{index}.example.test/incidents/b{index:05d}x{number:04d}"/>'
            f"<title>Incident {number} (version {version if number == 0 else 0})</title>"
            f'<content type="html">{text}</content>'
            "</entry>"
        )
        entries.append(entry)
        size += len(entry)
        number += 1
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<feed xml:lang="en-US" xmlns="http://www.w3.org/2005/Atom">'
        f"<id>tag:status{index}.example.test,2005:/history</id>"
        f"<title>Bench {index} Status - Incident History</title><updated>{_iso(at)}</updated>"
        + "".join(entries)
        + "</feed>"
    ).encode()


def page_for(index: int, version: int) -> tuple[bytes, str]:
    """(body, content type) of source `index` at `version`."""
    if index % 3 == 2:
        return history_atom(index, version), "application/atom+xml"
    return statuspage_summary(index, version, incidentio=index % 3 == 1), "application/json"


def source_kind(index: int) -> str:
    """The Source.kind a benchmark gives source `index`, matching page_for."""
    return ("statuspage", "incidentio", "statuspage_feed")[index % 3]


class PageServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def __init__(self, count: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.count = count
        self.mode = "same"
        self.lock = threading.Lock()
        self.versions = [0] * count
        self.started = time.monotonic()
        # Bodies of the "same" and "etag" modes, built once so serving costs only the write.
        self.steady = [page_for(index, 0) for index in range(count)]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: PageServer

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_POST(self) -> None:
        if self.path.startswith("/_mode/"):
            self.server.mode = self.path.removeprefix("/_mode/")
            self._send(204, b"", "text/plain")
        else:
            self._send(404, b"", "text/plain")

    def do_GET(self) -> None:
        try:
            index = int(self.path.removeprefix("/s/"))
        except ValueError:
            self._send(404, b"", "text/plain")
            return
        if not 0 <= index < self.server.count:
            self._send(404, b"", "text/plain")
            return
        mode = self.server.mode
        if mode == "changed":
            with self.server.lock:
                self.server.versions[index] += 1
                version = self.server.versions[index]
            body, content_type = page_for(index, version)
            self._send(200, body, content_type)
            return
        if mode == "minutely":
            # Minutes since the server started, not since 1970: a version is also the count
            # of the incident's updates, and must stay the size of a real page's.
            minute = int((time.monotonic() - self.server.started) // 60)
            version = (minute + index % 5) // 5
            body, content_type = page_for(index, version)
            self._send_validated(body, content_type, f'"v{index}-{version}"')
            return
        body, content_type = self.server.steady[index]
        if mode == "etag":
            self._send_validated(body, content_type, f'"v{index}"')
            return
        self._send(200, body, content_type)

    def _send_validated(self, body: bytes, content_type: str, etag: str) -> None:
        if self.headers.get("If-None-Match") == etag:
            self._send(304, b"", content_type, {"ETag": etag})
        else:
            self._send(200, body, content_type, {"ETag": etag})

    def _send(
        self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, required=True)
    args = parser.parse_args()
    server = PageServer(args.count)
    print(f"port {server.server_address[1]}", flush=True)
    sys.stdout.close()
    server.serve_forever()


if __name__ == "__main__":
    main()
