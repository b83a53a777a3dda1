import click
from flask.cli import AppGroup

from ..extensions import db
from . import services
from .models import SfuNode

nodes_cli = AppGroup("nodes", help="SFU nodes (video routers).")


def find_node(node_id):
    node = db.session.get(SfuNode, node_id)
    if node is None:
        raise click.ClickException(f"No node called {node_id!r}. `flask nodes list` shows them.")
    return node


@nodes_cli.command("list")
def list_nodes():
    """Every registered node with its state and last reported load."""
    nodes = services.all_nodes()
    if not nodes:
        click.echo("No nodes have registered.")
        return
    click.echo(f"{'NODE':<20} {'REGION':<14} {'STATE':<9} {'ROOMS':>5} {'PEOPLE':>6} {'CAP':>5} {'CPU%':>6}  URL")
    for node in nodes:
        click.echo(
            f"{node.id:<20} {node.region:<14} {services.status(node):<9} {len(node.assignments):>5} "
            f"{node.participants:>6} {node.capacity:>5} {node.cpu:>6.1f}  {node.public_url}"
        )
        for worker in node.workers or ():
            click.echo(
                f"{'  worker ' + str(worker['index']):<20} {'':<14} {worker['state']:<9} {worker['rooms']:>5} "
                f"{worker['participants']:>6} {'':>5} {worker['cpu']:>6.1f}  restarts {worker['restarts']}"
            )


@nodes_cli.command("drain")
@click.argument("node_id")
def drain_node(node_id):
    """Stop giving NODE_ID new rooms; its current meetings carry on."""
    node = find_node(node_id)
    services.drain(node)
    db.session.commit()
    click.echo(f"{node_id} is draining: no new rooms will go there.")


@nodes_cli.command("forget")
@click.argument("node_id")
def forget_node(node_id):
    """Remove NODE_ID and its room assignments (its rooms move on their next join)."""
    services.forget(find_node(node_id))
    db.session.commit()
    click.echo(f"{node_id} is forgotten.")


@nodes_cli.command("key")
@click.argument("node_id")
def node_key(node_id):
    """Print the key NODE_ID must be started with (PARLOR_NODE_KEY), derived from NODE_MASTER_SECRET."""
    click.echo(services.node_key(node_id))
