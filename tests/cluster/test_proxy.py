"""Production serving: two eventlet workers behind the deployed HAProxy config, one meeting across them."""

from ..support.cluster import Participant


def test_people_on_different_workers_relay_chat_and_signals(cluster):
    """Behind the proxy, do people stuck to different workers hear each other's chat and signals?"""
    cluster.room("across-workers")
    alice = Participant(cluster.url, "across-workers", "Alice", worker="w1").connect()
    bob = Participant(cluster.url, "across-workers", "Bob", worker="w2").connect()
    assert (alice.worker, bob.worker) == ("w1", "w2")
    alice.join()
    answer = bob.join()
    assert [p["name"] for p in answer["participants"]] == ["Alice"]
    assert alice.wait_for(lambda: [p["name"] for p in alice.heard["peer-joined"]] == ["Bob"])

    bob.call("chat", {"text": "hello from w2"})
    offer = {"type": "offer", "sdp": "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"}
    assert alice.call("signal", {"to": bob.pid, "description": offer})["status"] == "sent"
    assert alice.wait_for(lambda: alice.texts() == ["hello from w2"])
    assert bob.wait_for(lambda: [s.get("from") for s in bob.heard["signal"]] == [alice.pid])
    assert bob.heard["signal"][0]["description"] == offer
    for worker in cluster.workers:  # the proxy really spread them: each worker served a socket
        assert "/socket.io/" in (worker.directory / "web.log").read_text()


def test_a_knock_on_one_worker_reaches_the_host_on_the_other(cluster):
    """In a locked room, does a visitor knocking on w2 reach the host on w1, and get in when admitted?"""
    host_key = cluster.room("knock-across", locked=True)
    host = Participant(cluster.url, "knock-across", "Host", worker="w1", host_key=host_key).connect()
    assert host.join()["host"] is True
    guest = Participant(cluster.url, "knock-across", "Guest", worker="w2").connect()
    assert guest.call("join", {"name": "Guest"})["status"] == "locked"
    assert guest.knock()["status"] == "waiting"
    assert host.wait_for(lambda: [k["name"] for k in host.heard["knock"]] == ["Guest"])

    host.call("admit", {"id": host.heard["knock"][0]["id"]})
    assert guest.wait_for(lambda: guest.heard["knock-result"] == [{"admitted": True}])
    assert guest.call("join", {"name": "Guest"})["status"] == "joined"
    assert host.wait_for(lambda: [p["name"] for p in host.heard["peer-joined"]] == ["Guest"])
