"""The web server's access log: for people, with secrets blanked out and machine chatter left out.

A room's host link carries its key in the query string (``/<room>?host=<key>``). The app's own
technical log records paths only, but the server's access log records whole request lines: they
go through ``redact`` first, under eventlet (``wsgi.py``) and under Werkzeug alike.

Nodes heartbeat every few seconds and monitors poll ``/healthz`` and ``/metrics``: one line per
such request would bury every request a person made, so those lines are not written at all
(``flask nodes list`` and ``/admin/nodes`` show the nodes' state instead).
"""

import logging
import re
import sys

SECRET_PARAMETERS = re.compile(r"([?&]host=)[^&\s\"]+")
# Request lines of machine-to-machine traffic: the node control plane, health checks, metrics.
MACHINE_REQUEST = re.compile(r"\"[A-Z]+ /(?:api/nodes/\S*|healthz|metrics)[?\s]")


def redact(line):
    return SECRET_PARAMETERS.sub(r"\1[hidden]", line)


def is_machine_chatter(line):
    return bool(MACHINE_REQUEST.search(line))


class RedactedStream:
    """What eventlet's server writes its access log to."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        if not is_machine_chatter(text):
            self.stream.write(redact(text))

    def flush(self):
        self.stream.flush()


class RedactingFilter(logging.Filter):
    """For Werkzeug's request log, whose request line comes as a formatting argument."""

    def filter(self, record):
        record.msg = redact(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
            if any(isinstance(arg, str) and is_machine_chatter(f'"{arg}') for arg in record.args):
                return False
        return not is_machine_chatter(record.msg)


def server_log_options(async_mode):
    """Keyword arguments for ``socketio.run`` that keep secrets and chatter out of the access log."""
    logging.getLogger("werkzeug").addFilter(RedactingFilter())
    return {"log": RedactedStream(sys.stderr)} if async_mode == "eventlet" else {}
