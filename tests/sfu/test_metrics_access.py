"""/healthz and /metrics: only on the local listener, or for the metrics token."""

import asyncio

import pytest
from aiohttp.test_utils import TestClient, TestServer

from sfu_node.config import ConfigError, load_config
from tests.support.inprocess import NODE_KEY, running_node

TOKEN = "metrics-token-for-tests-0123456789"
BASE_ARGS = ["--app-url", "http://127.0.0.1:9", "--node-id", "node-m"]


def statuses(app_factory, headers=None, **overrides):
    async def scenario():
        async with running_node(**overrides) as (node, public):
            client = public if app_factory == "public" else TestClient(TestServer(node.build_metrics_app()))
            if client is not public:
                await client.start_server()
            try:
                return [(await client.get(path, headers=headers or {})).status for path in ("/healthz", "/metrics")]
            finally:
                if client is not public:
                    await client.close()

    return asyncio.run(scenario())


def test_public_listener_serves_no_metrics_without_a_token():
    """Without a metrics token, are /healthz and /metrics absent from the public listener?"""
    assert statuses("public") == [404, 404]


def test_local_listener_serves_metrics_without_a_token():
    """Does the separate local listener serve /healthz and /metrics to local scrapers?"""
    assert statuses("local") == [200, 200]


@pytest.mark.parametrize(
    "headers",
    [None, {"Authorization": "Bearer wrong-token"}, {"Authorization": TOKEN}, {"Authorization": "Bearer é"}],
)
def test_public_listener_refuses_wrong_or_missing_bearer(headers):
    """With a metrics token set, is the public listener's /healthz and /metrics refused without it?"""
    assert statuses("public", headers, metrics_token=TOKEN) == [401, 401]


def test_public_listener_serves_metrics_to_the_token():
    """With a metrics token set, does the public listener answer the right bearer?"""
    assert statuses("public", {"Authorization": f"Bearer {TOKEN}"}, metrics_token=TOKEN) == [200, 200]


def test_local_listener_also_wants_the_token_once_one_is_set():
    """With a metrics token set, does the local listener want it too?"""
    assert statuses("local", metrics_token=TOKEN) == [401, 401]


def config(*args, **environ):
    return load_config(BASE_ARGS + list(args), {"PARLOR_NODE_KEY": NODE_KEY, **environ})[0]


@pytest.mark.parametrize(("value", "expected"), [("9465", ("127.0.0.1", 9465)), (":9465", ("127.0.0.1", 9465))])
def test_metrics_listen_without_host_means_loopback(value, expected):
    """Does --metrics-listen with only a port bind loopback, never every interface?"""
    assert config("--metrics-listen", value).metrics_listen == expected


def test_metrics_off_by_default():
    """With neither option, is there no metrics listener and no token?"""
    node_config = config()
    assert (node_config.metrics_listen, node_config.metrics_token) == (None, None)


def test_public_metrics_listener_needs_a_token():
    """Is a metrics listener on a non-loopback address refused without a token?"""
    with pytest.raises(ConfigError, match="needs a metrics token"):
        config("--metrics-listen", "0.0.0.0:9465")


def test_public_metrics_listener_with_token_accepted():
    """With a token from the environment, may the metrics listener be on any address?"""
    node_config = config("--metrics-listen", "0.0.0.0:9465", PARLOR_NODE_METRICS_TOKEN=TOKEN)
    assert node_config.metrics_listen == ("0.0.0.0", 9465)
    assert TOKEN not in repr(node_config)


def test_metrics_token_read_from_file(tmp_path):
    """Is the metrics token read from --metrics-token-file?"""
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    assert config("--metrics-token-file", str(path)).metrics_token == TOKEN


@pytest.mark.parametrize("value", ["²", "host:", "host:99999", "host:9a"])
def test_bad_metrics_listen_refused(value):
    """Is a malformed --metrics-listen refused with a clear error?"""
    with pytest.raises(ConfigError, match="metrics-listen"):
        config("--metrics-listen", value)


def test_node_id_outside_the_header_pattern_refused():
    """Is a node id that could not travel in X-Parlor-Node refused at start?"""
    with pytest.raises(ConfigError, match="node-id"):
        load_config(["--app-url", "http://x", "--node-id", "nöde"], {"PARLOR_NODE_KEY": NODE_KEY})
