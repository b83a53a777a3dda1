"""Two app workers sharing PostgreSQL-or-SQLite and Redis: people on different workers meet."""

import pytest

from ..support import services
from ..support.live import LiveServer, join_meeting, wait_decoding


@pytest.fixture
def two_workers(tmp_path, mail_sink):
    try:
        redis = services.redis_server(tmp_path)
    except RuntimeError as error:
        pytest.skip(str(error))
    shared = {
        "REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
        "DATABASE_URL": f"sqlite:///{tmp_path}/shared.db",
        "SECRET_KEY": "two-workers-share-this-secret-key-0123456789",
    }
    workers = []
    try:
        for name in ("one", "two"):
            directory = tmp_path / name
            directory.mkdir()
            workers.append(LiveServer(directory, mail_sink, None, extra_env=shared).start())
        yield workers
    finally:
        for worker in workers:
            worker.stop()
        redis.stop()


def test_people_on_different_workers_meet(two_workers, new_page):
    """With Redis as the message queue, do two people served by different workers see and hear each other?"""
    first, second = two_workers
    first.flask("create-admin", "workers@example.com")
    first.flask("rooms", "create", "two-workers", "--owner", "workers@example.com")
    alice, bob = new_page(), new_page()
    join_meeting(alice, f"{first.url}/two-workers", "Alice")
    alice.wait_for_selector("#meeting:not([hidden])")
    join_meeting(bob, f"{second.url}/two-workers", "Bob")
    bob.wait_for_selector("#meeting:not([hidden])")
    wait_decoding(alice, tracks=1)
    wait_decoding(bob, tracks=1)
    assert alice.text_content("#people-count") == "2" and bob.text_content("#people-count") == "2"
