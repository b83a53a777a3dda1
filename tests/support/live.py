"""The real app and browser helpers, shared by the end-to-end tests and the benchmarks."""

import os
import re
import subprocess
import sys
import time

import requests

from app.plans import LARGE

from . import services
from .services import ROOT

TURN_SECRET = "e2e-turn-secret"
MASTER_SECRET = "e2e-node-master-secret"

# Keep every RTCPeerConnection a page makes, so tests can read getStats() like a person
# would read the network panel; the app itself exposes nothing for tests.
CAPTURE_PEER_CONNECTIONS = """
(() => {
  const Original = window.RTCPeerConnection;
  window.__peerConnections = [];
  window.RTCPeerConnection = class extends Original {
    constructor(...args) { super(...args); window.__peerConnections.push(this); }
  };
})();
"""
OPEN_CONNECTIONS = "() => window.__peerConnections.filter((pc) => pc.connectionState !== 'closed').length"

INBOUND_VIDEO = """
async () => {
  const rows = [];
  for (const pc of window.__peerConnections) {
    if (pc.connectionState === "closed") continue;
    const stats = await pc.getStats();
    stats.forEach((report) => {
      if (report.type === "inbound-rtp" && report.kind === "video") {
        rows.push({ id: report.id, trackIdentifier: report.trackIdentifier, framesDecoded: report.framesDecoded || 0 });
      }
    });
  }
  return rows;
}
"""

# What a failure message needs to tell a missing picture apart: per open connection, each
# transceiver's negotiated state and the RTP counters both ways.
CONNECTION_DETAILS = """
async () => {
  const rows = [];
  for (const pc of window.__peerConnections) {
    if (pc.connectionState === "closed") continue;
    const stats = await pc.getStats();
    const rtp = [];
    stats.forEach((r) => {
      if (r.type === "inbound-rtp") {
        rtp.push(`in ${r.kind} ${r.ssrc} packets ${r.packetsReceived} decoded ${r.framesDecoded}`);
      } else if (r.type === "outbound-rtp") {
        rtp.push(`out ${r.kind} ${r.ssrc} packets ${r.packetsSent} sent ${r.framesSent}`);
      }
    });
    const transceivers = pc.getTransceivers().map((t) => {
      const sending = t.sender.track ? t.sender.track.readyState : "no track";
      return `${t.mid}:${t.receiver.track.kind}:${t.direction}/${t.currentDirection}:${sending}`;
    });
    const sdp = (pc.remoteDescription && pc.remoteDescription.sdp) || "";
    const remoteSsrcs = (sdp.match(/a=ssrc:\\d+ msid/g) || []).length;
    rows.push({ state: pc.connectionState, ice: pc.iceConnectionState, signaling: pc.signalingState, transceivers, rtp,
                remoteSsrcs });
  }
  return rows;
}
"""

SELECTED_CANDIDATES = """
async () => {
  const types = [];
  for (const pc of window.__peerConnections) {
    if (pc.connectionState === "closed") continue;
    const stats = await pc.getStats();
    stats.forEach((report) => {
      if (report.type === "candidate-pair" && report.state === "succeeded" && report.nominated) {
        const local = stats.get(report.localCandidateId);
        const remote = stats.get(report.remoteCandidateId);
        types.push({ local: local.candidateType, remote: remote.candidateType, remotePort: remote.port });
      }
    });
  }
  return types;
}
"""


class LiveServer:
    def __init__(self, directory, mail_sink, turn_port, stripe=None, extra_env=None):
        self.directory = directory
        self.port = services.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.mail = mail_sink
        self.env = dict(
            os.environ,
            PARLOR_ENV="development",
            PARLOR_INSTANCE_DIR=str(directory),
            DATABASE_URL=f"sqlite:///{directory}/e2e.db",
            MAIL_URL=mail_sink.url,
            PORT=str(self.port),
            HOST="127.0.0.1",
            SOCKETIO_ASYNC_MODE=os.environ.get("E2E_ASYNC_MODE", "eventlet"),
            TURN_SECRET=TURN_SECRET,
            TURN_URLS=f"turn:127.0.0.1:{turn_port}?transport=udp" if turn_port else "",
            NODE_MASTER_SECRET=MASTER_SECRET,
            NODE_HEARTBEAT_INTERVAL="1",
            RATELIMIT_ENABLED="false",
            # An auto meeting that shrank moves back to peer-to-peer after seconds, not half a minute.
            AUTO_BACK_AFTER_SECONDS="4",
            PYTHONUNBUFFERED="1",
        )
        self.stripe = stripe
        if stripe is not None:
            self.env.update(stripe.config())
        self.env.update(extra_env or {})
        self.process = None

    def flask(self, *args):
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed: {result.stdout}{result.stderr}")
        return result.stdout

    def set_plan(self, email, plan):
        """Give an account a plan directly (billing has its own end-to-end test)."""
        code = (
            "import sys; import sqlalchemy as sa; from app import create_app; from app.extensions import db; "
            "from app.auth.models import User; app = create_app()\n"
            "with app.app_context():\n"
            "    db.session.execute(sa.update(User).where(User.email == sys.argv[1]).values(plan=sys.argv[2]))\n"
            "    db.session.commit()\n"
        )
        subprocess.run([sys.executable, "-c", code, email, plan], cwd=ROOT, env=self.env, check=True, timeout=60)

    def start(self):
        self.flask("db", "upgrade")
        self.log = open(self.directory / "web.log", "w")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [sys.executable, "wsgi.py"], cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).ok:
                    if self.stripe is not None:
                        # Imported late: the benchmarks use this module without loading the app.
                        from app.billing.local import register_local_webhook

                        register_local_webhook(
                            self.stripe.port,
                            self.url,
                            secret=self.stripe.config()["STRIPE_WEBHOOK_SECRET"],
                            name=f"e2e-{self.port}",
                        )
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("the app did not start:\n" + (self.directory / "web.log").read_text()[-3000:])

    def stop(self):
        services.stop_process(self.process, self.log)

    def latest_code(self, address, after=0):
        messages = self.mail.wait_for(address, count=after + 1, timeout=15)
        return re.search(r"\b(\d{6})\b", messages[-1]["Subject"]).group(1)


def sign_in(page, live_server, email):
    """Sign in through the real pages with the code from the SMTP sink."""
    before = len(live_server.mail.to(email))
    page.goto(f"{live_server.url}/user/login")
    page.fill("#identifier", email)
    page.click("main form.stack-form button[type=submit]")
    page.wait_for_url("**/user/verify")
    page.fill("#code", live_server.latest_code(email, after=before))
    page.click("main form.stack-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/user/(rooms|profile).*"))


def in_meeting(page):
    page.wait_for_selector("#meeting:not([hidden])")


def join_meeting(page, url, name):
    page.goto(url)
    page.fill("#display-name", name)
    page.click("#join-button")


def inbound_video(page):
    return page.evaluate(INBOUND_VIDEO)


def wait_decoding(page, tracks, timeout=40):
    """Wait until ``tracks`` inbound video streams decode frames, and keep rising."""
    deadline = time.time() + timeout
    first = None
    while time.time() < deadline:
        rows = [r for r in inbound_video(page) if r["framesDecoded"] > 0]
        if len(rows) >= tracks:
            if first is None:
                first = {r["id"]: r["framesDecoded"] for r in rows}
            else:
                rising = [r for r in rows if r["framesDecoded"] > first.get(r["id"], 0)]
                if len(rising) >= tracks:
                    return rows
        time.sleep(0.5)
    logs = getattr(page, "console_messages", [])[-30:]
    raise AssertionError(
        f"expected {tracks} decoding video streams, got {inbound_video(page)}; "
        f"open connections {page.evaluate(CONNECTION_DETAILS)}; console {logs}"
    )


def selected_candidates(page):
    return page.evaluate(SELECTED_CANDIDATES)


def peer_or_node_room(request, live_server, name):
    """A room named ``name`` whose meeting runs peer-to-peer, or through a node when ``request.param`` is "node".

    The node is registered before any page loads, so the pages' Content-Security-Policy allows it.
    """
    email = f"{name}@example.com"
    live_server.flask("create-admin", email)
    if request.param == "node":
        live_server.set_plan(email, "pro")
        live_server.flask("rooms", "create", name, "--owner", email, "--mode", LARGE)
        request.getfixturevalue("sfu_nodes")(f"e2e-{name}")
    else:
        live_server.flask("rooms", "create", name, "--owner", email)
    return {"url": f"{live_server.url}/{name}", "owner": email}
