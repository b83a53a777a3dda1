"""Another website, on its own port, that puts a Parlor room on its page with <parlor-embed>."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Embedder</title>
<script src="{app}/static/js/embed.js"></script></head>
<body>
<h1>Our product</h1>
<parlor-embed room="{room}" display-name="Ada" skip-media-permission-prompt style="height:600px"></parlor-embed>
<script>
  window.parlorEvents = [];
  const embed = document.querySelector("parlor-embed");
  for (const type of ["ready", "joined", "left", "participant_update", "leave"]) {{
    embed.addEventListener(type, (event) => window.parlorEvents.push({{ type, detail: event.detail }}));
  }}
</script>
</body></html>
"""


class Embedder:
    """Serves one page framing ``room`` (a room URL) with the app's embed.js; ``origin`` is its own."""

    def __init__(self, app_url, room, host="localhost"):
        body = PAGE.format(app=app_url, room=room).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://{host}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
