"""A tiny website that books a Parlor meeting through the REST API and shows it on its own page.

    PARLOR_URL=http://127.0.0.1:5000 PARLOR_API_KEY=prl_... python examples/embed/app.py

It stands for your product: its server (never the browser) holds the API key and creates one
meeting when it starts, ending in an hour; every visitor of http://localhost:8000 then meets in
that room through the <parlor-embed> element served by Parlor. Before trying it, let this site
frame your rooms: add http://localhost:8000 under "Allowed origins" on /user/developers, or run
`flask api origins set EMAIL http://localhost:8000`. Only the standard library is used.
"""

import html
import json
import os
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PARLOR_URL = os.environ.get("PARLOR_URL", "http://127.0.0.1:5000").rstrip("/")
API_KEY = os.environ.get("PARLOR_API_KEY", "")
PORT = int(os.environ.get("EXAMPLE_PORT", "8000"))

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme Clinic: your appointment</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script src="{parlor}/static/js/embed.js"></script>
<style>
  body {{ font-family: system-ui, sans-serif; margin: 2rem; }}
  parlor-embed {{ display: block; height: 640px; }}
</style>
</head><body>
<h1>Your appointment</h1>
<p>The video call opens below. Meeting <code id="meeting-id">{meeting_id}</code>, until {end}.</p>
<parlor-embed room="{room}" display-name="{name}" skip-media-permission-prompt></parlor-embed>
<h2>What the room told this page</h2>
<ol id="events"></ol>
<script>
  window.parlorEvents = [];
  const embed = document.querySelector("parlor-embed");
  for (const type of ["ready", "joined", "participant_update", "leave", "left"]) {{
    embed.addEventListener(type, (event) => {{
      window.parlorEvents.push({{ type, detail: event.detail }});
      const item = document.createElement("li");
      item.textContent = type + " " + JSON.stringify(event.detail || {{}});
      document.getElementById("events").append(item);
    }});
  }}
</script>
</body></html>
"""


def create_meeting():
    """POST /v1/meetings from our server, with the key in the Authorization header."""
    end = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
    body = json.dumps({"endDate": end.isoformat().replace("+00:00", "Z"), "roomNamePrefix": "acme"}).encode()
    request = urllib.request.Request(  # noqa: S310 (PARLOR_URL is our own http(s) server)
        f"{PARLOR_URL}/v1/meetings",
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {API_KEY}",
            "Content-Type": "application/json",
            "Idempotency-Key": f"acme-example-{end:%Y%m%d%H}",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (our own server's URL)
        return json.load(response)


def handler_for(meeting):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server API)
            url = urllib.parse.urlsplit(self.path)
            if url.path != "/":
                self.send_error(404)
                return
            # The name this site knows its visitor by (here simply ?name=…), passed into the room.
            visitor = urllib.parse.parse_qs(url.query).get("name", ["Guest"])[0][:40]
            page = PAGE.format(
                parlor=html.escape(PARLOR_URL),
                room=html.escape(meeting["roomUrl"]),
                meeting_id=html.escape(meeting["meetingId"]),
                end=html.escape(meeting["endDate"]),
                name=visitor,
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    return Handler


def main():
    if not API_KEY:
        raise SystemExit("Set PARLOR_API_KEY (create one on /user/developers or with `flask api keys create`).")
    meeting = create_meeting()
    server = ThreadingHTTPServer(("127.0.0.1", PORT), handler_for(meeting))
    print(f"Example site on http://localhost:{PORT} embedding {meeting['roomUrl']}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
