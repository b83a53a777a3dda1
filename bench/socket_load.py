"""Socket.IO load: 1,000 clients in 100 rooms of 10, on 2 workers behind HAProxy and on 1.

    python -m bench.socket_load [--rooms 100] [--size 10] [--seconds 20] [--chat-every 10] [--signal-every 5]
                                [--rates 1,2,4] [--workers 2,1]

Each setup is the production one on this machine: eventlet workers (`wsgi.py`) sharing Redis
(message queue and presence) and one SQLite file, behind the deployed HAProxy config
(deploy/haproxy/haproxy.cfg). The clients are python-socketio asyncio clients in this one
process, on WebSocket like the browser. Each joins its room, then for ``--seconds`` sends a chat
message every ``--chat-every`` seconds (relayed to the 9 others) and a signal to a random peer
every ``--signal-every`` seconds (relayed to one); then again at twice and four times those
rates (``--rates``), to show where it saturates. Relay latency is measured from the send to
each receipt, on this process's clock. Errors count refused connections, failed joins, error
answers, timeouts and relays that never arrived. Memory per connection is the growth of the
workers' resident memory from idle to everyone joined, divided by the connections.
"""

import argparse
import asyncio
import json
import pathlib
import random
import statistics
import subprocess
import sys
import tempfile
import time
import types

import psutil
import socketio

if __package__ in (None, ""):
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from tests.support import services  # noqa: E402
from tests.support.cluster import Cluster  # noqa: E402
from tests.support.services import ROOT  # noqa: E402

# Rooms and tickets straight from the app's own services: the lobby page is not what is measured.
MAKE_ROOMS = """
import json, sys
from flask import session
from app import create_app
from app.auth.services import complete_sign_in
from app.auth.identifiers import EMAIL, Identifier
from app.extensions import db
from app.rooms.models import Room
from app.rooms.tickets import issue_ticket
rooms, size = int(sys.argv[1]), int(sys.argv[2])
app = create_app()
tickets = []
with app.app_context():
    created = []
    for i in range(rooms):  # one Business owner per room: within every plan limit
        owner, _ = complete_sign_in(Identifier(EMAIL, f"load-{i}@example.com"))
        owner.plan = "business"
        created.append(Room(name=f"load-{i}", owner=owner, mode="large"))
    db.session.add_all(created)
    db.session.commit()
    for room in created:
        row = []
        for _ in range(size):
            with app.test_request_context():
                row.append(issue_ticket(room)[0])
        tickets.append(row)
print(json.dumps(tickets))
"""


class Stats:
    def __init__(self):
        self.sent = {}  # key -> (send time, receipts expected)
        self.latencies = []
        self.received = 0
        self.expected = 0
        self.errors = {}

    def error(self, kind):
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def send(self, key, expected):
        self.sent[key] = time.perf_counter()
        self.expected += expected

    def receive(self, key):
        start = self.sent.get(key)
        if start is not None:
            self.latencies.append(time.perf_counter() - start)
            self.received += 1


class LoadClient:
    def __init__(self, name, ticket, room, stats):
        self.name, self.ticket, self.room, self.stats = name, ticket, room, stats
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("chat", lambda message: self.stats.receive(message["text"]))
        self.sio.on("signal", lambda message: self.stats.receive(message.get("gen")))
        self.pid = None
        self.sequence = 0

    async def join(self, url):
        try:
            await self.sio.connect(url, auth={"ticket": self.ticket}, transports=["websocket"], wait_timeout=30)
            answer = await self.sio.call("join", {"name": self.name}, timeout=30)
        except Exception:  # noqa: BLE001 (any failure to get in is counted, not raised)
            self.stats.error("connect or join")
            return
        if answer.get("status") != "joined":
            self.stats.error(f"join answered {answer.get('status') or answer.get('error')}")
            return
        self.pid = answer["self"]
        self.room.append(self.pid)

    async def _ask(self, event, payload):
        try:
            answer = await self.sio.call(event, payload, timeout=10)
        except socketio.exceptions.TimeoutError:
            self.stats.error(f"{event} timed out")
            return
        if answer.get("error"):
            self.stats.error(f"{event}: {answer['error']}")

    def _key(self):
        self.sequence += 1
        return f"{self.pid}-{self.sequence}"

    async def talk(self, until, chat_every, signal_every):
        next_chat = time.perf_counter() + random.uniform(0, chat_every)  # noqa: S311 (spreading load)
        next_signal = time.perf_counter() + random.uniform(0, signal_every)  # noqa: S311
        while (now := time.perf_counter()) < until:
            if now >= next_chat:
                key = self._key()
                self.stats.send(key, len(self.room) - 1)
                await self._ask("chat", {"text": key})
                next_chat += chat_every
            if now >= next_signal:
                others = [pid for pid in self.room if pid != self.pid]
                if others:
                    key = self._key()
                    self.stats.send(key, 1)
                    description = {"type": "offer", "sdp": "v=0\r\n"}
                    await self._ask("signal", {"to": random.choice(others), "gen": key, "description": description})  # noqa: S311
                next_signal += signal_every
            await asyncio.sleep(max(0.01, min(next_chat, next_signal) - time.perf_counter()))

    async def close(self):
        try:
            await self.sio.disconnect()
        except Exception:  # noqa: BLE001, S110 (closing after the measurement)
            pass


def resident(processes):
    return sum(p.memory_info().rss for p in processes)


def percentiles(stats):
    latencies = sorted(stats.latencies) or [0.0]

    def at(p):
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000, 1)

    return {
        "p50_ms": at(50),
        "p95_ms": at(95),
        "p99_ms": at(99),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1),
    }


async def step(joined, rate, args, processes):
    """One measured window at ``rate`` times the base chat and signal rates."""
    stats = Stats()
    for client in joined:
        client.stats = stats
    for process in processes:
        process.cpu_percent()
    until = time.perf_counter() + args.seconds
    await asyncio.gather(*(c.talk(until, args.chat_every / rate, args.signal_every / rate) for c in joined))
    cpu = [process.cpu_percent() for process in processes]
    await asyncio.sleep(3)  # the last relays in flight
    lost = stats.expected - stats.received
    if lost > 0:
        stats.errors["relays lost"] = lost
    return {
        "rate": rate,
        "relays": stats.received,
        "relays_per_second": round(stats.received / args.seconds),
        **percentiles(stats),
        "errors": sum(stats.errors.values()),
        "error_kinds": stats.errors,
        "worker_cpu_percent": [round(c) for c in cpu[:-1]],
        "load_generator_cpu_percent": round(cpu[-1]),
    }


async def load(url, tickets, args, workers):
    joining = Stats()
    rooms = [[] for _ in tickets]
    clients = [
        LoadClient(f"p{r}-{i}", ticket, rooms[r], joining)
        for r, row in enumerate(tickets)
        for i, ticket in enumerate(row)
    ]
    idle = resident(workers)
    started = time.perf_counter()
    for batch in range(0, len(clients), 50):  # like people arriving, not all in one instant
        await asyncio.gather(*(c.join(url) for c in clients[batch : batch + 50]))
    join_seconds = time.perf_counter() - started
    joined = [c for c in clients if c.pid is not None]
    await asyncio.sleep(2)
    busy = resident(workers)
    steps = [await step(joined, rate, args, [*workers, psutil.Process()]) for rate in args.rates]
    await asyncio.gather(*(c.close() for c in clients))
    return {
        "clients": len(clients),
        "joined": len(joined),
        "join_seconds": round(join_seconds, 1),
        "join_errors": joining.errors,
        "kib_per_connection": round((busy - idle) / max(1, len(joined)) / 1024, 1),
        "steps": steps,
    }


def run_setup(count, args):
    directory = pathlib.Path(tempfile.mkdtemp(prefix=f"parlor-load-{count}-"))
    redis = services.redis_server(directory)
    cluster = Cluster(
        directory,
        types.SimpleNamespace(url="console"),
        f"sqlite:///{directory}/load.db",
        redis,
        count=count,
        extra_env={"ACCESS_LOG": "0"},
    )
    try:
        cluster.start()
        first = cluster.workers[0]
        made = subprocess.run(
            [sys.executable, "-c", MAKE_ROOMS, str(args.rooms), str(args.size)],
            cwd=ROOT,
            env=first.env,
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        tickets = json.loads(made.stdout.strip().splitlines()[-1])
        workers = [psutil.Process(worker.process.pid) for worker in cluster.workers]
        return asyncio.run(load(cluster.url, tickets, args, workers))
    finally:
        cluster.stop()
        redis.stop()


def report(results, args):
    print("\nSocket.IO load: join, chat and signal relay through HAProxy, Redis queue")
    print(f"base rate per client: a chat every {args.chat_every} s, a signal every {args.signal_every} s")
    print(
        f"{'workers':>7} {'clients':>7} {'rate':>5} {'relays/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
        f" {'errors':>6} {'KiB/conn':>8}  worker CPU %  load generator CPU %"
    )
    for count, r in results.items():
        for s in r["steps"]:
            print(
                f"{count:>7} {r['joined']:>7} {s['rate']:>4}x {s['relays_per_second']:>8} {s['p50_ms']:>7} "
                f"{s['p95_ms']:>7} {s['p99_ms']:>7} {s['errors']:>6} {r['kib_per_connection']:>8}  "
                f"{s['worker_cpu_percent']!s:<12} {s['load_generator_cpu_percent']}"
            )
            if s["error_kinds"]:
                print(f"{'':>7} errors: {s['error_kinds']}")
        if r["join_errors"]:
            print(f"{'':>7} join errors: {r['join_errors']}")
    print(f"machine: {psutil.cpu_count()} CPUs, load average {[round(x, 1) for x in psutil.getloadavg()]}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.socket_load", description=__doc__.split("\n")[0])
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--size", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20, help="length of each measured window")
    parser.add_argument("--chat-every", type=float, default=10)
    parser.add_argument("--signal-every", type=float, default=5)
    parser.add_argument("--workers", default="2,1", help="the setups to run, in order")
    parser.add_argument("--rates", default="1,2,4", help="multiples of the base rates, one window each")
    args = parser.parse_args(argv)
    args.rates = [float(r) for r in args.rates.split(",")]
    results = {}
    for count in [int(c) for c in args.workers.split(",")]:
        results[count] = run_setup(count, args)
        print(f"{count} worker(s): {json.dumps(results[count])}", flush=True)
    report(results, args)
    base = [r["steps"][0] for r in results.values()]
    return 0 if all(s["errors"] == 0 for s in base) and not any(r["join_errors"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
