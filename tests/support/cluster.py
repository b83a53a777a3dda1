"""Production serving on one machine: app workers behind the deployed HAProxy config, sharing
Redis and one database, and scripted participants that talk Socket.IO the way the browser does."""

import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict

import requests
import socketio

from . import services
from .live import LiveServer
from .services import ROOT

PROXY_CONFIG = ROOT / "deploy" / "haproxy" / "haproxy.cfg"
WORKER_COOKIE = "parlor_worker"  # set by the proxy: which worker a browser sticks to
WORKER_NAMES = ("w1", "w2")  # the server names in the deployed config
STRIPE_WEBHOOK_SECRET = "whsec_workers_behind_a_proxy"  # noqa: S105 (a test value)
HEARD = ("peer-joined", "peer-left", "chat", "signal", "knock", "knock-result", "replaced", "removed", "kicked")


def haproxy_binary():
    return shutil.which("haproxy") or ("/usr/sbin/haproxy" if os.path.exists("/usr/sbin/haproxy") else None)


def haproxy(directory, worker_ports):
    """The deployed HAProxy config, pointed at this test's workers through its variables."""
    binary = haproxy_binary()
    if binary is None:
        raise RuntimeError("haproxy is not installed")
    port = services.free_port()
    env = dict(os.environ, PARLOR_LISTEN=f"127.0.0.1:{port}")
    # The config names two servers; a single worker stands behind both.
    for index, worker_port in enumerate((list(worker_ports) * 2)[: len(WORKER_NAMES)], start=1):
        env[f"PARLOR_WORKER_{index}"] = f"127.0.0.1:{worker_port}"
    command = [binary, "-db", "-f", str(PROXY_CONFIG)]
    return services.Daemon(command, port, directory / "haproxy.log", env=env).start()


class Cluster:
    """Redis, a database, two eventlet workers and the proxy; ``url`` is the public entry."""

    def __init__(self, directory, mail, database_url, redis, count=2, extra_env=None):
        self.directory = directory
        self.redis = redis
        shared = {
            "REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "workers-behind-a-proxy-share-this-secret-0123456789",
            "TRUSTED_PROXIES": "1",
            "STRIPE_WEBHOOK_SECRET": STRIPE_WEBHOOK_SECRET,
            **(extra_env or {}),
        }
        self.workers = []
        for name in WORKER_NAMES[:count]:
            (directory / name).mkdir()
            self.workers.append(LiveServer(directory / name, mail, None, extra_env=shared))
        self.proxy = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.proxy.port}"

    def start(self):
        for worker in self.workers:
            worker.start()
        self.proxy = haproxy(self.directory, [worker.port for worker in self.workers])
        return self

    def stop(self):
        if self.proxy is not None:
            self.proxy.stop()
        for worker in self.workers:
            worker.stop()

    def worker(self, name):
        return self.workers[WORKER_NAMES.index(name)]

    def kill(self, name):
        """SIGKILL a worker: no goodbye to its sockets, no cleanup in Redis."""
        process = self.worker(name).process
        process.send_signal(signal.SIGKILL)
        process.wait()

    def room(self, name, locked=False):
        """A room owned by a fresh account; returns its host key (the host link's secret)."""
        first = self.workers[0]
        email = f"{name}@example.com"
        first.flask("create-admin", email)
        first.flask("rooms", "create", name, "--owner", email)
        code = (
            "import sys; import sqlalchemy as sa; from app import create_app; from app.extensions import db; "
            "from app.rooms.models import Room; app = create_app()\n"
            "with app.app_context():\n"
            "    room = db.session.scalar(sa.select(Room).where(Room.name == sys.argv[1]))\n"
            "    room.locked = sys.argv[2] == '1'\n"
            "    db.session.commit()\n"
            "    print(room.host_key)\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code, name, "1" if locked else "0"],
            cwd=ROOT,
            env=first.env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return result.stdout.strip().splitlines()[-1]


def stripe_delivery(base_url, event_id, kind="customer.updated"):
    """POST one signed Stripe event the way Stripe does (signature over ``t.body``); the response."""
    body = json.dumps({"id": event_id, "object": "event", "type": kind, "data": {"object": {"id": "cus_x"}}})
    stamp = int(time.time())
    signature = hmac.new(STRIPE_WEBHOOK_SECRET.encode(), f"{stamp}.{body}".encode(), hashlib.sha256).hexdigest()
    headers = {"Stripe-Signature": f"t={stamp},v1={signature}", "Content-Type": "application/json"}
    return requests.post(f"{base_url}/stripe/webhook", data=body, headers=headers, timeout=15)


class SupportVisitor:
    """Someone with the support form open in a tab: the form's CSRF token, sent again on retry."""

    def __init__(self, base_url):
        self.url = f"{base_url}/support/"
        self.session = requests.Session()
        html = self.session.get(self.url, timeout=15).text
        field = re.search(r'<input[^>]*name="csrf_token"[^>]*>', html).group(0)
        self.token = re.search(r'value="([^"]+)"', field).group(1)

    def send(self, subject):
        form = {"csrf_token": self.token, "email": "visitor@example.com", "subject": subject, "message": "x" * 20}
        return self.session.post(self.url, data=form, timeout=15, allow_redirects=False)


class Participant:
    """One person: the lobby page for a ticket, then a Socket.IO connection, through the proxy.

    ``worker`` pins the first request to a worker with the proxy's own cookie, as a browser that
    was sent there earlier would. With ``rejoin``, a dropped connection comes back and joins
    again by itself, like ``meeting.js`` does: no reload, the same ticket.
    """

    def __init__(self, base_url, room, name, worker=None, host_key=None, rejoin=False):
        self.name = name
        self.session = requests.Session()
        if worker is not None:
            self.session.cookies.set(WORKER_COOKIE, worker, domain="127.0.0.1", path="/")
        url = f"{base_url}/{room}" + (f"?host={host_key}" if host_key else "")
        html = self.session.get(url, timeout=15).text
        self.ticket = re.search(r'data-ticket="([^"]+)"', html).group(1)
        self.base_url = base_url
        self.heard = defaultdict(list)
        self.rejoins = 0
        self.joined = threading.Event()
        self.client = socketio.Client(
            http_session=self.session,
            reconnection=rejoin,
            reconnection_delay=0.3,
            reconnection_delay_max=1,
            randomization_factor=0.2,
        )
        for event in HEARD:
            self.client.on(event, lambda data=None, event=event: self.heard[event].append(data or {}))
        self.pid = None
        if rejoin:
            self.client.on("connect", self._connected)

    def connect(self):
        self.client.connect(self.base_url, auth={"ticket": self.ticket}, wait_timeout=15)
        return self

    @property
    def worker(self):
        """The worker the proxy sends this person to now."""
        return self.session.cookies.get(WORKER_COOKIE, domain="127.0.0.1")

    def _connected(self):
        if self.pid is not None:  # a reconnect, not the first connection
            self.client.start_background_task(self._rejoin)

    def _rejoin(self):
        self.joined.clear()
        answer = self.client.call("join", {"name": self.name}, timeout=15)
        if answer.get("status") == "joined":
            self.rejoins += 1
            self.joined.set()

    def join(self):
        answer = self.client.call("join", {"name": self.name}, timeout=15)
        assert answer.get("status") == "joined", answer
        self.pid = answer["self"]
        self.joined.set()
        return answer

    def knock(self):
        return self.client.call("knock", {"name": self.name}, timeout=15)

    def call(self, event, data=None):
        return self.client.call(event, data or {}, timeout=15)

    def texts(self):
        return [message["text"] for message in self.heard["chat"]]

    def wait_for(self, condition, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if condition():
                return True
            time.sleep(0.05)
        return False

    def close(self):
        self.client.disconnect()
