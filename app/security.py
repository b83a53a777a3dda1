"""Security headers, including a strict Content-Security-Policy a view can widen a little."""

from flask import current_app, g

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
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault(
        "Permissions-Policy",
        "camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(self)",
    )
    if response.mimetype == "text/html":
        headers["Content-Security-Policy"] = content_security_policy()
    if current_app.config["HSTS"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_app(app):
    app.after_request(set_security_headers)
