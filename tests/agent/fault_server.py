"""A tiny local OpenAI-compatible HTTP server that misbehaves on purpose.

Each request pops the next behaviour from a queue: ``ok`` (a valid completion),
``500``, ``503``, ``429`` (with Retry-After), ``malformed`` (200 with broken
JSON), ``empty`` (200 with no choices), ``stall`` (sleeps past the client's
timeout), ``reset`` (closes the connection without answering), ``ignore_n`` (one choice
whatever the request's ``n``).  ``ok`` answers ``n`` choices.  Bound to
127.0.0.1 on a free port; requests are counted.

``reply`` is a fixed string or a function of the request's chat messages
(eval tests answer according to the prompt); ``delay_s`` slows every answer.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FaultServer:
    def __init__(self, behaviours: list[str], reply: str | Callable[[list[dict]], str] = "\\boxed{4}",
                 stall_s: float = 3.0, delay_s: float = 0.0):
        self.behaviours = deque(behaviours)
        self.reply = reply
        self.stall_s = stall_s
        self.delay_s = delay_s
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                request = json.loads(body or b"{}")
                server.requests.append(request)
                if server.delay_s:
                    time.sleep(server.delay_s)
                kind = server.behaviours.popleft() if server.behaviours else "ok"
                if kind == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    self.connection.close()
                    return
                if kind == "stall":
                    time.sleep(server.stall_s)
                    kind = "ok"
                if kind in ("500", "503", "429"):
                    self.send_response(int(kind))
                    if kind == "429":
                        self.send_header("Retry-After", "0")
                    self.end_headers()
                    self.wfile.write(b'{"error": "injected"}')
                    return
                n = 1 if kind == "ignore_n" else int(request.get("n") or 1)
                kind = "ok" if kind == "ignore_n" else kind
                payload = {
                    "ok": json.dumps({"model": "fault-model", "choices": [
                        {"index": i, "message": {"role": "assistant", "content": server.content(request)},
                         "finish_reason": "stop"} for i in range(n)],
                        "usage": {"prompt_tokens": 7, "completion_tokens": 3 * n}}).encode(),
                    "malformed": b'{"choices": [{"message": ',
                    "empty": b'{"choices": []}',
                    "401": b'{"error": "bad key"}',
                }[kind]
                self.send_response(401 if kind == "401" else 200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a client that gave up (timeout) leaves a broken pipe behind: expected here

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def content(self, request: dict) -> str:
        if callable(self.reply):
            return self.reply(request.get("messages") or [])
        return self.reply

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
