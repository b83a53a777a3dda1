"""Run ``python -m sfu_node`` as a subprocess for tests and the benchmark."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

from sfu_node import protocol

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NodeProcess:
    def __init__(
        self,
        app_url: str,
        master_secret: str,
        node_id: str = "node-a",
        drain_grace: float = 30.0,
        log_path: str | None = None,
    ) -> None:
        self.node_id = node_id
        self.port = free_port()
        self.key = protocol.derive_node_key(master_secret, node_id)
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws"
        # /healthz and /metrics live on the node's separate local listener.
        self.metrics_port = free_port()
        self.metrics_url = f"http://127.0.0.1:{self.metrics_port}"
        env = dict(os.environ, PARLOR_NODE_KEY=self.key, PYTHONUNBUFFERED="1")
        self._log = open(log_path or os.devnull, "w")  # noqa: SIM115 - lives as long as the process
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sfu_node",
                "--app-url",
                app_url,
                "--region",
                "test",
                "--public-url",
                self.url,
                "--listen",
                f"127.0.0.1:{self.port}",
                "--capacity",
                "50",
                "--node-id",
                node_id,
                "--drain-grace",
                str(drain_grace),
                "--metrics-listen",
                f"127.0.0.1:{self.metrics_port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def health(self) -> dict:
        with urllib.request.urlopen(self.metrics_url + "/healthz", timeout=2) as response:
            return json.load(response)

    def wait_ready(self, timeout: float = 15.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"node exited with {self.proc.returncode}")
            try:
                health = self.health()
                if health["registered"]:
                    return health
            except OSError:
                pass
            time.sleep(0.1)
        raise TimeoutError("node did not become ready")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._log.close()
