"""Room name rules: shape, reserved words and prohibited content."""

import re

from better_profanity import profanity

NAME_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,38})[a-z0-9]$")

# Every first path segment the site uses, and names people would mistake for ours.
RESERVED = {
    "api",
    "v1",
    "information",
    "sitemap",
    "sitemap.xml",
    "robots.txt",
    "support",
    "user",
    "users",
    "stripe",
    "healthz",
    "metrics",
    "static",
    "socket.io",
    "favicon.ico",
    "admin",
    "administrator",
    "root",
    "staff",
    "moderator",
    "help",
    "about",
    "pricing",
    "login",
    "logout",
    "signup",
    "register",
    "account",
    "accounts",
    "settings",
    "billing",
    "privacy",
    "terms",
    "legal",
    "tos",
    "security",
    "status",
    "blog",
    "press",
    "jobs",
    "careers",
    "mail",
    "email",
    "www",
    "app",
    "apps",
    "rooms",
    "org",
    "orgs",
    "room",
    "new",
    "embed",
    "embedded",
    "pro",
    "business",
    "features",
    "contact",
    "sales",
    "team",
    "official",
    "system",
    "parlor",
    "null",
    "undefined",
}

# Impersonation of the service: the brand with a word that suggests authority.
IMPERSONATION = re.compile(
    r"(^|-)(parlor|parl0r)(-?)(official|support|help|team|staff|admin|security|billing|verify|login|hq)|"
    r"(official|support|help|team|staff|admin|security|billing|verify|login)(-?)(parlor|parl0r)($|-)"
)

# Our own additions to the maintained list: words it lacks or that hide inside compounds.
EXTRA_PROHIBITED = {"nazi", "heil", "kkk", "genocide", "rapist", "pedo", "paedo", "childporn"}
PROHIBITED_SUBSTRINGS = ("fuck", "cunt", "nigg", "fagg", "whore", "childporn", "pedophil", "kkk")

profanity.load_censor_words()


class InvalidRoomName(ValueError):
    """A name that cannot be claimed; the message says why, in plain words."""


def normalise(name):
    return (name or "").strip().lower()


def check_room_name(name):
    """Raise InvalidRoomName unless ``name`` may be claimed (availability is checked elsewhere)."""
    if not name:
        raise InvalidRoomName("Choose a room name.")
    if len(name) < 3 or len(name) > 40:
        raise InvalidRoomName("Room names are 3 to 40 characters long.")
    if not NAME_PATTERN.match(name) or "--" in name:
        raise InvalidRoomName(
            "Use lowercase letters, digits and single hyphens, starting and ending with a letter or digit."
        )
    if name in RESERVED:
        raise InvalidRoomName("That name is reserved for the site itself. Try another.")
    if IMPERSONATION.search(name):
        raise InvalidRoomName("Room names cannot suggest they belong to Parlor's own staff. Try another.")
    if is_prohibited(name):
        raise InvalidRoomName("That name contains words our terms of service do not allow. Try another.")


def is_prohibited(name):
    words = [w for w in re.split(r"[-0-9]+", name) if w]
    if any(word in EXTRA_PROHIBITED for word in words):
        return True
    if any(part in name.replace("-", "") for part in PROHIBITED_SUBSTRINGS):
        return True
    return profanity.contains_profanity(" ".join(words)) or profanity.contains_profanity(name.replace("-", ""))
