"""The node's /ping WebSocket: the lobby's latency probe, cheap and knowing nothing about rooms."""

import asyncio
import time

import pytest
from aiohttp import WSMsgType

from sfu_node import ping
from sfu_node.config import ConfigError, load_config
from tests.support.inprocess import running_node


def test_ping_answers_each_message_with_itself():
    """Does /ping send each small message straight back, without a join token?"""

    async def scenario():
        async with running_node() as (_node, client):
            ws = await client.ws_connect("/ping")
            answers = []
            for index in range(5):
                await ws.send_str(str(index))
                answers.append((await ws.receive(5)).data)
            await ws.close()
            return answers

    assert asyncio.run(scenario()) == ["0", "1", "2", "3", "4"]


def test_ping_delay_option_slows_every_answer():
    """Does a node started with a ping delay answer each ping that much later?"""

    async def scenario():
        async with running_node(ping_delay=0.2) as (_node, client):
            ws = await client.ws_connect("/ping")
            started = time.monotonic()
            await ws.send_str("1")
            await ws.receive(5)
            return time.monotonic() - started

    assert asyncio.run(scenario()) >= 0.2


def test_ping_hangs_up_after_its_quota_of_answers():
    """Does a client flooding /ping get a few answers and then a closed socket?"""

    async def scenario():
        async with running_node() as (_node, client):
            ws = await client.ws_connect("/ping")
            for _ in range(ping.MAX_PINGS + 20):
                await ws.send_str("x")
            kinds = []
            while True:
                msg = await ws.receive(5)
                kinds.append(msg.type)
                if msg.type != WSMsgType.TEXT:
                    return kinds

    kinds = asyncio.run(scenario())
    assert kinds.count(WSMsgType.TEXT) == ping.MAX_PINGS


def test_ping_hangs_up_on_a_large_message():
    """Is a message too big to be a ping answered by closing the socket, not echoed?"""

    async def scenario():
        async with running_node() as (_node, client):
            ws = await client.ws_connect("/ping")
            await ws.send_str("x" * (ping.MAX_PING_BYTES + 1))
            return (await ws.receive(5)).type

    assert asyncio.run(scenario()) in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING)


def test_ping_refuses_sockets_over_the_node_wide_cap(monkeypatch):
    """Past the cap of open ping sockets, is a new one refused with a 503 instead of opened?"""
    monkeypatch.setattr(ping, "MAX_PING_SOCKETS", 1)

    async def scenario():
        async with running_node() as (_node, client):
            first = await client.ws_connect("/ping")
            await first.send_str("1")
            await first.receive(5)
            response = await client.get("/ping")
            await first.close()
            return response.status

    assert asyncio.run(scenario()) == 503


def test_ping_delay_must_be_a_sane_number():
    """Does the node refuse to start with a negative or absurd --ping-delay-ms?"""
    environ = {"PARLOR_NODE_KEY": "k" * 40}
    base = ["--app-url", "http://app", "--node-id", "n1"]
    assert load_config([*base, "--ping-delay-ms", "250"], environ)[0].ping_delay == 0.25
    for bad in ("-1", "nope", "99999"):
        with pytest.raises(ConfigError):
            load_config([*base, "--ping-delay-ms", bad], environ)
