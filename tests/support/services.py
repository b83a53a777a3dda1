"""Real servers the tests start for themselves: PostgreSQL, Redis, coturn, an SMTP sink."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from email import message_from_bytes, policy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, timeout=20, host="127.0.0.1"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex((host, port)) == 0:
                return True
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {host}:{port}")


def as_unprivileged(command):
    """PostgreSQL refuses to run as root; CI runs as root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def postgres_binaries():
    base = Path("/usr/lib/postgresql")
    if not base.exists():
        return None
    versions = sorted(base.iterdir(), key=lambda p: [int(x) for x in p.name.split(".") if x.isdigit()])
    for version in reversed(versions):
        if (version / "bin" / "initdb").exists():
            return version / "bin"
    return None


class TemporaryPostgres:
    """A throwaway cluster in a temporary directory, on a free port."""

    def __init__(self):
        self.bin = postgres_binaries()
        if self.bin is None:
            raise RuntimeError("PostgreSQL server binaries are not installed")
        # Not under pytest's tmp: its parents are private to root, and PostgreSQL runs as postgres.
        self.directory = Path(tempfile.mkdtemp(prefix="parlor-pg-"))
        self.port = free_port()

    def start(self):
        data = self.directory / "data"
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        subprocess.run(
            as_unprivileged([str(self.bin / "initdb"), "-D", str(data), "-U", "parlor", "--auth=trust", "-E", "UTF8"]),
            check=True,
            capture_output=True,
        )
        self.resume()
        subprocess.run(
            as_unprivileged(
                [str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "parlor", "parlor_test"]
            ),
            check=True,
            capture_output=True,
        )
        return f"postgresql://parlor@127.0.0.1:{self.port}/parlor_test"

    def stop(self):
        subprocess.run(
            as_unprivileged([str(self.bin / "pg_ctl"), "-D", str(self.directory / "data"), "-m", "fast", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(self.directory, ignore_errors=True)

    def halt(self):
        """Stop the server but keep its data, as an outage would."""
        subprocess.run(
            as_unprivileged([str(self.bin / "pg_ctl"), "-D", str(self.directory / "data"), "-m", "fast", "-w", "stop"]),
            check=True,
            capture_output=True,
        )

    def resume(self):
        subprocess.run(
            as_unprivileged(
                [
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.directory / "data"),
                    "-l",
                    str(self.directory / "log"),
                    "-o",
                    f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1",
                    "-w",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )


def stop_process(process, log=None):
    """Ask a child to stop, insist after ten seconds, and close its log."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if log is not None:
        log.close()


class Daemon:
    """A server process started by a test and stopped afterwards."""

    def __init__(self, command, port, log_path, env=None):
        self.command = command
        self.port = port
        self.log_path = log_path
        self.env = env
        self.process = None

    def start(self, timeout=20):
        """Start (or start again, on the same port) and wait until it listens."""
        self.log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(self.command, stdout=self.log, stderr=subprocess.STDOUT, env=self.env)
        try:
            wait_for_port(self.port, timeout)
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"{self.command[0]} did not start: {Path(self.log_path).read_text()[-2000:]}") from None
        return self

    def stop(self):
        stop_process(self.process, self.log)


def redis_server(directory):
    port = free_port()
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed")
    command = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(directory),
    ]
    return Daemon(command, port, Path(directory) / "redis.log").start()


DEPLOYED_TURN_CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "coturn" / "turnserver.conf"
HARDENING = ("no-tcp-relay", "no-rfc5780", "no-stun-backward-compatibility", "no-multicast-peers", "denied-peer-ip=")
LOOPBACK_DENIALS = ("denied-peer-ip=127.0.0.0-127.255.255.255", "denied-peer-ip=::1")


def deployed_turn_hardening():
    """The deployed coturn's relay restrictions, minus the loopback denials local browsers need."""
    lines = [line.strip() for line in DEPLOYED_TURN_CONFIG.read_text().splitlines()]
    return [line for line in lines if line.startswith(HARDENING) and line not in LOOPBACK_DENIALS]


def coturn_server(directory, secret, realm="parlor.test"):
    """coturn with the deployed hardening, but allowing loopback peers so local browsers can relay."""
    binary = shutil.which("turnserver")
    if binary is None:
        raise RuntimeError("coturn (turnserver) is not installed")
    port = free_port()
    config = Path(directory) / "turnserver.conf"
    config.write_text(
        "\n".join(
            [
                f"listening-port={port}",
                "listening-ip=127.0.0.1",
                "relay-ip=127.0.0.1",
                "min-port=49160",
                "max-port=49400",
                "use-auth-secret",
                f"static-auth-secret={secret}",
                f"realm={realm}",
                "fingerprint",
                "no-cli",
                "no-tls",
                "no-dtls",
                *deployed_turn_hardening(),
                "allow-loopback-peers",  # tests only: the browsers are on this machine
                "user-quota=12",
                "total-quota=200",
                f"log-file={Path(directory) / 'turn.log'}",
                "simple-log",
                "verbose",
            ]
        )
        + "\n"
    )
    return Daemon([binary, "-c", str(config), "--no-stdout-log"], port, Path(directory) / "turn.out").start()


class Mailbox:
    """A real SMTP server (aiosmtpd) that keeps what it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def clear(self):
        self.messages.clear()

    def to(self, address):
        return [m for m in self.messages if address in m["To"]]

    def wait_for(self, address, count=1, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no email reached {address} within {timeout}s")
