"""The OpenAPI document /v1 serves, and the product-api page that prints it."""

import re

from app.api.schemas import MeetingCreate


def test_spec_is_openapi_31_with_every_operation(client):
    """Is /v1/openapi.json an OpenAPI 3.1 document, served without a key, listing every /v1 operation?"""
    response = client.get("/v1/openapi.json")
    spec = response.get_json()
    assert response.status_code == 200 and spec["openapi"].startswith("3.1")
    operations = {(method.upper(), path) for path, methods in spec["paths"].items() for method in methods}
    assert operations == {
        ("POST", "/meetings"),
        ("GET", "/meetings"),
        ("GET", "/meetings/{meetingId}"),
        ("DELETE", "/meetings/{meetingId}"),
        ("GET", "/openapi.json"),
    }


def test_spec_body_schema_is_the_one_the_endpoint_validates_with(client):
    """Is the documented request body exactly the pydantic model POST /v1/meetings validates with?"""
    spec = client.get("/v1/openapi.json").get_json()
    documented = spec["components"]["schemas"]["MeetingCreate"]
    assert documented["properties"] == MeetingCreate.model_json_schema()["properties"]
    assert documented["required"] == ["endDate"] and documented["additionalProperties"] is False


def test_product_api_page_prints_the_served_spec(client):
    """Does the product-api page list every operation and body field of the served spec, with no script?"""
    spec = client.get("/v1/openapi.json").get_json()
    response = client.get("/information/product-api/")
    html = response.get_data(as_text=True)
    for path, methods in spec["paths"].items():
        for method in methods:
            assert f'<span class="api-method">{method.upper()}</span> <code>/v1{path}</code>' in html
    for field in spec["components"]["schemas"]["MeetingCreate"]["properties"]:
        assert f"<code>{field}</code>" in html
    scripts = re.findall(r"<script[^>]*>", html)
    assert all(re.search(r'src="/static/', tag) for tag in scripts)  # only our own files, nothing inline
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
