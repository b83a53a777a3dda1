"""What to do when a test's real server or browser is missing: skip on a laptop, fail in CI.

`make test` installs the system packages first (scripts/system-deps), so a skip here means
someone ran pytest directly on a machine without them. Under ``CI=true`` that is a failure.
"""

import os

import pytest

INSTALL_HINT = (
    "run `make test` (it installs them) or: apt-get install -y chromium coturn redis-server postgresql haproxy npm"
)


def unavailable(what):
    message = f"{what}; {INSTALL_HINT}"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)
