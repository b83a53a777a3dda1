"""Node configuration: command line and environment into one immutable dataclass."""

import argparse
import ipaddress
import os
from dataclasses import dataclass, field

from .ice import IceSettings, is_turn
from .ports import PortRangeError, parse_port_range, split_port_range
from .protocol import is_node_id

NODE_VERSION = "0.1.0"


FORWARDING_MODES = ("frames", "packets")


class ConfigError(Exception):
    """The node cannot start with the configuration it was given."""


@dataclass(frozen=True)
class NodeConfig:
    app_url: str
    region: str
    public_url: str
    listen_host: str
    listen_port: int
    capacity: int
    node_id: str
    # repr=False keeps the secret out of logs and tracebacks.
    node_key: str = field(repr=False)
    heartbeat_interval: float = 2.0
    drain_grace: float = 600.0
    join_timeout: float = 5.0
    negotiation_timeout: float = 15.0
    ice: IceSettings = IceSettings()
    forwarding: str = "packets"
    version: str = NODE_VERSION
    # /healthz and /metrics: on this separate (loopback) listener, and/or on the public
    # one for holders of the bearer token. Neither set: not served at all.
    metrics_listen: tuple[str, int] | None = None
    metrics_token: str | None = field(default=None, repr=False)
    # Per WebSocket: a token bucket of messages, ICE candidates per connection, and how
    # many refused messages (over a cap) the node answers before it hangs up.
    message_rate: float = 20.0
    message_burst: int = 60
    max_candidates: int = 64
    max_strikes: int = 10
    # Seconds each /ping answer waits: tests make a node look far away with it. Never set in production.
    ping_delay: float = 0.0
    # Media worker processes (1: the node is one process, as it always was) and the UDP
    # ports its ICE candidates bind (None: wherever the kernel says).
    workers: int = 1
    udp_ports: tuple[int, int] | None = None


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity), not merely the machine's count."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _parse_listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not (port.isascii() and port.isdigit()):
        raise ConfigError(f"--listen must be HOST:PORT, got {value!r}")
    return host.strip("[]") or "0.0.0.0", int(port)  # noqa: S104 (":PORT" means every interface, as asked)


def _parse_metrics_listen(value: str) -> tuple[str, int] | None:
    """``PORT``, ``:PORT`` or ``HOST:PORT``; no host means loopback, never every interface."""
    if not value:
        return None
    host, _, port = value.rpartition(":")
    if not (port.isascii() and port.isdigit()) or not 0 <= int(port) <= 65535:
        raise ConfigError(f"--metrics-listen must be PORT or HOST:PORT, got {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_parser(environ) -> argparse.ArgumentParser:
    env = environ.get
    parser = argparse.ArgumentParser(
        prog="python -m sfu_node",
        description="Parlor SFU node: registers with the Parlor app and forwards WebRTC "
        "media between the participants of the large meetings assigned to it, without "
        "decoding or re-encoding. The node key is read from PARLOR_NODE_KEY or --key-file, "
        "never from a command-line value, so it does not show up in process listings.",
    )
    parser.add_argument(
        "--app-url",
        default=env("PARLOR_APP_URL"),
        help="base URL of the Parlor app the node registers with (env PARLOR_APP_URL), e.g. http://127.0.0.1:5000",
    )
    parser.add_argument(
        "--region",
        default=env("PARLOR_NODE_REGION", "local"),
        help="region name the app uses to place rooms near participants (env PARLOR_NODE_REGION, default 'local')",
    )
    parser.add_argument(
        "--public-url",
        default=env("PARLOR_NODE_PUBLIC_URL"),
        help="URL browsers and the app use to reach this node; clients "
        "connect to its /ws (env PARLOR_NODE_PUBLIC_URL, default "
        "http://LISTEN)",
    )
    parser.add_argument(
        "--listen",
        default=env("PARLOR_NODE_LISTEN", "127.0.0.1:8443"),
        help="HOST:PORT for the node's HTTP and WebSocket server (env PARLOR_NODE_LISTEN, default 127.0.0.1:8443)",
    )
    parser.add_argument(
        "--capacity",
        default=env("PARLOR_NODE_CAPACITY", "120"),
        help="most participants this node accepts at once, reported to "
        "the app for load balancing (env PARLOR_NODE_CAPACITY, default 120)",
    )
    parser.add_argument(
        "--node-id",
        default=env("PARLOR_NODE_ID"),
        help="stable identifier of this node; the app derives the node key from it (env PARLOR_NODE_ID)",
    )
    parser.add_argument(
        "--key-file",
        default=env("PARLOR_NODE_KEY_FILE"),
        help="file holding the node key (hex); used when PARLOR_NODE_KEY is not set (env PARLOR_NODE_KEY_FILE)",
    )
    parser.add_argument(
        "--drain-grace",
        default=env("PARLOR_NODE_DRAIN_GRACE", "600"),
        help="seconds to keep serving current rooms after SIGTERM before "
        "exiting anyway (env PARLOR_NODE_DRAIN_GRACE, default 600)",
    )
    parser.add_argument(
        "--ice-server",
        action="append",
        default=[s for s in env("PARLOR_NODE_ICE_SERVERS", "").split(",") if s],
        help="STUN or TURN URL (stun:, turn:, turns:) for the node's own ICE; may be "
        "repeated (env PARLOR_NODE_ICE_SERVERS, comma separated). TURN URLs need either "
        "--ice-username with PARLOR_NODE_ICE_CREDENTIAL, or coturn's static-auth-secret in "
        "PARLOR_NODE_TURN_SECRET or --turn-secret-file, from which the node mints short-lived "
        "credentials per connection as the app does for browsers",
    )
    parser.add_argument(
        "--ice-username",
        default=env("PARLOR_NODE_ICE_USERNAME"),
        help="fixed TURN username for --ice-server TURN URLs; its credential is read from "
        "PARLOR_NODE_ICE_CREDENTIAL, never from the command line (env PARLOR_NODE_ICE_USERNAME)",
    )
    parser.add_argument(
        "--turn-secret-file",
        default=env("PARLOR_NODE_TURN_SECRET_FILE"),
        help="file holding coturn's static-auth-secret, used when PARLOR_NODE_TURN_SECRET is "
        "not set (env PARLOR_NODE_TURN_SECRET_FILE)",
    )
    parser.add_argument(
        "--forwarding",
        choices=FORWARDING_MODES,
        default=env("PARLOR_NODE_FORWARDING", "packets"),
        help="how media crosses the node: 'frames' reassembles each publisher's frames in aiortc's "
        "jitter buffer and sends whole frames; 'packets' forwards every RTP packet as it arrives, "
        "rewritten per subscriber, with NACKs answered from a bounded history (env "
        "PARLOR_NODE_FORWARDING, default packets)",
    )
    parser.add_argument(
        "--metrics-listen",
        default=env("PARLOR_NODE_METRICS_LISTEN", ""),
        help="PORT or HOST:PORT of a separate listener serving /healthz and /metrics to "
        "local scrapers without a token; the host defaults to 127.0.0.1, and a host that "
        "is not loopback needs a metrics token (env PARLOR_NODE_METRICS_LISTEN, default: none)",
    )
    parser.add_argument(
        "--metrics-token-file",
        default=env("PARLOR_NODE_METRICS_TOKEN_FILE"),
        help="file holding a bearer token; when set (or PARLOR_NODE_METRICS_TOKEN is), "
        "/healthz and /metrics answer on every listener to 'Authorization: Bearer TOKEN' "
        "only (env PARLOR_NODE_METRICS_TOKEN_FILE). Without a token or --metrics-listen "
        "the node serves neither",
    )
    parser.add_argument(
        "--ping-delay-ms",
        default=env("PARLOR_NODE_PING_DELAY_MS", "0"),
        help="FOR TESTS ONLY: delay every answer on /ping (the lobby's latency probe) by this "
        "many milliseconds, so the node looks far away (env PARLOR_NODE_PING_DELAY_MS, default 0)",
    )
    parser.add_argument(
        "--workers",
        default=env("PARLOR_NODE_WORKERS", str(available_cores())),
        help="media worker processes, one per core: the entry process keeps the public "
        "listener, places each room wholly on the least-loaded worker and relays its "
        "signaling WebSocket there, while media flows straight to the worker over UDP. A "
        "worker that dies is restarted (its clients reconnect); SIGTERM to one worker's pid "
        "drains just that worker. 1 runs the node as a single process (env "
        "PARLOR_NODE_WORKERS, default: the cores this process may use, here %(default)s)",
    )
    parser.add_argument(
        "--udp-ports",
        default=env("PARLOR_NODE_UDP_PORTS", ""),
        help="LOW-HIGH: the UDP ports media may use, split into equal contiguous slices, "
        "one per worker (worker i gets LOW + i*SIZE/WORKERS onwards), e.g. 40000-40999 "
        "with 2 workers gives 40000-40499 and 40500-40999. Each participant needs one port "
        "per local address, so allow at least capacity x addresses ports (env "
        "PARLOR_NODE_UDP_PORTS, default: any port the kernel picks)",
    )
    parser.add_argument(
        "--log-level",
        default=env("PARLOR_NODE_LOG_LEVEL", "INFO"),
        help="logging level (env PARLOR_NODE_LOG_LEVEL, default INFO)",
    )
    return parser


def _read_key(args, environ) -> str:
    key = environ.get("PARLOR_NODE_KEY", "").strip()
    if not key and args.key_file:
        try:
            with open(args.key_file, encoding="utf-8") as handle:
                key = handle.read().strip()
        except OSError as exc:
            raise ConfigError(f"cannot read key file: {exc}") from None
    if len(key) < 32:
        raise ConfigError("set PARLOR_NODE_KEY or --key-file to the node key (at least 32 characters)")
    return key


def _read_metrics_token(args, environ) -> str | None:
    token = environ.get("PARLOR_NODE_METRICS_TOKEN", "").strip()
    if not token and args.metrics_token_file:
        try:
            with open(args.metrics_token_file, encoding="utf-8") as handle:
                token = handle.read().strip()
        except OSError as exc:
            raise ConfigError(f"cannot read metrics token file: {exc}") from None
    if token and (len(token) < 16 or not token.isascii() or not token.isprintable()):
        raise ConfigError("the metrics token must be at least 16 printable ASCII characters")
    return token or None


def _read_ice(args, environ) -> IceSettings:
    secret = environ.get("PARLOR_NODE_TURN_SECRET", "").strip()
    if not secret and args.turn_secret_file:
        try:
            with open(args.turn_secret_file, encoding="utf-8") as handle:
                secret = handle.read().strip()
        except OSError as exc:
            raise ConfigError(f"cannot read TURN secret file: {exc}") from None
    credential = environ.get("PARLOR_NODE_ICE_CREDENTIAL", "").strip() or None
    urls = tuple(url.strip() for url in args.ice_server if url.strip())
    if any(not url.startswith(("stun:", "turn:", "turns:")) for url in urls):
        raise ConfigError("--ice-server URLs must start with stun:, turn: or turns:")
    if any(is_turn(url) for url in urls) and not secret and not (args.ice_username and credential):
        raise ConfigError(
            "TURN --ice-server URLs need PARLOR_NODE_TURN_SECRET (or --turn-secret-file), "
            "or --ice-username with PARLOR_NODE_ICE_CREDENTIAL"
        )
    return IceSettings(urls=urls, username=args.ice_username, credential=credential, turn_secret=secret or None)


def load_config(argv=None, environ=None) -> tuple[NodeConfig, str]:
    """Parse ``argv`` and ``environ`` into a config and the log level."""
    environ = os.environ if environ is None else environ
    args = build_parser(environ).parse_args(argv)
    if not args.app_url:
        raise ConfigError("--app-url (or PARLOR_APP_URL) is required")
    if not args.node_id:
        raise ConfigError("--node-id (or PARLOR_NODE_ID) is required")
    if not is_node_id(args.node_id):
        raise ConfigError("--node-id must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    host, port = _parse_listen(args.listen)
    try:
        capacity = int(args.capacity)
        drain_grace = float(args.drain_grace)
        ping_delay_ms = float(args.ping_delay_ms)
    except ValueError:
        raise ConfigError("--capacity must be an integer, --drain-grace and --ping-delay-ms numbers") from None
    if not 0 <= ping_delay_ms <= 10_000:
        raise ConfigError("--ping-delay-ms must be between 0 and 10000")
    if capacity < 1:
        raise ConfigError("--capacity must be at least 1")
    workers, udp_ports = _read_workers(args)
    metrics_listen = _parse_metrics_listen(args.metrics_listen)
    metrics_token = _read_metrics_token(args, environ)
    if metrics_listen and not _is_loopback(metrics_listen[0]) and not metrics_token:
        raise ConfigError("--metrics-listen on a non-loopback address needs a metrics token")
    public_url = args.public_url or f"http://{args.listen}"
    config = NodeConfig(
        app_url=args.app_url.rstrip("/"),
        region=args.region,
        public_url=public_url.rstrip("/"),
        listen_host=host,
        listen_port=port,
        capacity=capacity,
        node_id=args.node_id,
        node_key=_read_key(args, environ),
        drain_grace=drain_grace,
        ice=_read_ice(args, environ),
        forwarding=args.forwarding,
        metrics_listen=metrics_listen,
        metrics_token=metrics_token,
        ping_delay=ping_delay_ms / 1000,
        workers=workers,
        udp_ports=udp_ports,
    )
    return config, args.log_level.upper()


def _read_workers(args) -> tuple[int, tuple[int, int] | None]:
    if not (args.workers.isascii() and args.workers.isdigit()) or not 1 <= int(args.workers) <= 256:
        raise ConfigError("--workers must be a whole number from 1 to 256")
    workers = int(args.workers)
    if not args.udp_ports:
        return workers, None
    try:
        udp_ports = parse_port_range(args.udp_ports)
        split_port_range(udp_ports, workers)
    except PortRangeError as exc:
        raise ConfigError(f"--udp-ports: {exc}") from None
    return workers, udp_ports
