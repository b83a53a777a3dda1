"""What the people in a meeting may see of each other."""

# ``key`` is the person's public key for this meeting (end-to-end encryption, ``e2ee.py``);
# ``e2ee`` says whether their browser seals its frames; ``group`` is their breakout group
# (``breakout.py``), None in the main room.
PUBLIC_FIELDS = (
    "id",
    "name",
    "host",
    "cohost",
    "muted",
    "camera",
    "screen",
    "screen_stream",
    "picture",
    "key",
    "e2ee",
    "group",
)


def public(participant):
    """What other participants may see of someone: never their socket, account or marks."""
    return {key: participant.get(key) for key in PUBLIC_FIELDS}
