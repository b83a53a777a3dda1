"""Placing rooms on media workers, and splitting the node's UDP ports between them (no processes)."""

import asyncio
import os
import shutil
import socket

import pytest

from sfu_node.config import ConfigError, load_config
from sfu_node.pool import WorkerPool
from sfu_node.ports import PortRangeError, PortRangeLoop, split_port_range
from sfu_node.rooms import JoinRefused

from ..support.inprocess import NODE_KEY, make_config


@pytest.fixture
def pool():
    """Three workers that are up (as their first status poll would have said)."""
    workers = WorkerPool(make_config(workers=3, capacity=10))
    for handle in workers.workers:
        handle.ready = True
    workers.held = []  # open connection contexts: a dropped one would be closed by the garbage collector
    yield workers
    shutil.rmtree(workers.supervisor.directory, ignore_errors=True)


def payload(room, participant, jti=None):
    return {"room": room, "participant": participant, "jti": jti or f"{room}-{participant}", "exp": 2**40}


def seat(pool, room, participant, jti=None):
    """Place and count a connection, as the relay does while a WebSocket is open."""
    data = payload(room, participant, jti)
    handle = pool.place(data)
    context = pool.connection(handle, data)
    context.__enter__()
    pool.held.append(context)
    return handle, context


def test_new_rooms_go_to_the_least_loaded_worker(pool):
    """Does each new room go to the worker with the fewest participants?"""
    first, _ = seat(pool, "a", "p1")
    seat(pool, "a", "p2")
    second, _ = seat(pool, "b", "p3")
    third, _ = seat(pool, "c", "p4")
    assert [first.index, second.index, third.index] == [0, 1, 2]
    fourth, _ = seat(pool, "d", "p5")
    assert fourth.index == 1  # workers 1 and 2 carry one each; ties go to the lowest index


def test_a_room_stays_whole_on_its_worker(pool):
    """Does everyone in a room join its worker, however loaded that worker is?"""
    home, _ = seat(pool, "a", "p1")
    seat(pool, "b", "p2")
    assert all(seat(pool, "a", f"q{i}")[0] is home for i in range(4))


def test_an_emptied_room_may_move(pool):
    """Once a room's last connection closes, is it placed afresh (here on a now emptier worker)?"""
    seat(pool, "busy", "p1")
    seat(pool, "busy", "p2")
    _, leaving = seat(pool, "a", "p3")
    leaving.__exit__(None, None, None)
    assert pool.participant_count == 2 and pool.place(payload("a", "p3", "again")).index == 1


def test_retiring_worker_keeps_its_room_and_gets_no_new_one(pool):
    """Is a worker draining on its own (SIGTERM) given no new rooms, while its room still joins it?"""
    home, _ = seat(pool, "a", "p1")
    home.status = {"retiring": True, "state": "draining"}
    assert seat(pool, "a", "p2")[0] is home
    assert seat(pool, "b", "p3")[0] is not home


def test_worker_not_ready_gets_no_rooms(pool):
    """Is a worker being restarted skipped, and a room on it placed on another?"""
    home, _ = seat(pool, "a", "p1")
    home.ready = False
    assert pool.place(payload("a", "p2")) is not home


def test_no_worker_ready_refuses(pool):
    """With every worker restarting, is a join refused with a reason instead of waiting?"""
    for handle in pool.workers:
        handle.ready = False
    with pytest.raises(JoinRefused, match="no media worker ready"):
        pool.place(payload("a", "p1"))


def test_token_is_single_use_across_workers(pool):
    """Can one token join twice if its room moved to another worker in between?"""
    _, context = seat(pool, "a", "p1", jti="once")
    context.__exit__(None, None, None)
    with pytest.raises(JoinRefused, match="token already used"):
        pool.place(payload("a", "p1", jti="once"))


def test_kick_outlives_the_workers(pool):
    """After a kick, is the participant refused by the entry itself (a restarted worker forgot the kick)?"""
    asyncio.run(pool.kick("a", "mallory"))
    with pytest.raises(JoinRefused, match="removed"):
        pool.place(payload("a", "mallory"))


def test_node_capacity_counts_every_worker(pool):
    """Is the node's capacity a total over workers, while a reconnecting participant still gets in?"""
    for i in range(10):
        seat(pool, f"room-{i}", f"p{i}")
    with pytest.raises(JoinRefused, match="node full"):
        pool.place(payload("room-x", "newcomer"))
    assert pool.place(payload("room-3", "p3", jti="reconnect")) is not None


@pytest.mark.parametrize(
    ("ports", "parts", "slices"),
    [
        ((40000, 40999), 2, [(40000, 40499), (40500, 40999)]),
        ((40000, 40009), 3, [(40000, 40002), (40003, 40005), (40006, 40009)]),
        ((40000, 40000), 1, [(40000, 40000)]),
        (None, 2, [None, None]),
    ],
)
def test_port_range_splits_into_disjoint_slices(ports, parts, slices):
    """Does each worker get its own contiguous slice, together covering the node's range?"""
    assert split_port_range(ports, parts) == slices


def test_too_few_ports_for_the_workers_is_refused():
    """Does a range smaller than the worker count stop the node at start-up?"""
    with pytest.raises(PortRangeError):
        split_port_range((40000, 40001), 3)
    with pytest.raises(ConfigError, match="--udp-ports"):
        load_config(
            ["--app-url", "http://a", "--node-id", "n", "--workers", "3", "--udp-ports", "40000-40001"],
            {"PARLOR_NODE_KEY": NODE_KEY},
        )


@pytest.mark.parametrize("value", ["0", "-1", "two", "257"])
def test_bad_worker_counts_are_refused(value):
    """Is a worker count that is not 1..256 refused with the option's name?"""
    with pytest.raises(ConfigError, match="--workers"):
        load_config(["--app-url", "http://a", "--node-id", "n", "--workers", value], {"PARLOR_NODE_KEY": NODE_KEY})


def test_workers_default_to_the_cores_this_process_may_use():
    """Without --workers, does a node start one worker per core it may run on?"""
    config, _ = load_config(["--app-url", "http://a", "--node-id", "n"], {"PARLOR_NODE_KEY": NODE_KEY})
    assert config.workers == len(os.sched_getaffinity(0))


async def bind_udp(count):
    ports = []
    for _ in range(count):
        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0)
        )
        ports.append(transport.get_extra_info("sockname")[1])
    return ports


@pytest.fixture
def taken_port():
    """A UDP port some other program holds."""
    taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    taken.bind(("127.0.0.1", 0))
    yield taken.getsockname()[1]
    taken.close()


def test_media_sockets_bind_inside_the_range_skipping_taken_ports(taken_port):
    """Does a worker's loop bind ICE's port-0 sockets inside its slice, skipping a port already taken?"""
    first = min(taken_port, 65535 - 10)
    with asyncio.Runner(loop_factory=lambda: PortRangeLoop((first, first + 10))) as runner:
        ports = runner.run(bind_udp(3))
    assert all(first <= port <= first + 10 for port in ports) and taken_port not in ports
    assert len(set(ports)) == 3


def test_a_full_range_fails_the_bind(taken_port):
    """With every port of the slice taken, does the bind fail (aioice then skips that candidate)?"""
    runner = asyncio.Runner(loop_factory=lambda: PortRangeLoop((taken_port, taken_port)))
    with runner, pytest.raises(OSError, match="no free UDP port"):
        runner.run(bind_udp(1))
