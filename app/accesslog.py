"""The web server's access log, with the secrets some addresses carry blanked out.

A room's host link carries its key in the query string (``/<room>?host=<key>``). The app's own
technical log records paths only, but the server's access log records whole request lines: they
go through ``redact`` first, under eventlet (``wsgi.py``) and under Werkzeug alike.
"""

import logging
import re
import sys

SECRET_PARAMETERS = re.compile(r"([?&]host=)[^&\s\"]+")


def redact(line):
    return SECRET_PARAMETERS.sub(r"\1[hidden]", line)


class RedactedStream:
    """What eventlet's server writes its access log to."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        self.stream.write(redact(text))

    def flush(self):
        self.stream.flush()


class RedactingFilter(logging.Filter):
    """For Werkzeug's request log, whose request line comes as a formatting argument."""

    def filter(self, record):
        record.msg = redact(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


def server_log_options(async_mode):
    """Keyword arguments for ``socketio.run`` that keep secrets out of the access log."""
    logging.getLogger("werkzeug").addFilter(RedactingFilter())
    return {"log": RedactedStream(sys.stderr)} if async_mode == "eventlet" else {}
