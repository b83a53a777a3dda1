"""Presence rebuilt from the sockets each worker really holds, after Redis lost it.

Redis holds presence in memory only (it is not history, and a restart must not bring back the
dead). So when Redis restarts, fails over or is flushed, every meeting looks empty while people
are still connected. Each worker keeps its own sockets (``Connections``) and can put them back:
who speaks for each participant, the joined members' entries, and the knocks still waiting.

Redis keeps an *epoch*, a random value set once; a worker remembers the epoch its sockets are
registered under. A missing or different epoch means Redis forgot: the worker restores its own
sockets and adopts the new epoch. Every worker does the same for its own, so the rebuilt presence
is exactly the live connections: nobody who left during the outage comes back as a ghost.
Workers look once a second, and at once when a socket's claim is missing (see ``handler``).
What is lost with Redis: kicks and admissions not yet used, co-host promotions (they revert to
the role each person joined with), and the meetings' start times (restored as now).
"""

import logging
import secrets
import threading

import redis

from ..extensions import socketio
from .connections import connections, presence

log = logging.getLogger("parlor.rooms")

CHECK_EVERY_SECONDS = 1


class Recovery:
    """One per app (``app.extensions``): the epoch this worker's sockets are registered under."""

    def __init__(self):
        self.epoch = None
        self._lock = threading.Lock()
        self._watching = False

    def watch(self, app):
        """Start checking in the background (once, from the first socket: never in CLI commands)."""
        with self._lock:
            if self._watching:
                return
            self._watching = True
        socketio.start_background_task(self._loop, app)

    def _loop(self, app):
        while True:
            socketio.sleep(CHECK_EVERY_SECONDS)
            with app.app_context():
                try:
                    self.check()
                except redis.RedisError as error:
                    log.warning("presence store unreachable: %s", error)
                except Exception:
                    log.exception("restoring presence failed; trying again")  # the watch must outlive any one error

    def check(self):
        """Restore this worker's sockets if Redis forgot them; True if it did."""
        store = presence()
        with self._lock:
            current = store.epoch()
            if current is not None and self.epoch in (None, current):
                self.epoch = current  # first look (no socket of ours registered before), or nothing lost
                return False
            current = store.start_epoch(secrets.token_hex(8))
            restored = restore_connections()
            if self.epoch is not None or restored:  # not just the first worker meeting a fresh Redis
                log.warning("presence store lost its state; restored %d live sockets", restored)
            self.epoch = current
            return True


def restore_connections():
    """Put every socket this worker holds back into presence, as it stood."""
    store = presence()
    restored = 0
    for conn in connections().all():
        store.claim_socket(conn.room_id, conn.pid, conn.sid)
        if conn.joined and conn.entry is not None:
            store.restore(conn.room_id, conn.entry)
        elif conn.knock is not None:
            store.add_knock(conn.room_id, conn.knock)
        restored += 1
    return restored
