"""Parlor: a self-hostable video meeting service."""

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import INSTANCE_DIR, config_from_env, env_int

from .account import privacy as account_privacy
from .admin import privacy as admin_privacy
from .api import privacy as api_privacy
from .auth import privacy as auth_privacy
from .billing import privacy as billing_privacy
from .extensions import csrf, db, limiter, login_manager, migrate, socketio
from .orgs import privacy as orgs_privacy
from .orgs import services as org_services
from .privacy import contacts as earlier_contacts
from .rooms import events as room_events  # registers Socket.IO handlers before any server exists
from .rooms import privacy as rooms_privacy
from .rooms.hosting import register_host_rule
from .site import privacy as site_privacy
from .support import privacy as support_privacy
from .usage import privacy as usage_privacy

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_class=None):
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(INSTANCE_DIR),
    )
    config = (config_class or config_from_env())()
    config.check()
    app.config.from_object(config)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    limiter.init_app(app)
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        message_queue=app.config["REDIS_URL"],
        cors_allowed_origins=app.config["PUBLIC_URL"] or None,
        max_http_buffer_size=64 * 1024,
    )
    # After Socket.IO wraps the app, so its requests see the client's address too (placement).
    if trusted := env_int("TRUSTED_PROXIES", 0):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=trusted)

    from . import models  # noqa: F401  (every table registered before Alembic looks)
    from .account.routes import bp as account_bp
    from .admin.routes import bp as admin_bp
    from .api.routes import bp as api_bp
    from .auth import google
    from .auth.routes import bp as auth_bp
    from .billing.routes import bp as billing_bp
    from .developers.routes import bp as developers_bp
    from .monitoring import bp as monitoring_bp
    from .nodes.routes import bp as nodes_bp
    from .orgs import brand_routes, settings_routes  # noqa: F401  (settings views join the orgs blueprint)
    from .orgs.routes import bp as orgs_bp
    from .privacy import hooks as privacy_hooks
    from .privacy.routes import bp as privacy_bp
    from .rooms.routes import bp as rooms_bp
    from .site.routes import bp as site_bp
    from .support.routes import bp as support_bp

    app.register_blueprint(site_bp)
    app.register_blueprint(support_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(billing_bp)
    app.register_blueprint(developers_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(nodes_bp)
    app.register_blueprint(monitoring_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(orgs_bp)
    app.register_blueprint(brand_routes.bp)
    brand_routes.init_app(app)
    app.register_blueprint(rooms_bp)  # last: its /<room-name> must not shadow other pages
    google.init_app(app)

    room_events.init_app(app)
    register_host_rule(app, org_services.is_member)

    from . import errors, mail, security, sms, templating
    from .usage import techlog

    security.init_app(app)
    templating.init_app(app)
    mail.init_app(app)
    sms.init_app(app)
    techlog.init_app(app)
    privacy_hooks.init_app(app)
    errors.init_app(app)
    register_personal_data(app)

    from .cli import register_cli

    register_cli(app)
    return app


def register_personal_data(app):
    """Each feature lists what it holds about people, and for how long, in its own privacy module."""
    # This order is the order of the privacy dashboard, the export's README and `flask purge`.
    for feature in (
        auth_privacy,
        rooms_privacy,
        usage_privacy,
        support_privacy,
        site_privacy,
        account_privacy,
        billing_privacy,
        api_privacy,
        orgs_privacy,
        earlier_contacts,
        admin_privacy,
    ):
        feature.register(app)
