"""One clock for the whole app, so tests can move time without sleeping."""

from datetime import UTC, datetime

_override = None


def utcnow():
    """Naive UTC now (databases store naive timestamps)."""
    if _override is not None:
        return _override
    return datetime.now(UTC).replace(tzinfo=None)


def set_clock(moment):
    """Freeze the clock at ``moment`` (tests only); ``None`` lets it run again."""
    global _override
    _override = moment
