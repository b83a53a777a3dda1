import os

if os.environ.get("SOCKETIO_ASYNC_MODE") == "eventlet":
    # The eventlet pass must patch before anything else imports socket or threading.
    import eventlet

    eventlet.monkey_patch()

# Fixtures live by topic in tests/fixtures/; helpers that are not fixtures live in tests/support/.
# pytest reads pytest_plugins only from this, the root conftest.
pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.app",
    "tests.fixtures.mail",
    "tests.fixtures.accounts",
    "tests.fixtures.billing",
    "tests.fixtures.api",
    "tests.fixtures.sockets",
    "tests.fixtures.cluster",
    "tests.fixtures.orgs",
    "tests.fixtures.staff",
]
