import os

if os.environ.get("SOCKETIO_ASYNC_MODE") == "eventlet":
    # The eventlet pass must patch before anything else imports socket or threading.
    import eventlet

    eventlet.monkey_patch()

import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.timeutil import set_clock
from config import TestingConfig

from .support import services


# ---------------------------------------------------------------- databases
@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """SQLite per test by default; PostgreSQL when PARLOR_TEST_DATABASE=postgresql."""
    if os.environ.get("PARLOR_TEST_DATABASE") != "postgresql":
        yield None
        return
    if os.environ.get("TEST_DATABASE_URL"):
        yield os.environ["TEST_DATABASE_URL"]
        return
    server = services.TemporaryPostgres()
    url = server.start()
    yield url
    server.stop()


def make_config(tmp_path, database_url, **overrides):
    class Config(TestingConfig):
        def __init__(self):
            super().__init__()
            from config import database_url as normalise

            self.SQLALCHEMY_DATABASE_URI = normalise(database_url) if database_url else f"sqlite:///{tmp_path}/test.db"
            self.RATELIMIT_ENABLED = False
            self.TECHNICAL_LOG_DIR = str(tmp_path / "logs")
            self.WTF_CSRF_ENABLED = True
            for key, value in overrides.items():
                setattr(self, key, value)

    return Config


@pytest.fixture
def config_overrides():
    """Tests override settings by redefining this fixture or using ``@pytest.mark.config(...)``."""
    return {}


@pytest.fixture
def app(request, tmp_path, database_url, config_overrides):
    overrides = dict(config_overrides)
    marker = request.node.get_closest_marker("config")
    if marker:
        overrides.update(marker.kwargs)
    if "mailbox" in request.fixturenames:
        overrides.setdefault("MAIL_URL", request.getfixturevalue("mailbox").url)
    app = create_app(make_config(tmp_path, database_url, **overrides))
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    app.extensions["parlor_presence"].clear()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def _smtp_server():
    server = services.Mailbox().start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(_smtp_server):
    """A real SMTP server the app sends to during this test."""
    _smtp_server.clear()
    return _smtp_server


@pytest.fixture
def clock():
    """Move the app's clock without sleeping."""

    class Clock:
        def __init__(self):
            self.now = datetime(2026, 11, 30, 12, 0, 0)
            set_clock(self.now)

        def advance(self, delta):
            self.now = self.now + delta
            set_clock(self.now)

        def set(self, moment):
            self.now = moment
            set_clock(moment)

    yield Clock()
    set_clock(None)


# ---------------------------------------------------------------- forms and accounts
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(client, path="/user/login"):
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def console_code(app, address):
    """The newest code sent to ``address`` by the console email or SMS transport."""
    if "@" in address:
        for message in reversed(app.extensions["parlor_mail"].outbox):
            if address in message["To"]:
                return re.search(r"\b(\d{6})\b", message["Subject"]).group(1)
    else:
        for to, body in reversed(app.extensions["parlor_sms"].outbox):
            if to == address:
                return re.search(r"\b(\d{6})\b", body).group(1)
    raise AssertionError(f"no code was sent to {address}")


class AuthActions:
    def __init__(self, app, client):
        self.app = app
        self.client = client

    def request_code(self, identifier, path="/user/login", **fields):
        data = {"csrf_token": csrf_token(self.client, path), "identifier": identifier}
        data.update(fields)
        return self.client.post(path, data=data)

    def enter_code(self, code):
        return self.client.post(
            "/user/verify", data={"csrf_token": csrf_token(self.client, "/user/verify"), "code": code}
        )

    def login(self, identifier="alice@example.com", **fields):
        self.request_code(identifier, **fields)
        return self.enter_code(console_code(self.app, identifier))

    def signup(self, identifier="alice@example.com", **fields):
        fields.setdefault("accept_terms", "y")
        self.request_code(identifier, path="/user/signup", **fields)
        return self.enter_code(console_code(self.app, identifier))

    def logout(self):
        return self.client.post("/user/logout", data={"csrf_token": csrf_token(self.client, "/user/logout")})


@pytest.fixture
def auth(app, client):
    return AuthActions(app, client)


@pytest.fixture
def make_user(app):
    from app.auth.models import User

    def make(email="alice@example.com", plan="free", **fields):
        with app.app_context():
            user = User(email=email, plan=plan, verified_at=datetime(2026, 1, 1), **fields)
            db.session.add(user)
            db.session.commit()
            return user.id

    return make


@pytest.fixture
def count(app):
    def count_rows(model):
        with app.app_context():
            return db.session.scalar(sa.select(sa.func.count()).select_from(model))

    return count_rows


# ---------------------------------------------------------------- billing
@pytest.fixture(scope="session")
def localstripe(tmp_path_factory):
    """One real localstripe server for the whole run (``python -m localstripe --from-scratch``)."""
    from .support.billing import LocalStripe

    server = LocalStripe(tmp_path_factory.mktemp("localstripe")).start()
    yield server
    server.stop()


OPERATION_RE = re.compile(r'name="operation"[^>]*value="([0-9a-f]{32})"')


class BillingActions:
    """What a signed-in person does on /user/billing, with the card step done as Stripe.js does it."""

    def __init__(self, app, client, localstripe):
        self.app = app
        self.client = client
        self.stripe = localstripe

    def form_fields(self, form_id):
        html = self.client.get("/user/billing").get_data(as_text=True)
        start = html.index(f'id="{form_id}"')
        block = html[start : html.index("</form>", start)]
        return csrf_token(self.client, "/user/billing"), OPERATION_RE.search(block).group(1)

    def start_setup(self, form_id="billing-form"):
        token, operation = self.form_fields(form_id)
        response = self.client.post(
            "/user/billing/setup", json={"operation": operation}, headers={"X-CSRFToken": token}
        )
        return response, token, operation

    def upgrade(self, plan="pro", card=None, **fields):
        from .support.billing import CARD_OK

        response, token, operation = self.start_setup()
        assert response.status_code == 200, response.get_data(as_text=True)
        self.confirmed = self.stripe.confirm_card(response.json["client_secret"], card or CARD_OK)
        data = {
            "csrf_token": token,
            "operation": operation,
            "plan": plan,
            "billing_name": "Alice Example",
            "billing_email": "alice@example.com",
            "billing_country": "NO",
            "billing_line1": "Storgata 1",
            "billing_postal_code": "0155",
            "billing_city": "Oslo",
        }
        data.update(fields)
        return self.client.post("/user/billing/subscribe", data=data)

    def act(self, path, form_id, **fields):
        token, operation = self.form_fields(form_id)
        return self.client.post(path, data={"csrf_token": token, "operation": operation, **fields})

    def change_card(self, card=None):
        from .support.billing import CARD_OK

        response, token, operation = self.start_setup("card-form")
        assert response.status_code == 200, response.get_data(as_text=True)
        self.stripe.confirm_card(response.json["client_secret"], card or CARD_OK)
        return self.client.post("/user/billing/card", data={"csrf_token": token, "operation": operation})

    def account(self, email="alice@example.com"):
        from app.auth.models import User
        from app.billing.models import BillingAccount

        with self.app.app_context():
            user = db.session.scalar(sa.select(User).where(User.email == email))
            account = db.session.scalar(sa.select(BillingAccount).where(BillingAccount.user_id == user.id))
            db.session.expunge_all()
            return user, account


@pytest.fixture
def billing(app, client, localstripe):
    return BillingActions(app, client, localstripe)


@pytest.fixture
def deliver(app):
    """Sign a Stripe event as Stripe would and POST it to /stripe/webhook from a fresh client."""
    import json

    from .support.billing import signature_header

    def send(event, secret=None, timestamp=None, header=None):
        payload = event if isinstance(event, str) else json.dumps(event)
        signature = (
            header
            if header is not None
            else signature_header(payload, timestamp=timestamp, **({"secret": secret} if secret else {}))
        )
        headers = {"Content-Type": "application/json"}
        if signature:
            headers["Stripe-Signature"] = signature
        return app.test_client().post("/stripe/webhook", data=payload, headers=headers)

    return send


@pytest.fixture
def table_counts(app):
    """Rows in every table, to show that a request wrote nothing."""

    def counts():
        with app.app_context():
            return {
                table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
                for table in db.metadata.sorted_tables
            }

    return counts


@pytest.fixture
def alice(request, auth):
    """A signed-up account, alice@example.com (over real SMTP when the test also uses ``mailbox``)."""
    if "mailbox" not in request.fixturenames:
        auth.signup("alice@example.com")
        return "alice@example.com"
    mailbox = request.getfixturevalue("mailbox")
    auth.request_code("alice@example.com", path="/user/signup", accept_terms="y")
    code = re.search(r"\b(\d{6})\b", mailbox.wait_for("alice@example.com")[0]["Subject"]).group(1)
    auth.enter_code(code)
    mailbox.wait_for("alice@example.com", count=2)  # the welcome message
    mailbox.clear()
    return "alice@example.com"
