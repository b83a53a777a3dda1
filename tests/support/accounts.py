"""What a person does on the sign-in pages, through a Flask test client."""

import re

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
