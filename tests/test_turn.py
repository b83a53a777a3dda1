import os

import pytest

from .support import services
from .support.turn import BINDING, MAPPED_ADDRESS, TCP, TurnClient, message

SECRET = "turn-test-secret"  # noqa: S105


@pytest.fixture(scope="module")
def coturn(tmp_path_factory):
    """The coturn the browser tests use: the deployed hardening, loopback peers allowed."""
    server = services.coturn_server(tmp_path_factory.mktemp("coturn"), SECRET)
    yield server
    server.stop()


@pytest.fixture
def turn(coturn):
    client = TurnClient(coturn.port, SECRET)
    yield client
    client.close()


def test_deployed_config_carries_the_hardening():
    """Does the deployed coturn config switch off TCP relays, RFC 5780, old STUN, and deny NAT64's local range?"""
    lines = services.DEPLOYED_TURN_CONFIG.read_text().splitlines()
    for line in ("no-tcp-relay", "no-rfc5780", "no-stun-backward-compatibility", "no-loopback-peers"):
        assert line in lines
    assert "denied-peer-ip=64:ff9b:1::-64:ff9b:1:ffff:ffff:ffff:ffff:ffff" in lines


def test_relay_to_loopback_works_for_the_browser_tests(turn):
    """Can a client still allocate a UDP relay and open it to a loopback peer (as local browsers do)?"""
    assert turn.allocate().ok
    assert turn.permit("127.0.0.1").ok


@pytest.mark.parametrize("peer", ["10.0.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1"])
def test_relay_to_private_and_metadata_addresses_is_refused(turn, peer):
    """Can a client not point its relay at private networks or the cloud metadata address?"""
    assert turn.allocate().ok
    answer = turn.permit(peer)
    assert not answer.ok and answer.error == 403


def test_tcp_relay_is_refused(turn):
    """Is a TCP relay allocation (a way to reach TCP services) refused as unsupported?"""
    answer = turn.allocate(TCP)
    assert not answer.ok and answer.error == 442


def test_old_stun_gets_no_answer(turn):
    """Does a classic RFC 3489 binding request (no magic cookie), good for reflection, get no answer?"""
    assert turn.ask(message(BINDING, cookie=int.from_bytes(os.urandom(4)) | 1)) is None


def test_binding_answers_without_the_old_mapped_address(turn):
    """Does a binding answer carry only the XOR-mapped address, not the old MAPPED-ADDRESS?"""
    answer = turn.ask(message(BINDING))
    assert answer.ok and MAPPED_ADDRESS not in answer.attributes
