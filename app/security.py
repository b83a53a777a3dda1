"""Security headers, including a strict Content-Security-Policy a view can widen a little.

No page may be framed, except a response whose view named the sites that may frame it
(``allow_framing``): a room whose owner lists allowed origins. Only such a response gets
``frame-ancestors`` with those origins, no ``X-Frame-Options``, camera and microphone for them,
and a session cookie a browser keeps in a third-party frame.
"""

from flask import current_app, g
from flask.sessions import SecureCookieSessionInterface

BASE_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "media-src": ["'self'", "blob:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-src": ["'none'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def allow_source(directive, *sources):
    """Let this response's page reach one more origin (an SFU node, Stripe.js)."""
    extra = g.setdefault("csp_extra", {})
    extra.setdefault(directive, []).extend(sources)


def allow_framing(origins):
    """Let these origins (already validated ``scheme://host[:port]``) frame this response."""
    g.frame_ancestors = list(origins)
    allow_source("frame-ancestors", *origins)


def framing_origins():
    return g.get("frame_ancestors") or []


def content_security_policy():
    policy = {name: list(sources) for name, sources in BASE_POLICY.items()}
    for directive, sources in g.get("csp_extra", {}).items():
        values = policy.setdefault(directive, [])
        if values == ["'none'"]:
            values.clear()
        values.extend(s for s in sources if s not in values)
    return "; ".join(f"{name} {' '.join(values)}" for name, values in policy.items())


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    framers = framing_origins()
    if not framers:
        headers.setdefault("X-Frame-Options", "DENY")  # older browsers ignore frame-ancestors
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    media = " ".join(["self", *(f'"{origin}"' for origin in framers)])
    headers.setdefault(
        "Permissions-Policy",
        f"camera=({media}), microphone=({media}), display-capture=({media}), geolocation=(), payment=(self)",
    )
    if response.mimetype == "text/html":
        headers["Content-Security-Policy"] = content_security_policy()
    if current_app.config["HSTS"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


class FramableSessionInterface(SecureCookieSessionInterface):
    """The session cookie of a framable response must survive a third-party frame.

    Browsers drop ``SameSite=Lax`` cookies inside another site's frame; ``SameSite=None``
    requires ``Secure``, and ``Partitioned`` (CHIPS) keeps the cookie in a jar of the embedding
    site, so it cannot follow the person to other sites. Every other response keeps the
    configured (Lax) cookie.
    """

    def get_cookie_samesite(self, app):
        return "None" if framing_origins() else super().get_cookie_samesite(app)

    def get_cookie_secure(self, app):
        return True if framing_origins() else super().get_cookie_secure(app)

    def get_cookie_partitioned(self, app):
        return True if framing_origins() else super().get_cookie_partitioned(app)


def init_app(app):
    app.session_interface = FramableSessionInterface()
    app.after_request(set_security_headers)
