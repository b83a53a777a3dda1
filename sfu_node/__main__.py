"""``python -m sfu_node``: run one SFU node until SIGINT, or until drained after SIGTERM."""

import asyncio
import logging
import sys

from . import ports
from .config import ConfigError, load_config
from .entry import EntryNode
from .server import Node


def main(argv=None) -> int:
    try:
        config, log_level = load_config(argv)
    except ConfigError as exc:
        print(f"sfu_node: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # aiortc logs every dropped packet and ICE hiccup at INFO; that is noise here.
    for noisy in ("aiortc", "aioice"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(log_level)))
    if config.workers > 1:
        asyncio.run(EntryNode(config, log_level).run())
    else:
        ports.run(Node(config).run(), config.udp_ports)
    return 0


if __name__ == "__main__":
    sys.exit(main())
