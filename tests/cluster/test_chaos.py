"""Faults survived: a worker killed, Redis restarted, mid-meeting, behind the deployed proxy."""

import time

import psycopg
import pytest
import requests

from ..support.cluster import Participant, SupportVisitor, stripe_delivery

pytestmark = pytest.mark.chaos


def names(answer):
    return sorted(p["name"] for p in answer["participants"])


def test_a_killed_worker_sends_its_people_to_the_other_within_five_seconds(cluster):
    """After SIGKILL of w1, does its participant reconnect to w2 within 5 s and keep talking, no reload?"""
    cluster.room("killed-worker")
    alice = Participant(cluster.url, "killed-worker", "Alice", worker="w1", rejoin=True).connect()
    bob = Participant(cluster.url, "killed-worker", "Bob", worker="w2", rejoin=True).connect()
    alice.join()
    bob.join()

    killed = time.time()
    cluster.kill("w1")
    assert alice.wait_for(lambda: alice.rejoins == 1, timeout=5), "Alice did not rejoin within 5 s"
    print(f"Alice rejoined through {alice.worker} after {time.time() - killed:.1f} s")
    assert alice.worker == "w2" and bob.rejoins == 0

    alice.call("chat", {"text": "still here"})
    bob.call("chat", {"text": "me too"})
    assert bob.wait_for(lambda: "still here" in bob.texts())
    assert alice.wait_for(lambda: "me too" in alice.texts())
    carol = Participant(cluster.url, "killed-worker", "Carol").connect()
    assert names(carol.join()) == ["Alice", "Bob"]  # one Alice: the dead worker's socket left no ghost


def test_a_redis_restart_keeps_everyone_and_every_knock(cluster):
    """Redis restarts without its data: are the live people and waiting knocks rebuilt, with no ghosts?"""
    host_key = cluster.room("redis-restart", locked=True)
    host = Participant(cluster.url, "redis-restart", "Host", worker="w1", host_key=host_key, rejoin=True).connect()
    host.join()
    bob = Participant(cluster.url, "redis-restart", "Bob", worker="w2", host_key=host_key, rejoin=True).connect()
    bob.join()
    eve = Participant(cluster.url, "redis-restart", "Eve", worker="w2", host_key=host_key).connect()
    eve.join()
    carol = Participant(cluster.url, "redis-restart", "Carol", worker="w2").connect()
    assert carol.knock()["status"] == "waiting"
    assert host.wait_for(lambda: host.heard["knock"])

    cluster.redis.stop()
    eve.close()  # leaves while Redis is down: her departure cannot be written anywhere
    cluster.redis.start()
    time.sleep(3)  # the workers notice within a second

    assert [k["name"] for k in host.call("waiting")["knocks"]] == ["Carol"]
    host.call("admit", {"id": host.heard["knock"][0]["id"]})
    assert carol.wait_for(lambda: carol.heard["knock-result"] == [{"admitted": True}])
    assert names(carol.join()) == ["Bob", "Host"]  # no Eve
    bob.call("chat", {"text": "after the restart"})
    assert host.wait_for(lambda: "after the restart" in host.texts())
    assert (host.rejoins, bob.rejoins) == (0, 0)  # nobody was thrown out and had to come back


def rows(database_url, query, *params):
    with psycopg.connect(database_url) as connection:
        return connection.execute(query, params).fetchone()[0]


def test_a_database_outage_answers_503_and_loses_nothing(postgres_server, cluster):
    """PostgreSQL stops for 20 s: 503 with Retry-After (not 500), 5xx to Stripe, and after it every
    webhook and form is stored exactly once?"""
    server, url = postgres_server
    cluster.room("outage")
    visitor = SupportVisitor(cluster.url)
    assert stripe_delivery(cluster.url, "evt_before").status_code == 200
    assert visitor.send("Sent before the outage").status_code == 302

    server.halt()
    stopped = time.time()
    room_page = requests.get(f"{cluster.url}/outage", timeout=15)
    assert room_page.status_code == 503 and room_page.headers["Retry-After"] == "30"
    assert "Back in a moment" in room_page.text
    during = visitor.send("Sent during the outage")
    assert during.status_code == 503 and during.headers["Retry-After"] == "30"
    assert stripe_delivery(cluster.url, "evt_during").status_code >= 500  # Stripe will deliver it again
    assert stripe_delivery(cluster.url, "evt_before").status_code >= 500  # a redelivery, mid-outage
    assert requests.get(f"{cluster.url}/healthz", timeout=15).status_code == 503
    time.sleep(max(0, 20 - (time.time() - stopped)))
    server.resume()

    # What Stripe and the visitor do next: deliver again, press Send again.
    assert stripe_delivery(cluster.url, "evt_during").json() == {"received": True, "duplicate": False}
    assert stripe_delivery(cluster.url, "evt_before").json()["duplicate"] is True
    assert visitor.send("Sent during the outage").status_code == 302
    events = "SELECT count(*) FROM stripe_events WHERE event_id = %s"
    tickets = "SELECT count(*) FROM support_tickets WHERE subject = %s"
    assert [rows(url, events, e) for e in ("evt_before", "evt_during")] == [1, 1]
    assert [rows(url, tickets, s) for s in ("Sent before the outage", "Sent during the outage")] == [1, 1]
