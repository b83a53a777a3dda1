"""Usage information exactly as the privacy policy lists it: analytics events (with consent),
technical log lines, device information and approximate location."""

from .services import analytics_allowed, track, track_meeting  # noqa: F401
