"""Who is asking, for rate limits: an IPv4 address, or the /64 network of an IPv6 address.

One IPv6 subscriber usually holds a whole /64 (RFC 6177 suggests even a /56), so counting single
IPv6 addresses would give one person 2**64 fresh limits. IPv4-mapped addresses count as IPv4.
"""

import ipaddress

from flask import request


def network_key(address):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def client_network():
    """Flask-Limiter's key function: the requester's address, IPv6 grouped by /64."""
    return network_key(request.remote_addr)
