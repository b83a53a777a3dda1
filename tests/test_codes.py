import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.auth import codes
from app.auth.models import LoginCode, User
from app.extensions import db

from .support.accounts import console_code, csrf_token

GUESSERS = 14


def wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def comparisons(monkeypatch):
    """Count every comparison of a code, each held open a moment so racing guesses overlap."""
    seen = []
    lock = threading.Lock()
    compare = codes._matches

    def counting(record, code):
        with lock:
            seen.append(code)
        threading.Event().wait(0.05)
        return compare(record, code)

    monkeypatch.setattr(codes, "_matches", counting)
    return seen


def test_concurrent_wrong_guesses_cannot_share_one_count(app, client, auth, comparisons, count):
    """Do 14 simultaneous wrong guesses get at most five comparisons, and the right code then fail?"""
    auth.request_code("victim@example.com")
    code = console_code(app, "victim@example.com")
    token = csrf_token(client, "/user/verify")
    cookie = client.get_cookie("parlor_session").value
    start = threading.Barrier(GUESSERS)
    statuses = []

    def guess():
        attacker = app.test_client()  # its own request, app context and database session
        attacker.set_cookie("parlor_session", cookie)
        start.wait()
        response = attacker.post("/user/verify", data={"csrf_token": token, "code": wrong(code)})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess) for _ in range(GUESSERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [400] * GUESSERS
    assert len(comparisons) <= codes.MAX_ATTEMPTS
    response = auth.enter_code(code)
    assert response.status_code == 400 and "Too many wrong tries" in response.get_data(as_text=True)
    assert len(comparisons) <= codes.MAX_ATTEMPTS  # the right code was not even compared
    assert count(User) == 0
    with app.app_context():
        assert db.session.scalar(sa.select(LoginCode.attempts)) == codes.MAX_ATTEMPTS


def test_a_right_code_raced_twice_is_used_once(app, client, auth):
    """Can one code, entered twice at the same moment, sign in only once?"""
    auth.request_code("twice@example.com")
    code = console_code(app, "twice@example.com")
    token = csrf_token(client, "/user/verify")
    cookie = client.get_cookie("parlor_session").value
    start = threading.Barrier(2)
    statuses = []

    def enter():
        other = app.test_client()
        other.set_cookie("parlor_session", cookie)
        start.wait()
        statuses.append(other.post("/user/verify", data={"csrf_token": token, "code": code}).status_code)

    threads = [threading.Thread(target=enter) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 400]


def test_sends_to_one_address_wait_longer_and_longer(client, auth, clock):
    """After five codes to one address, must the next wait two minutes, then four?"""
    for _ in range(codes.FREE_SENDS):
        assert auth.request_code("wait@example.com").status_code == 302
    response = auth.request_code("wait@example.com")
    assert response.status_code == 429
    assert "ask for another in 2 minutes" in response.get_data(as_text=True)
    clock.advance(timedelta(minutes=2))
    assert auth.request_code("wait@example.com").status_code == 302
    clock.advance(timedelta(minutes=3))
    assert auth.request_code("wait@example.com").status_code == 429
    clock.advance(timedelta(minutes=1))
    assert auth.request_code("wait@example.com").status_code == 302


def test_the_wait_is_per_address(client, auth):
    """Does a flood against one address leave another address free to get its code?"""
    for _ in range(codes.FREE_SENDS + 1):
        auth.request_code("flooded@example.com")
    assert auth.request_code("other@example.com").status_code == 302


def test_sends_stop_for_the_day(app, client, auth, clock, count):
    """After a day's worth of codes to one address, is the next refused until the day has passed?"""
    for _ in range(codes.SENDS_PER_DAY):
        assert auth.request_code("daily@example.com").status_code == 302
        clock.advance(codes.LONGEST_WAIT)
    response = auth.request_code("daily@example.com")
    assert response.status_code == 429 and "Try again tomorrow" in response.get_data(as_text=True)
    assert count(LoginCode) == codes.SENDS_PER_DAY
    clock.advance(codes.DAY - codes.LONGEST_WAIT * (codes.SENDS_PER_DAY - 1))
    assert auth.request_code("daily@example.com").status_code == 302


def test_wrong_guesses_stop_for_the_day(app, client, auth, clock, count):
    """After a day's worth of wrong guesses at one address's codes, is even the right code refused?"""
    guesses = 0
    while guesses < codes.TRIES_PER_DAY:
        auth.request_code("guessed@example.com")
        code = console_code(app, "guessed@example.com")
        for _ in range(min(codes.MAX_ATTEMPTS, codes.TRIES_PER_DAY - guesses)):
            auth.enter_code(wrong(code))
            guesses += 1
        clock.advance(codes.LONGEST_WAIT)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.sum(LoginCode.attempts))) == codes.TRIES_PER_DAY
    response = auth.request_code("guessed@example.com")
    assert response.status_code == 429 and "Try again tomorrow" in response.get_data(as_text=True)
    response = auth.enter_code(code if guesses % codes.MAX_ATTEMPTS else "000000")
    assert response.status_code == 400
    assert count(User) == 0
    clock.advance(codes.DAY)
    assert auth.login("guessed@example.com").status_code == 302


def test_a_code_checked_under_a_live_daily_cap_is_not_counted(app, client, auth, clock, monkeypatch, comparisons):
    """Once the day's tries are used up, is a guess refused without being compared or counted?"""
    monkeypatch.setattr(codes, "TRIES_PER_DAY", 2)
    auth.request_code("capped@example.com")
    code = console_code(app, "capped@example.com")
    auth.enter_code(wrong(code))
    auth.enter_code(wrong(code))
    response = auth.enter_code(code)
    assert "Too many codes were tried for this address today" in response.get_data(as_text=True)
    assert len(comparisons) == 2
    with app.app_context():
        assert db.session.scalar(sa.select(LoginCode.attempts)) == 2


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_ipv6_neighbours_share_one_limit(client, auth):
    """Do addresses in one IPv6 /64 share the per-address limit, while the next /64 has its own?"""
    for n in range(5):
        client.environ_base["REMOTE_ADDR"] = f"2001:db8:1:2::{n + 1}"
        assert auth.request_code(f"neighbour{n}@example.com").status_code == 302
    client.environ_base["REMOTE_ADDR"] = "2001:db8:1:2:ffff:ffff:ffff:fffe"
    assert auth.request_code("neighbour9@example.com").status_code == 429
    client.environ_base["REMOTE_ADDR"] = "2001:db8:1:3::1"
    assert auth.request_code("neighbour9@example.com").status_code == 302


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_ipv4_addresses_are_limited_one_by_one(client, auth):
    """Does each IPv4 address keep its own limit, however close the next one is?"""
    client.environ_base["REMOTE_ADDR"] = "192.0.2.1"
    for n in range(5):
        assert auth.request_code(f"four{n}@example.com").status_code == 302
    assert auth.request_code("four9@example.com").status_code == 429
    client.environ_base["REMOTE_ADDR"] = "192.0.2.2"
    assert auth.request_code("four9@example.com").status_code == 302


@pytest.mark.parametrize(
    "address,key",
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:aa:bb:1:2:3:4", "2001:db8:aa:bb::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("", "unknown"),
    ],
)
def test_network_keys(address, key):
    """Is an IPv6 address counted by its /64, and an IPv4 (or IPv4-mapped) one by itself?"""
    from app.netkeys import network_key

    assert network_key(address) == key
