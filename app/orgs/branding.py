"""An organisation's brand: a logo and a room background we re-encode, a checked colour, a message.

Everything is stored as plain values: the colour as ``#rrggbb`` (so the brand stylesheet can hold
nothing else), the message as text (escaped wherever it is shown), and the images as WebP we
encoded ourselves from decoded pixels (SVG and anything else that can carry script is refused).
"""

import re

from ..account.avatars import InvalidPicture, make_picture
from . import audit
from .models import new_key
from .services import OrgError, require_manager

LOGO_SIZE = (256, 256)
BACKGROUND_SIZE = (1600, 900)
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MIN_CONTRAST = 4.5  # WCAG 2.1 AA for normal text
WHITE = "#ffffff"


def _luminance(colour):
    """WCAG relative luminance of ``#rrggbb``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b):
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def check_colour(colour):
    """The colour, lowercased, if white text on it is readable (WCAG AA); else OrgError saying why."""
    colour = (colour or "").strip()
    if not COLOUR.match(colour):
        raise OrgError("Write the colour as # and six hexadecimal digits, like #4a2370.")
    ratio = contrast(colour, WHITE)
    if ratio < MIN_CONTRAST:
        raise OrgError(
            f"White text on {colour} has a contrast of {ratio:.1f}:1; buttons need at least {MIN_CONTRAST}:1 "
            "to be readable. Choose a darker colour."
        )
    return colour.lower()


def update_brand(org, actor, colour=None, message=None, logo=None, background=None):
    """Apply what the form sent; empty values clear the colour and message, missing files keep the images."""
    require_manager(actor)
    changed = []
    new_colour = check_colour(colour) if colour else None
    if new_colour != org.accent_colour:
        org.accent_colour, changed = new_colour, [*changed, "colour"]
    message = (message or "").strip() or None
    if message is not None and len(message) > 300:
        raise OrgError("Keep the message to 300 characters.")
    if message != org.knock_message:
        org.knock_message, changed = message, [*changed, "knock message"]
    try:
        if logo:
            org.logo_image, org.logo_key = make_picture(logo, LOGO_SIZE), new_key()
            changed.append("logo")
        if background:
            org.background_image, org.background_key = make_picture(background, BACKGROUND_SIZE), new_key()
            changed.append("background")
    except InvalidPicture as error:
        raise OrgError(str(error)) from None
    if changed:
        audit.record(org, actor.user, "branding_changed", detail=", ".join(changed))
    return changed


def remove_images(org, actor):
    require_manager(actor)
    org.logo_image = org.logo_key = org.background_image = org.background_key = None
    audit.record(org, actor.user, "branding_changed", detail="images removed")


def stylesheet(org, background_url=None):
    """The brand's CSS: only a checked colour and our own image URL go in, never text from people."""
    rules = []
    if org.accent_colour and COLOUR.match(org.accent_colour):
        # The site's buttons, links and focus accents read --plum: inside a branded room they are the brand.
        rules.append(f".org-branded {{ --plum: {org.accent_colour}; --plum-dark: {org.accent_colour}; }}")
    if background_url:
        # A dark veil keeps the lobby's light labels readable on any picture (WCAG contrast).
        veil = "linear-gradient(rgba(24, 18, 30, 0.62), rgba(24, 18, 30, 0.62))"
        image = f'{veil}, url("{background_url}") center / cover'
        rules.append(f".org-branded .lobby, .org-branded .meeting {{ background: {image}; }}")
    return "\n".join(rules) + "\n"
