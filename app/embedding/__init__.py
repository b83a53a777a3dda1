"""Rooms inside other sites: allowed origins, per-response framing rules, the embed parameters."""
