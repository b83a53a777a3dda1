"""Configuration classes, all read from environment variables.

Development generates its secrets once and keeps them under ``instance/`` so sessions
survive restarts; production refuses to start without them.
"""

import json
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("PARLOR_INSTANCE_DIR", BASE_DIR / "instance"))


def env(name, default=None):
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_int(name, default):
    return int(env(name, default))


def env_bool(name, default=False):
    value = env(name)
    if value is None:
        return default
    return value.lower() in ("1", "true", "yes", "on")


def kept_secret(name):
    """A development secret: from the environment, else generated once and kept on disk."""
    if env(name):
        return env(name)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / f"{name.lower()}.secret"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def database_url(default):
    url = env("DATABASE_URL", default)
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants a driver name.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def socketio_async_mode():
    """The one setting that picks eventlet or threading for Flask-SocketIO."""
    return env("SOCKETIO_ASYNC_MODE", "threading")


DEFAULT_SOCIAL_LINKS = (
    "Mastodon=https://mastodon.social/@parlor,"
    "LinkedIn=https://www.linkedin.com/company/parlor-meetings,"
    "GitHub=https://github.com/parlor-meetings"
)


def parse_links(text):
    """``Label=URL,Label=URL`` into ``[(label, url), ...]``."""
    links = []
    for item in text.split(","):
        label, _, url = item.partition("=")
        if label.strip() and url.strip():
            links.append((label.strip(), url.strip()))
    return links


# Regions SFU nodes can serve, with coordinates used to find the nearest one.
DEFAULT_REGIONS = {
    "eu-north": {"lat": 59.33, "lon": 18.07, "label": "Stockholm"},
    "eu-west": {"lat": 53.35, "lon": -6.26, "label": "Dublin"},
    "us-east": {"lat": 39.04, "lon": -77.49, "label": "Virginia"},
    "us-west": {"lat": 37.34, "lon": -121.89, "label": "San José"},
    "ap-southeast": {"lat": 1.35, "lon": 103.82, "label": "Singapore"},
}


# Where each in-meeting app is embedded from (its own embed origin). Tests point these at a local
# stand-in that speaks the same postMessage protocol: INTEGRATION_ORIGINS_JSON='{"youtube": ...}'.
DEFAULT_INTEGRATION_ORIGINS = {
    "youtube": "https://www.youtube-nocookie.com",
    "google": "https://docs.google.com",
    "drive": "https://drive.google.com",
    "trello": "https://trello.com",
    "miro": "https://miro.com",
}


class Config:
    """Settings shared by every environment; instantiated so the environment is read late."""

    TESTING = False
    DEBUG = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "parlor_session"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_NAME = "parlor_remember"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead of a clock
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024  # profile pictures are 5 MB at most
    RATELIMIT_HEADERS_ENABLED = True
    HSTS = False
    REQUIRED = ()

    def __init__(self):
        self.SECRET_KEY = env("SECRET_KEY")
        self.SQLALCHEMY_DATABASE_URI = database_url(env("DATABASE_URL", ""))
        self.PUBLIC_URL = env("PUBLIC_URL", "")  # used in emails; else the request's host
        self.PORT = env_int("PORT", 5000)
        self.MAIL_URL = env("MAIL_URL", "console")
        self.MAIL_FROM = env("MAIL_FROM", "Parlor <hello@parlor.localhost>")
        self.SALES_EMAIL = env("SALES_EMAIL", "sales@parlor.localhost")
        self.SUPPORT_EMAIL = env("SUPPORT_EMAIL", "support@parlor.localhost")
        self.SMS_URL = env("SMS_URL", "console")
        self.REDIS_URL = env("REDIS_URL")

        self.SOCKETIO_ASYNC_MODE = socketio_async_mode()
        self.RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", self.REDIS_URL or "memory://")
        self.RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
        # /v1: the HMAC key API keys are stored under (SECRET_KEY when unset), and each key's budget.
        self.API_KEY_SECRET = env("API_KEY_SECRET")
        self.API_RATE_LIMIT = env("API_RATE_LIMIT", "120 per minute")

        # Google (or any OpenID Connect) sign-in; hidden while no client id is set.
        self.OIDC_DISCOVERY_URL = env(
            "OIDC_DISCOVERY_URL", "https://accounts.google.com/.well-known/openid-configuration"
        )
        self.OIDC_CLIENT_ID = env("OIDC_CLIENT_ID")
        self.OIDC_CLIENT_SECRET = env("OIDC_CLIENT_SECRET")

        # TURN (coturn use-auth-secret); no TURN_URLS means direct connections only.
        self.TURN_SECRET = env("TURN_SECRET")
        self.TURN_URLS = [u.strip() for u in env("TURN_URLS", "").split(",") if u.strip()]
        self.TURN_CREDENTIAL_TTL = env_int("TURN_CREDENTIAL_TTL", 3600)

        # SFU nodes
        self.NODE_MASTER_SECRET = env("NODE_MASTER_SECRET")
        self.NODE_HEARTBEAT_INTERVAL = env_int("NODE_HEARTBEAT_INTERVAL", 2)
        self.NODE_CSP_SOURCES = [s for s in env("NODE_CSP_SOURCES", "").split() if s]
        self.REGIONS = json.loads(env("REGIONS_JSON", "null")) or DEFAULT_REGIONS
        self.DEFAULT_REGION = env("DEFAULT_REGION", "eu-north")
        # Seconds an auto meeting must stay small before it leaves its node (app/plans.py by default).
        self.AUTO_BACK_AFTER_SECONDS = env("AUTO_BACK_AFTER_SECONDS")

        # In-meeting apps (YouTube, Google files, Trello, Miro): the origins their embeds come from.
        self.INTEGRATION_ORIGINS = dict(
            DEFAULT_INTEGRATION_ORIGINS, **(json.loads(env("INTEGRATION_ORIGINS_JSON", "null")) or {})
        )

        # Stripe; with no secret key, `make run` points these at localstripe.
        self.STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
        self.STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY")
        self.STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
        self.STRIPE_API_BASE = env("STRIPE_API_BASE")
        self.STRIPE_JS_URL = env("STRIPE_JS_URL", "https://js.stripe.com/v3/")
        self.PAYMENT_GRACE_DAYS = env_int("PAYMENT_GRACE_DAYS", 7)

        # Privacy and retention (days)
        self.USAGE_RETENTION_DAYS = env_int("USAGE_RETENTION_DAYS", 395)
        self.TECHNICAL_LOG_RETENTION_DAYS = env_int("TECHNICAL_LOG_RETENTION_DAYS", 30)
        self.UNVERIFIED_SIGNUP_RETENTION_DAYS = env_int("UNVERIFIED_SIGNUP_RETENTION_DAYS", 7)
        self.CLOSED_TICKET_RETENTION_DAYS = env_int("CLOSED_TICKET_RETENTION_DAYS", 730)
        self.POLICY_NOTICE_DAYS = env_int("POLICY_NOTICE_DAYS", 30)
        self.TECHNICAL_LOG_DIR = env("TECHNICAL_LOG_DIR")
        self.METRICS_TOKEN = env("METRICS_TOKEN")
        self.CORRESPONDENCE_RETENTION_DAYS = env_int("CORRESPONDENCE_RETENTION_DAYS", 730)
        self.STAFF_AUDIT_RETENTION_DAYS = env_int("STAFF_AUDIT_RETENTION_DAYS", 730)
        self.STAFF_DEVICE_DAYS = env_int("STAFF_DEVICE_DAYS", 30)
        self.SIGNIN_RETENTION_DAYS = env_int("SIGNIN_RETENTION_DAYS", 180)

        # Who runs this installation: shown in the legal documents and the footer.
        self.OPERATOR_NAME = env("OPERATOR_NAME", "Parlor")
        self.OPERATOR_ADDRESS = env("OPERATOR_ADDRESS", "")
        self.DATA_PROTECTION_OFFICER = env("DATA_PROTECTION_OFFICER", "our data protection officer")
        self.PRIVACY_EMAIL = env("PRIVACY_EMAIL", "privacy@parlor.localhost")
        self.SUPERVISORY_AUTHORITY = env(
            "SUPERVISORY_AUTHORITY", "Datatilsynet, the Norwegian Data Protection Authority"
        )
        self.SUPERVISORY_AUTHORITY_URL = env("SUPERVISORY_AUTHORITY_URL", "https://www.datatilsynet.no/")
        self.LEGAL_DOCUMENTS_DIR = env("LEGAL_DOCUMENTS_DIR")
        self.SOCIAL_LINKS = parse_links(env("SOCIAL_LINKS", DEFAULT_SOCIAL_LINKS))

    def check(self):
        """Refuse to run with a configuration that cannot work."""
        missing = [name for name in self.REQUIRED if not getattr(self, name, None)]
        if missing:
            raise RuntimeError(f"Set these environment variables first: {', '.join(missing)}")


class DevelopmentConfig(Config):
    def __init__(self):
        super().__init__()
        self.SECRET_KEY = kept_secret("SECRET_KEY")
        self.NODE_MASTER_SECRET = kept_secret("NODE_MASTER_SECRET")
        self.TURN_SECRET = kept_secret("TURN_SECRET")
        self.SQLALCHEMY_DATABASE_URI = database_url(f"sqlite:///{INSTANCE_DIR / 'parlor.db'}")


class TestingConfig(Config):
    TESTING = True

    def __init__(self):
        super().__init__()
        # Fixed values so tests can sign tokens; never used outside the test suite.
        self.SECRET_KEY = "testing-secret-key"  # noqa: S105
        self.SQLALCHEMY_DATABASE_URI = database_url("sqlite://")
        self.NODE_MASTER_SECRET = "testing-node-master-secret"  # noqa: S105
        self.TURN_SECRET = "testing-turn-secret"  # noqa: S105
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.MAIL_URL = "console"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS = True
    REQUIRED = ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "NODE_MASTER_SECRET", "PUBLIC_URL", "METRICS_TOKEN")

    def __init__(self):
        super().__init__()
        self.SOCKETIO_ASYNC_MODE = env("SOCKETIO_ASYNC_MODE", "eventlet")

    def check(self):
        super().check()
        if len(self.SECRET_KEY) < 32:
            raise RuntimeError("SECRET_KEY must be at least 32 characters long")
        if len(self.METRICS_TOKEN) < 16:
            raise RuntimeError("METRICS_TOKEN must be at least 16 characters long")
        for name in ("MAIL_URL", "SMS_URL"):
            # The console transports print every message, sign-in codes included, into the logs.
            if getattr(self, name).strip().lower() == "console":
                raise RuntimeError(f"{name}=console would write sign-in codes into the logs; set a real transport")
        if self.STRIPE_SECRET_KEY and not (self.STRIPE_PUBLISHABLE_KEY and self.STRIPE_WEBHOOK_SECRET):
            # Without the webhook secret every renewal and failed payment would be refused.
            raise RuntimeError("With STRIPE_SECRET_KEY, also set STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env():
    """The configuration class named by PARLOR_ENV (development unless told otherwise)."""
    return CONFIGS[env("PARLOR_ENV", "development")]
