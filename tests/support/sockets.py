"""A visitor's room ticket and Socket.IO traffic, for the signaling tests."""

import re


def ticket_for(client, room="meet-here"):
    response = client.get(f"/{room}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[-1500:]
    return re.search(r'data-ticket="([^"]+)"', html).group(1)


# A public key in the shape browsers announce (base64url of an uncompressed P-256 point): the
# app relays it without reading it, and refuses a join without one unless the room allows that.
PUBLIC_KEY = "B" + "A" * 86


def join(socket, name="Guest", **extra):
    return socket.emit("join", dict({"name": name, "key": PUBLIC_KEY}, **extra), callback=True)


def events(socket, name):
    return [message["args"][0] for message in socket.get_received() if message["name"] == name]


def received(socket, name):
    """Like ``events``, but an event sent without arguments counts too (as ``{}``)."""
    return [m["args"][0] if m["args"] else {} for m in socket.get_received() if m["name"] == name]


def heard(socket, name):
    """Every ``name`` event the socket has had so far; unlike ``events``, asking again forgets nothing."""
    socket.heard = getattr(socket, "heard", []) + socket.get_received()
    return [m["args"][0] if m["args"] else {} for m in socket.heard if m["name"] == name]
