"""Faults survived: a worker killed, Redis restarted, mid-meeting, behind the deployed proxy."""

import time

import pytest

from ..support.cluster import Participant

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
