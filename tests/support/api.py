"""A ``/v1`` client: a Flask test client that sends an API key on every request."""

from datetime import timedelta

from app.timeutil import utcnow


def end_in(delta=timedelta(hours=2)):
    """An endDate ``delta`` from the app's clock, as the API's clients send it."""
    return (utcnow() + delta).isoformat(timespec="seconds") + "Z"


class ApiClient:
    def __init__(self, client, key):
        self.client = client
        self.key = key

    def headers(self, extra=None):
        return {"Authorization": f"Bearer {self.key}", **(extra or {})}

    def post(self, path, json=None, headers=None, **kwargs):
        return self.client.post(f"/v1{path}", json=json, headers=self.headers(headers), **kwargs)

    def get(self, path, headers=None, **kwargs):
        return self.client.get(f"/v1{path}", headers=self.headers(headers), **kwargs)

    def delete(self, path, headers=None):
        return self.client.delete(f"/v1{path}", headers=self.headers(headers))

    def create_meeting(self, **fields):
        fields.setdefault("endDate", end_in())
        response = self.post("/meetings", json=fields)
        assert response.status_code == 201, response.get_json()
        return response.get_json()
