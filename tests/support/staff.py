"""What a staff member does in the console, through a Flask test client."""

from .accounts import console_code, csrf_token


class StaffConsole:
    def __init__(self, app, client, auth):
        self.app = app
        self.client = client
        self.auth = auth

    def token(self):
        return csrf_token(self.client, "/admin/device")

    def ask_device_code(self):
        return self.client.post("/admin/device/send", data={"csrf_token": self.token()})

    def enter_device_code(self, code):
        return self.client.post("/admin/device", data={"csrf_token": self.token(), "code": code})

    def confirm_device(self, email):
        self.ask_device_code()
        return self.enter_device_code(console_code(self.app, email))

    def sign_in(self, email):
        self.auth.login(email)
        return self.confirm_device(email)

    def post(self, path, **data):
        data.setdefault("csrf_token", self.token())
        return self.client.post(path, data=data)
