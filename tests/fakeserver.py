"""A real HTTP server on 127.0.0.1 for tests: serves canned answers per path, switchable mid-test.

    with FakeServer() as server:
        server.set("/api/v2/summary.json", body=load_fixture("statuspage/summary_operational.json"))
        poll(server.url("/api/v2/summary.json"))

An answer can also delay (`delay`), drip its body slowly (`drip`), redirect, or hang.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds to wait before answering.
    delay: float = 0.0
    # Send the body in chunks of this many bytes, with `drip_interval` seconds between them.
    drip: int = 0
    drip_interval: float = 0.0
    # Honour If-None-Match against this ETag with a 304.
    etag: str = ""
    # Send `body` this many times in a row: a huge answer without a huge bytes object.
    repeat: int = 1
    # False: no Content-Length; the body ends when the connection closes.
    send_length: bool = True
    # Send the status line and headers one byte at a time, this many seconds apart.
    header_drip_interval: float = 0.0


@dataclass
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class _Server(ThreadingHTTPServer):
    # The default listen backlog of 5 drops connections when a probe batch opens many at once,
    # and each dropped SYN costs a one-second retransmit.
    request_queue_size = 128


class FakeServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.answers: dict[str, Answer | list[Answer]] = {}
        self.requests: list[SeenRequest] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out as separate writes: without TCP_NODELAY each answer
            # waits on the client's delayed ACK (tens of milliseconds).
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                with server._lock:
                    server.requests.append(
                        SeenRequest(self.command, self.path, dict(self.headers.items()), body)
                    )
                    answer = server._next_answer(path)
                if answer is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "9")
                    self.end_headers()
                    self.wfile.write(b"not found")
                    return
                if answer.delay:
                    time.sleep(answer.delay)
                if answer.etag and self.headers.get("If-None-Match") == answer.etag:
                    self.send_response(304)
                    self.send_header("ETag", answer.etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(answer.status)
                headers = {"Content-Type": "application/json", **answer.headers}
                if answer.etag:
                    headers["ETag"] = answer.etag
                for name, value in headers.items():
                    self.send_header(name, value)
                if not answer.send_length:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                elif "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(answer.body) * answer.repeat))
                if answer.header_drip_interval:
                    buffered: list[bytes] = getattr(self, "_headers_buffer", [])
                    head = b"".join(buffered) + b"\r\n"
                    buffered.clear()
                    try:
                        for byte in head:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(answer.header_drip_interval)
                    except (BrokenPipeError, ConnectionResetError):
                        return
                else:
                    self.end_headers()
                if self.command == "HEAD":
                    return
                try:
                    if answer.drip:
                        for start in range(0, len(answer.body), answer.drip):
                            self.wfile.write(answer.body[start : start + answer.drip])
                            self.wfile.flush()
                            time.sleep(answer.drip_interval)
                    else:
                        for _ in range(answer.repeat):
                            self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = _answer
            do_POST = _answer
            do_HEAD = _answer

        self._server = _Server((host, 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        # A short poll interval: shutdown() waits up to one interval, paid by every test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def _next_answer(self, path: str) -> Answer | None:
        answer = self.answers.get(path)
        if isinstance(answer, list):
            # A sequence: each request takes the next; the last one repeats.
            return answer.pop(0) if len(answer) > 1 else answer[0]
        return answer

    def set(self, path: str, body: bytes = b"", status: int = 200, **kwargs: Any) -> None:
        with self._lock:
            self.answers[path] = Answer(status=status, body=body, **kwargs)

    def set_sequence(self, path: str, answers: list[Answer]) -> None:
        with self._lock:
            self.answers[path] = list(answers)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
