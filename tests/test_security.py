import pytest

from config import ProductionConfig


@pytest.mark.parametrize("path", ["/", "/information/pricing/", "/user/login", "/information/nope/"])
def test_security_headers_on_html(client, path):
    """Do HTML responses carry a strict CSP, nosniff, a referrer policy and frame protection?"""
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_no_inline_scripts_or_cdn(client):
    """Do pages load scripts only from our own static files?"""
    html = client.get("/").get_data(as_text=True)
    assert "<script>" not in html
    assert "http://" not in html.split("<footer")[0].replace("http://localhost", "")
    assert 'src="https://' not in html


def test_hsts_only_in_production(client):
    """Is HSTS absent in development and testing?"""
    assert "Strict-Transport-Security" not in client.get("/").headers


PRODUCTION = {
    "SECRET_KEY": "x" * 40,
    "DATABASE_URL": "postgresql://db/parlor",
    "NODE_MASTER_SECRET": "y" * 40,
    "PUBLIC_URL": "https://parlor.example",
    "METRICS_TOKEN": "m" * 32,
    "MAIL_URL": "smtp+starttls://parlor:secret@smtp.example:587",
    "SMS_URL": "twilio://AC123:token@api.twilio.com?from=%2B4791234567",
}


@pytest.fixture
def production_env(monkeypatch):
    """A complete production environment; tests take one thing away."""
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_production_starts_with_a_complete_environment(production_env):
    """Does the complete production environment these tests start from pass the checks?"""
    ProductionConfig().check()


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "NODE_MASTER_SECRET", "PUBLIC_URL", "METRICS_TOKEN"])
def test_production_refuses_to_start_without_secrets(production_env, missing):
    """Does production refuse to start when a required secret is missing?"""
    production_env.delenv(missing)
    with pytest.raises(RuntimeError, match="Set these environment variables"):
        ProductionConfig().check()


def test_production_refuses_a_short_metrics_token(production_env):
    """Does production refuse a metrics token short enough to guess?"""
    production_env.setenv("METRICS_TOKEN", "short")
    with pytest.raises(RuntimeError, match="METRICS_TOKEN must be at least 16"):
        ProductionConfig().check()


@pytest.mark.parametrize("name", ["MAIL_URL", "SMS_URL"])
@pytest.mark.parametrize("value", ["console", " Console ", None])
def test_production_refuses_console_transports(production_env, name, value):
    """Does production refuse to print emails or texts (and the codes in them) into its logs, default included?"""
    if value is None:
        production_env.delenv(name)  # the default is the console
    else:
        production_env.setenv(name, value)
    with pytest.raises(RuntimeError, match=f"{name}=console would write sign-in codes into the logs"):
        ProductionConfig().check()


def test_production_uses_secure_cookies_and_hsts(production_env, tmp_path):
    """Are cookies secure and HSTS sent in production?"""
    from app import create_app

    production_env.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/prod.db")
    production_env.setenv("SOCKETIO_ASYNC_MODE", "threading")
    app = create_app(ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"]
    response = app.test_client().get("/information/tos/")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_production_metrics_need_the_token(production_env, tmp_path):
    """In production, does /metrics answer only a request bearing METRICS_TOKEN?"""
    from app import create_app
    from app.extensions import db

    production_env.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/prod.db")
    production_env.setenv("SOCKETIO_ASYNC_MODE", "threading")
    app = create_app(ProductionConfig)
    with app.app_context():
        db.create_all()
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    response = client.get("/metrics", headers={"Authorization": f"Bearer {PRODUCTION['METRICS_TOKEN']}"})
    assert response.status_code == 200 and b"parlor_users" in response.data


def test_development_generates_and_keeps_secrets(monkeypatch, tmp_path):
    """Does development generate its secrets once and keep them across restarts?"""
    import config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    first = config.DevelopmentConfig().SECRET_KEY
    second = config.DevelopmentConfig().SECRET_KEY
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key.secret").stat().st_mode & 0o077 == 0


def test_api_errors_are_json(client):
    """Do API paths answer errors as JSON rather than HTML?"""
    response = client.post("/api/turn-credentials")
    assert response.status_code == 401
    assert "error" in response.get_json()


def test_oversized_upload_is_413_not_500(client):
    """Is a request body above the limit refused with 413?"""
    response = client.post("/support/", data={"message": "x" * (7 * 1024 * 1024)})
    assert response.status_code == 413
