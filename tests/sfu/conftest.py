import pytest

from ..support.fakeapp import MASTER_SECRET, FakeApp
from ..support.node import NodeProcess


@pytest.fixture
def fake_app():
    app = FakeApp().start()
    yield app
    app.stop()


@pytest.fixture
def start_node(fake_app, tmp_path):
    """Factory starting node subprocesses registered with the fake app; all killed afterwards."""
    nodes = []

    def start(node_id: str = "node-a", **kwargs) -> NodeProcess:
        node = NodeProcess(
            fake_app.url,
            MASTER_SECRET,
            node_id=node_id,
            log_path=str(tmp_path / f"{node_id}-{len(nodes)}.log"),
            **kwargs,
        )
        nodes.append(node)
        node.wait_ready()
        return node

    yield start
    for node in nodes:
        node.kill()
        node.stop()


def pytest_collection_modifyitems(items):
    # Every node test gets a timeout (pytest-timeout): a wedged event loop or
    # browser must fail the test, not hang the suite.
    for item in items:
        if "tests/sfu/" in str(item.path) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(240 if "e2e" in item.name or "e2e" in str(item.path) else 60))
