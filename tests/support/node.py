"""``python -m sfu_node`` as a subprocess, for the node tests, the end-to-end tests and the benchmarks."""

import json
import os
import subprocess
import sys
import time
import urllib.request

from sfu_node import protocol

from . import services


class NodeProcess:
    def __init__(
        self,
        app_url: str,
        master_secret: str,
        node_id: str = "node-a",
        *,
        region: str = "test",
        capacity: int = 50,
        drain_grace: float = 30.0,
        ping_delay_ms: int = 0,
        workers: int = 1,
        udp_ports: str | None = None,
        log_path=None,
        extra_args=(),
        extra_env=None,
    ) -> None:
        self.node_id = node_id
        self.port = services.free_port()
        self.key = protocol.derive_node_key(master_secret, node_id)
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws"
        # /healthz and /metrics live on the node's separate local listener.
        self.metrics_port = services.free_port()
        self.metrics_url = f"http://127.0.0.1:{self.metrics_port}"
        self.log_path = log_path
        env = dict(os.environ, PARLOR_NODE_KEY=self.key, PYTHONUNBUFFERED="1", **(extra_env or {}))
        self.log = open(log_path or os.devnull, "w")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sfu_node",
                "--app-url",
                app_url,
                "--region",
                region,
                "--public-url",
                self.url,
                "--listen",
                f"127.0.0.1:{self.port}",
                "--capacity",
                str(capacity),
                "--node-id",
                node_id,
                "--drain-grace",
                str(drain_grace),
                "--metrics-listen",
                f"127.0.0.1:{self.metrics_port}",
                "--ping-delay-ms",
                str(ping_delay_ms),
                "--workers",
                str(workers),
                *(("--udp-ports", udp_ports) if udp_ports else ()),
                *extra_args,
            ],
            cwd=services.ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def health(self) -> dict:
        with urllib.request.urlopen(self.metrics_url + "/healthz", timeout=2) as response:
            return json.load(response)

    def wait_listening(self, timeout: float = 30.0) -> None:
        services.wait_for_port(self.port, timeout=timeout)

    def wait_ready(self, timeout: float = 15.0) -> dict:
        """Wait until the node says it has registered with its app."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"node exited with {self.process.returncode}")
            try:
                health = self.health()
                if health["registered"]:
                    return health
            except OSError:
                pass
            time.sleep(0.1)
        raise TimeoutError("node did not become ready")

    def worker_pids(self) -> list[int]:
        """The media workers' pids, in worker order (a node of ``--workers 1`` has none)."""
        return [worker["pid"] for worker in self.health().get("workers", [])]

    def kill(self) -> None:
        """Die at once, as a crashed machine would: no drain, no goodbye to the app."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        """SIGTERM (the node drains), SIGKILL after ten seconds; closes the log."""
        services.stop_process(self.process, self.log)
