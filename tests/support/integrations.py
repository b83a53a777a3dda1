"""A local stand-in for the apps' embed origins (YouTube, Google, Trello, Miro).

The room page embeds apps from ``INTEGRATION_ORIGINS``; the tests point every service at this
server. Its YouTube page speaks the part of the YouTube player's postMessage interface Parlor
uses: it answers ``listening`` with ``onReady`` and ``infoDelivery`` reports (current time and
player state), obeys ``playVideo``, ``pauseVideo`` and ``seekTo`` commands, and has its own Play,
Pause and Seek controls a test can press, which report ``onStateChange`` like the real player.
The other services' pages just say what they stand in for.
"""

import http.server
import json
import threading

from . import services

PLAYER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stand-in player %(id)s</title></head>
<body>
<p>Stand-in YouTube player for <span id="video">%(id)s</span></p>
<p>Time <output id="time">0</output> s, <output id="state">paused</output></p>
<button id="play">Play</button> <button id="pause">Pause</button>
<label>Seek to <input id="seek-to" type="number" value="0"></label> <button id="seek">Seek</button>
<script>
const player = { time: 0, playing: false, at: performance.now(), parent: null };
const now = () => player.playing ? player.time + (performance.now() - player.at) / 1000 : player.time;
const send = (message) => player.parent && window.parent.postMessage(JSON.stringify(message), player.parent);
const report = () => {
  document.getElementById("time").value = now().toFixed(1);
  document.getElementById("state").value = player.playing ? "playing" : "paused";
  send({ event: "infoDelivery", info: { currentTime: now(), playerState: player.playing ? 1 : 2 } });
};
const setPlaying = (playing) => { player.time = now(); player.at = performance.now(); player.playing = playing; };
const seek = (seconds) => { player.time = seconds; player.at = performance.now(); };
window.addEventListener("message", (event) => {
  let message;
  try { message = JSON.parse(event.data); } catch { return; }
  if (message.event === "listening") {
    player.parent = event.origin;
    send({ event: "onReady", info: null });
    report();
  } else if (message.event === "command") {
    if (message.func === "playVideo") setPlaying(true);
    if (message.func === "pauseVideo") setPlaying(false);
    if (message.func === "seekTo") seek(Number(message.args[0]));
    const pressed = message.func === "playVideo" || message.func === "pauseVideo";
    if (pressed) send({ event: "onStateChange", info: player.playing ? 1 : 2 });
    report();
  }
});
const press = (playing) => { setPlaying(playing); send({ event: "onStateChange", info: playing ? 1 : 2 }); report(); };
document.getElementById("play").onclick = () => press(true);
document.getElementById("pause").onclick = () => press(false);
document.getElementById("seek").onclick = () => { seek(Number(document.getElementById("seek-to").value)); report(); };
setInterval(report, 250);
</script>
</body></html>
"""

OTHER = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Stand-in</title></head>
<body><p>Stand-in embed for <span id="path">%(path)s</span></p></body></html>"""


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the http.server API)
        path = self.path.split("?", 1)[0]
        if path.startswith("/embed/"):
            body = PLAYER % {"id": json.dumps(path.removeprefix("/embed/"))[1:-1]}
        else:
            body = OTHER % {"path": path.replace("<", "").replace(">", "").replace("&", "")}
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class IntegrationsStandIn:
    def __init__(self):
        self.port = services.free_port()
        # A host name of its own (not 127.0.0.1), so the embeds are cross-origin to the app.
        self.origin = f"http://localhost:{self.port}"
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), _Handler)

    def start(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def origins_json(self):
        return json.dumps({name: self.origin for name in ("youtube", "google", "drive", "trello", "miro")})
