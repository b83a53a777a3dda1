"""The node's own ICE servers: STUN, and TURN with fixed or minted credentials."""

import base64
import hashlib
import hmac

import pytest

from sfu_node.config import ConfigError, load_config

BASE = ["--app-url", "http://app.test", "--node-id", "node-a"]
KEY = {"PARLOR_NODE_KEY": "k" * 40}


def test_turn_credentials_are_minted_from_the_coturn_secret():
    """Does a node given coturn's secret mint per-connection credentials coturn will accept?"""
    environ = dict(KEY, PARLOR_NODE_TURN_SECRET="coturn-secret")
    argv = [*BASE, "--ice-server", "stun:stun.test:3478", "--ice-server", "turn:turn.test:3478?transport=udp"]
    config, _ = load_config(argv, environ)
    stun, turn = config.ice.servers("node-a-alice", now=1000)
    assert stun.urls == "stun:stun.test:3478" and stun.username is None
    assert turn.urls == "turn:turn.test:3478?transport=udp"
    assert turn.username.endswith(":node-a-alice") and int(turn.username.split(":")[0]) > 1000
    expected = hmac.new(b"coturn-secret", turn.username.encode(), hashlib.sha1).digest()
    assert base64.b64decode(turn.credential) == expected


def test_fixed_turn_credentials_come_from_the_environment():
    """Are a fixed TURN username and its credential (from the environment only) used as given?"""
    environ = dict(KEY, PARLOR_NODE_ICE_CREDENTIAL="pa55")
    argv = [*BASE, "--ice-server", "turns:turn.test:443", "--ice-username", "node"]
    config, _ = load_config(argv, environ)
    [turn] = config.ice.servers("x")
    assert (turn.urls, turn.username, turn.credential) == ("turns:turn.test:443", "node", "pa55")
    assert "pa55" not in repr(config)


def test_turn_without_credentials_refuses_to_start():
    """Does the node refuse a TURN server it could never authenticate to?"""
    with pytest.raises(ConfigError, match="TURN"):
        load_config([*BASE, "--ice-server", "turn:turn.test:3478"], dict(KEY))


def test_ice_server_must_be_an_ice_url():
    """Is an --ice-server value that is no STUN or TURN URL refused?"""
    with pytest.raises(ConfigError, match="stun:"):
        load_config([*BASE, "--ice-server", "http://turn.test"], dict(KEY))
