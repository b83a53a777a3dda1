"""Technical log lines: one JSON object per request, in a file per day.

Fields are exactly those the privacy policy names: time, IP address, method, path, status,
user agent and language preference, plus the account id when someone is signed in (so the
person can export them, and erasure can remove them). ``flask purge`` deletes old files.
"""

import json
import os
import threading
from datetime import date, timedelta
from pathlib import Path

from flask import current_app, g, request
from flask_login import current_user

from ..timeutil import utcnow

_write_lock = threading.Lock()
SKIP_PREFIXES = ("/static/", "/healthz", "/metrics", "/socket.io")


def log_dir():
    configured = current_app.config.get("TECHNICAL_LOG_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "logs"


def file_for(day):
    return log_dir() / f"technical-{day:%Y-%m-%d}.jsonl"


def log_request(response):
    if (
        request.path.startswith(SKIP_PREFIXES)
        or g.get("no_technical_log")
        or not current_app.config.get("TECHNICAL_LOG", True)
    ):
        return response
    now = utcnow()
    line = {
        "time": now.isoformat(timespec="seconds") + "Z",
        "ip": request.remote_addr,
        "method": request.method,
        "path": request.path[:300],
        "status": response.status_code,
        "user_agent": (request.user_agent.string or "")[:300],
        "language": (request.headers.get("Accept-Language") or "")[:100],
        "user_id": current_user.id if current_user.is_authenticated else None,
    }
    path = file_for(now.date())
    with _write_lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, separators=(",", ":")) + "\n")
    return response


def log_files():
    directory = log_dir()
    return sorted(directory.glob("technical-*.jsonl")) if directory.exists() else []


def file_day(path):
    return date.fromisoformat(path.stem.removeprefix("technical-"))


def forget_this_request():
    """Leave the current request out of the log (the erasure itself must not record the person's IP)."""
    g.no_technical_log = True


def lines_for_user(user_id):
    for path in log_files():
        with open(path, encoding="utf-8") as handle:
            for raw in handle:
                entry = json.loads(raw)
                if entry.get("user_id") == user_id:
                    yield entry


def scrub(user_id, ips):
    """Remove every line made by ``user_id`` or from one of ``ips``. Returns lines removed."""
    removed = 0
    with _write_lock:
        for path in log_files():
            with open(path, encoding="utf-8") as handle:
                lines = handle.readlines()
            keep = []
            for raw in lines:
                entry = json.loads(raw)
                if entry.get("user_id") == user_id or entry.get("ip") in ips:
                    removed += 1
                else:
                    keep.append(raw)
            if len(keep) != len(lines):
                temporary = path.with_suffix(".tmp")
                temporary.write_text("".join(keep), encoding="utf-8")
                os.replace(temporary, path)
    return removed


def expired_files(retention_days, today=None):
    cutoff = (today or utcnow().date()) - timedelta(days=retention_days)
    return [path for path in log_files() if file_day(path) < cutoff]


def init_app(app):
    app.after_request(log_request)
