"""A small STUN/TURN client over UDP (RFC 5389, RFC 5766), enough to probe how coturn answers."""

import base64
import hashlib
import hmac
import os
import socket
import struct
import time

MAGIC_COOKIE = 0x2112A442
BINDING, ALLOCATE, CREATE_PERMISSION = 0x0001, 0x0003, 0x0008
SUCCESS, ERROR = 0x0100, 0x0110
MAPPED_ADDRESS, USERNAME, MESSAGE_INTEGRITY, ERROR_CODE = 0x0001, 0x0006, 0x0008, 0x0009
XOR_PEER_ADDRESS, REALM, NONCE, REQUESTED_TRANSPORT = 0x0012, 0x0014, 0x0015, 0x0019
UDP, TCP = 17, 6


def attribute(kind, value):
    return struct.pack("!HH", kind, len(value)) + value + b"\0" * (-len(value) % 4)


def message(kind, attributes=(), cookie=MAGIC_COOKIE, integrity_key=None):
    body = b"".join(attributes)
    transaction = os.urandom(12)
    if integrity_key is None:
        return struct.pack("!HHI", kind, len(body), cookie) + transaction + body
    # The length covers MESSAGE-INTEGRITY itself (24 bytes), which is computed over what precedes it.
    header = struct.pack("!HHI", kind, len(body) + 24, cookie) + transaction
    mac = hmac.new(integrity_key, header + body, hashlib.sha1).digest()
    return header + body + attribute(MESSAGE_INTEGRITY, mac)


class Answer:
    def __init__(self, data):
        self.kind, length = struct.unpack("!HH", data[:4])
        self.attributes, offset = {}, 20
        while offset < 20 + length:
            kind, size = struct.unpack("!HH", data[offset : offset + 4])
            self.attributes[kind] = data[offset + 4 : offset + 4 + size]
            offset += 4 + size + (-size % 4)

    @property
    def ok(self):
        return self.kind & 0x0110 == SUCCESS

    @property
    def error(self):
        value = self.attributes.get(ERROR_CODE)
        return value[2] * 100 + value[3] if value else None


def xor_peer_address(ip, port=9):
    address = bytes(a ^ b for a, b in zip(socket.inet_aton(ip), struct.pack("!I", MAGIC_COOKIE), strict=True))
    return attribute(XOR_PEER_ADDRESS, struct.pack("!BBH", 0, 1, port ^ (MAGIC_COOKIE >> 16)) + address)


class TurnClient:
    """One client with a TURN REST credential (coturn ``use-auth-secret``)."""

    def __init__(self, port, secret, host="127.0.0.1"):
        self.server = (host, port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.username = f"{int(time.time()) + 600}:probe"
        digest = hmac.new(secret.encode(), self.username.encode(), hashlib.sha1).digest()
        self.password = base64.b64encode(digest).decode()
        self.realm = self.nonce = self.key = None

    def ask(self, data, timeouts=(0.5, 1, 2)):
        """The server's answer to ``data``, or None if it stays silent.

        UDP may drop either packet, so the request is sent again with a doubling timeout (RFC 5389
        section 7.2.1); answers to other transactions are skipped.
        """
        transaction = data[8:20]
        for timeout in timeouts:
            self.sock.sendto(data, self.server)
            self.sock.settimeout(timeout)
            try:
                while True:
                    reply = self.sock.recv(2048)
                    if reply[8:20] == transaction:
                        return Answer(reply)
            except TimeoutError:
                continue
        return None

    def allocate(self, transport=UDP):
        requested = attribute(REQUESTED_TRANSPORT, bytes([transport, 0, 0, 0]))
        challenge = self.ask(message(ALLOCATE, [requested]))  # 401 with the realm and a nonce
        self.realm, self.nonce = challenge.attributes[REALM], challenge.attributes[NONCE]
        self.key = hashlib.md5(f"{self.username}:{self.realm.decode()}:{self.password}".encode()).digest()  # noqa: S324 (RFC 5389)
        return self.signed(ALLOCATE, [requested])

    def signed(self, kind, attributes):
        credentials = [
            attribute(USERNAME, self.username.encode()),
            attribute(REALM, self.realm),
            attribute(NONCE, self.nonce),
        ]
        return self.ask(message(kind, credentials + list(attributes), integrity_key=self.key))

    def permit(self, peer_ip):
        return self.signed(CREATE_PERMISSION, [xor_peer_address(peer_ip)])

    def close(self):
        self.sock.close()
