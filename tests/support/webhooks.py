"""A local HTTP server standing in for a customer's webhook endpoint."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from app.webhooks.signing import EVENT_ID_HEADER, HEADER, InvalidSignature, verify


class Receiver:
    """Records every request; ``stop()`` takes it down (connections refused), ``start()`` brings it back."""

    def __init__(self):
        self.requests = []
        self.port = None
        self.server = None
        self.status = 200

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port or 0), Handler)
        self.server.allow_reuse_address = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def events(self, secret):
        """The bodies of every request, decoded, after checking each one's signature and event id."""
        decoded = []
        for request in self.requests:
            try:
                verify(secret, request["headers"][HEADER], request["body"])
            except InvalidSignature as error:
                raise AssertionError(f"bad signature on {request['body']!r}: {error}") from None
            event = json.loads(request["body"])
            assert request["headers"][EVENT_ID_HEADER] == event["id"]
            decoded.append(event)
        return decoded

    def unique_events(self, secret):
        """What a receiver that de-duplicates by event id keeps."""
        return list({event["id"]: event for event in self.events(secret)}.values())
