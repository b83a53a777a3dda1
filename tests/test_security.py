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


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "NODE_MASTER_SECRET", "PUBLIC_URL"])
def test_production_refuses_to_start_without_secrets(monkeypatch, missing):
    """Does production refuse to start when a required secret is missing?"""
    values = {
        "SECRET_KEY": "x" * 40,
        "DATABASE_URL": "postgresql://db/parlor",
        "NODE_MASTER_SECRET": "y" * 40,
        "PUBLIC_URL": "https://parlor.example",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(missing)
    with pytest.raises(RuntimeError, match="Set these environment variables"):
        ProductionConfig().check()


def test_production_uses_secure_cookies_and_hsts(monkeypatch, tmp_path):
    """Are cookies secure and HSTS sent in production?"""
    from app import create_app

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/prod.db")
    monkeypatch.setenv("NODE_MASTER_SECRET", "y" * 40)
    monkeypatch.setenv("PUBLIC_URL", "https://parlor.example")
    monkeypatch.setenv("SOCKETIO_ASYNC_MODE", "threading")
    app = create_app(ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"]
    response = app.test_client().get("/information/tos/")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


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
