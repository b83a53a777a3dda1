"""`make test` and `make run` check the system packages they need before anything else."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from .support.services import ROOT

SCRIPT = ROOT / "scripts" / "system-deps"


@pytest.fixture
def bare_path():
    """A PATH with a shell and Python but none of the servers, readable by an unprivileged user."""
    directory = Path(tempfile.mkdtemp(prefix="bare-path-"))
    directory.chmod(0o755)
    for tool in ("bash", "env", "id", "ls", "python3"):
        (directory / tool).symlink_to(shutil.which(tool, path="/usr/bin:/bin"))
    yield str(directory)
    shutil.rmtree(directory)


def run_as_nobody(bare_path, target):
    return subprocess.run(
        [shutil.which("setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups", str(SCRIPT), target],
        env={"PATH": bare_path, "HOME": "/tmp"},
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to drop to nobody")
def test_missing_packages_stop_with_the_exact_command(bare_path):
    """Without root, does a missing server stop `make test` at once with the command that fixes it?"""
    result = run_as_nobody(bare_path, "test")
    assert result.returncode == 1, result.stderr
    command = result.stderr.splitlines()[-1].strip()
    assert command.startswith("sudo apt-get update && sudo apt-get install -y --no-install-recommends ")
    assert {"coturn", "redis-server", "npm"} <= set(command.split())


def test_present_packages_pass_quietly():
    """On a machine that has everything (this one, set up by `make test`), is the check silent?"""
    result = subprocess.run([str(SCRIPT), "test"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""
